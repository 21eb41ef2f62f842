import Foundation
import HotswapCore
import HotswapSystem
import HotswapTestSupport
import Testing

@Suite struct InotifyEventParsingTests {
    func record(wd: Int32, mask: UInt32, cookie: UInt32 = 0, name: String, padTo: Int) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        var nameBytes = Array(name.utf8)
        nameBytes += [UInt8](repeating: 0, count: padTo - nameBytes.count)
        return le(UInt32(bitPattern: wd)) + le(mask) + le(cookie) + le(UInt32(nameBytes.count)) + nameBytes
    }

    @Test func parse_decodesRecordsWithNULPaddedNames() {
        let bytes = record(wd: 1, mask: Inotify.Mask.closeWrite.rawValue, name: "app.yaml", padTo: 16)
            + record(wd: 2, mask: Inotify.Mask.movedTo.rawValue, cookie: 7, name: "", padTo: 0)
        let events = InotifyEvent.parse(bytes)
        #expect(events == [
            InotifyEvent(watch: Inotify.Watch(raw: 1), mask: .closeWrite, name: "app.yaml"),
            InotifyEvent(watch: Inotify.Watch(raw: 2), mask: .movedTo, cookie: 7, name: ""),
        ])
    }

    @Test func parse_stopsAtATruncatedRecordInsteadOfReadingPastTheBuffer() {
        let whole = record(wd: 1, mask: 2, name: "a", padTo: 16)
        #expect(InotifyEvent.parse(whole + Array(whole.prefix(20))).count == 1)
        #expect(InotifyEvent.parse(Array(whole.prefix(10))).isEmpty)
    }
}

@Suite struct FilesTests {
    @Test func writeAtomically_replacesContent_andReadHonoursTheLimit() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("f.json").path
            try Files.writeAtomically(path, Array("one".utf8))
            try Files.writeAtomically(path, Array("two!".utf8))
            #expect(try Files.read(path) == Array("two!".utf8))
            #expect(throws: ConfigError(.io, "")) { try Files.read(path, limit: 3) }
            #expect(throws: ConfigError(.io, "")) { try Files.read(dir.appendingPathComponent("missing").path) }
            // No temporary file is left behind.
            let left = try Files.list(dir.path)
            #expect(left == ["f.json"])
        }
    }

    @Test func list_sortsBytewise_andIsNilForAMissingDirectory() throws {
        try withTemporaryDirectory { dir in
            for name in ["b.yaml", "B.yaml", "a.toml", "10-x.json", "9-y.json"] {
                _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data())
            }
            let listed = try Files.list(dir.path)
            let missing = try Files.list(dir.appendingPathComponent("nope").path)
            #expect(listed == ["10-x.json", "9-y.json", "B.yaml", "a.toml", "b.yaml"])
            #expect(missing == nil)
        }
    }

    @Test func pathHelpers() {
        #expect(Files.directory(of: "/a/b/c.yaml") == "/a/b")
        #expect(Files.directory(of: "c.yaml") == ".")
        #expect(Files.directory(of: "/c.yaml") == "/")
        #expect(Files.resolve("x.yaml", against: "/etc") == "/etc/x.yaml")
        #expect(Files.resolve("/abs", against: "/etc") == "/abs")
    }
}

@Suite struct EventLoopPrimitivesTests {
    @Test func inotify_reportsACreatedFile_throughEpoll() throws {
        try withTemporaryDirectory { dir in
            let epoll = try Epoll()
            let inotify = try Inotify()
            _ = try inotify.add(dir.path, mask: .directoryChanges)
            try epoll.add(inotify.descriptor, events: .readable, token: 7)
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("new.yaml").path, contents: Data("x".utf8))
            let ready = try epoll.wait(timeoutMs: 10_000)
            #expect(ready.map(\.token) == [7])
            let names = try inotify.read().map(\.name)
            #expect(names.contains("new.yaml"))
        }
    }

    @Test func timer_firesOnce_andCanBeDisarmed() throws {
        let epoll = try Epoll()
        let timer = try MonotonicTimer()
        try epoll.add(timer.descriptor, events: .readable, token: 3)
        timer.arm(afterNanoseconds: 1_000_000)
        #expect(try epoll.wait(timeoutMs: 10_000).map(\.token) == [3])
        #expect(timer.consume() == 1)
        #expect(timer.consume() == 0)
        timer.arm(afterNanoseconds: 1_000_000_000)
        timer.disarm()
        #expect(try epoll.wait(timeoutMs: 0).isEmpty)
    }

    @Test func unixSocket_roundTripsALine_andReportsThePeersCredentials() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("s.sock").path
            let listener = try UnixListener(path: path)
            let client = try UnixConnection.connect(to: path, receiveTimeoutMs: 10_000)
            let epoll = try Epoll()
            try epoll.add(listener.descriptor, events: .readable, token: 1)
            _ = try epoll.wait(timeoutMs: 10_000)
            let server = try #require(try listener.accept())
            let peer = try server.peerCredentials()
            #expect(peer.uid == getuid())
            #expect(peer.pid == getpid())
            try client.writeAll(Array("hello\n".utf8))
            try epoll.add(server.descriptor, events: .readable, token: 2)
            _ = try epoll.wait(timeoutMs: 10_000)
            #expect(try server.read() == .data(Array("hello\n".utf8)))
            #expect(try server.write(Array("back\nignored".utf8)[...]) == 12)
            #expect(try client.readLine() == Array("back".utf8))
            #expect(try listener.accept() == nil)
        }
    }

    @Test func logLevels_parseTheirNames() {
        #expect(LogLevel(name: "err") == .error)
        #expect(LogLevel(name: "WARNING") == .warning)
        #expect(LogLevel(name: "loud") == nil)
        #expect(LogLevel.error > LogLevel.info)
    }
}
