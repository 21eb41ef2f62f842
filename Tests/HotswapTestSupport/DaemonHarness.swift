import CHotswap
import Foundation
import HotswapSystem

/// A real `hotswapd` child process on a configuration of the test's own, with a NOTIFY_SOCKET
/// of the test's own, a unique instance (segment `/dev/shm/hotswap.<instance>`), and helpers
/// that wait on real events: notify messages, generation changes, process exit.
public final class RunningDaemon: @unchecked Sendable {
    public let directory: URL
    public let instance: String
    public let configPath: String
    public let socketPath: String
    public let stateDirectory: String
    public let process: Process
    /// Drains the daemon's notify socket on a thread of its own: sd_notify blocks when the
    /// socket's queue is full (net.unix.max_dgram_qlen, 10 here), which would freeze the
    /// daemon in any test that does not wait for every notification.
    private let notify: NotifyListener
    /// Index of the first notification `waitForNotification` has not consumed yet.
    private var cursor = 0
    /// The daemon's stderr goes to a file: what it logged before a notification is readable
    /// once the notification has arrived (a pipe read by a handler thread could lag behind).
    public let stderrPath: String
    /// Whether `stop()` (and deinit) remove the segment; false keeps it for a later daemon.
    public var removesSegmentWhenStopped = true
    /// Every notify message received so far, in order.
    public var notifications: [String] { notify.all }

    /// Starts the daemon. `config` is the daemon configuration (YAML) written to
    /// `<dir>/hotswapd.yaml`; the instance, state_dir and control socket are added by the
    /// harness unless `config` sets them.
    public init(directory: URL, config: String, environment: [String: String] = [:], instance: String? = nil) throws {
        self.directory = directory
        self.instance = instance ?? "t\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        configPath = directory.appendingPathComponent("hotswapd.yaml").path
        socketPath = directory.appendingPathComponent("ctl.sock").path
        stateDirectory = directory.appendingPathComponent("state").path
        var text = config
        if !config.contains("instance:") { text = "instance: \(self.instance)\n" + text }
        if !config.contains("state_dir:") { text += "\nstate_dir: \(stateDirectory)\n" }
        if !config.contains("control:") { text += "\ncontrol: { socket: \(socketPath) }\n" }
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        notify = try NotifyListener(path: directory.appendingPathComponent("notify-\(UInt32.random(in: 0..<UInt32.max)).sock").path)

        process = Process()
        process.executableURL = TestPaths.productsDir.appendingPathComponent("hotswapd")
        process.arguments = ["--config", configPath]
        var env = ["NOTIFY_SOCKET": notify.path, "PATH": "/usr/bin:/bin"]
        for (k, v) in environment { env[k] = v }
        process.environment = env
        stderrPath = directory.appendingPathComponent("hotswapd-\(self.instance).stderr").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// What the daemon wrote on stderr so far.
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the next notify message (after those already consumed) containing `text`
    /// (e.g. `READY=1`); returns the message.
    /// - Throws: `HarnessError` when the daemon exits first or the deadline passes.
    @discardableResult
    public func waitForNotification(containing text: String, timeout: TimeInterval = 30) throws -> String {
        do {
            let (i, m) = try notify.waitFor(text, from: cursor, daemon: self, timeout: timeout)
            cursor = i + 1
            return m
        } catch {
            throw HarnessError("\(error); stderr:\n\(stderr)")
        }
    }

    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to exit; returns its status.
    public func waitForExit(timeout: TimeInterval = 30) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        let done = DispatchSemaphore(value: 0)
        let p = process
        DispatchQueue.global().async { p.waitUntilExit(); done.signal() }
        guard done.wait(timeout: .now() + deadline.timeIntervalSinceNow) == .success else {
            throw HarnessError("hotswapd did not exit within \(timeout)s")
        }
        return process.terminationStatus
    }

    /// Stops the daemon (SIGTERM) and, unless `removesSegmentWhenStopped` is false, removes
    /// its segment.
    public func stop() { stop(removeSegment: removesSegmentWhenStopped) }

    /// Stops the daemon (SIGTERM, then SIGKILL after 10 s) and optionally removes its segment.
    public func stop(removeSegment: Bool) {
        if process.isRunning {
            signal(SIGTERM)
            _ = try? waitForExit(timeout: 10)
            if process.isRunning { signal(SIGKILL) }
        }
        if removeSegment { SegmentReader.remove(instance: instance) }
    }

    deinit {
        stop()
        notify.stop()
    }

    /// Runs `hotswapctl` against this daemon; returns its exit status and output.
    public func ctl(_ args: [String], stdin: String? = nil) throws -> CommandResult {
        try runCommand(TestPaths.productsDir.appendingPathComponent("hotswapctl").path,
                       ["--socket", socketPath, "--instance", instance] + args, stdin: stdin)
    }

    /// Writes `text` to `name` under the test directory (creating folders), in place.
    public func write(_ name: String, _ text: String) throws {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }
}

/// A reader of a segment through libhotswap, as applications read it.
public final class SegmentReader: @unchecked Sendable {
    let handle: OpaquePointer
    public let instance: String

    public init(instance: String) throws {
        var r: OpaquePointer?
        let rc = hs_open(instance, &r)
        guard rc == HS_OK, let r else { throw HarnessError("hs_open(\(instance)): \(String(cString: hs_strerror(rc)))") }
        handle = r
        self.instance = instance
    }

    deinit { hs_close(handle) }

    public var generation: UInt64 { hs_generation(handle) }

    public func int(_ path: String) throws -> Int64 {
        var v: Int64 = 0
        let rc = hs_get_i64(handle, path, &v)
        guard rc == HS_OK else { throw HarnessError("hs_get_i64(\(path)): \(String(cString: hs_strerror(rc)))") }
        return v
    }

    public func string(_ path: String) throws -> String {
        var buf = [CChar](repeating: 0, count: 1 << 16)
        var len = 0
        let rc = hs_get_str(handle, path, &buf, buf.count, &len)
        guard rc == HS_OK else { throw HarnessError("hs_get_str(\(path)): \(String(cString: hs_strerror(rc)))") }
        return String(decoding: buf.prefix(len).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func json(_ path: String) throws -> String {
        var cap = 1 << 16
        while true {
            var buf = [CChar](repeating: 0, count: cap)
            var len = 0
            let rc = hs_get_json(handle, path, &buf, cap, &len)
            if rc == HS_ETOOSMALL { cap = len + 1; continue }
            guard rc == HS_OK else { throw HarnessError("hs_get_json(\(path)): \(String(cString: hs_strerror(rc)))") }
            return String(decoding: buf.prefix(len).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The return code of reading `path` as an integer (to assert HS_ENOTFOUND and friends).
    public func intStatus(_ path: String) -> Int32 {
        var v: Int64 = 0
        return hs_get_i64(handle, path, &v)
    }

    /// Blocks in `hs_wait` until the generation moves past `seen`; returns the new one.
    public func waitForGeneration(after seen: UInt64, timeout: TimeInterval = 30) throws -> UInt64 {
        let rc = hs_wait(handle, seen, Int32(timeout * 1000))
        guard rc == HS_OK else { throw HarnessError("hs_wait(after \(seen)): \(String(cString: hs_strerror(rc))); generation \(generation)") }
        return generation
    }

    /// Removes the instance's segment and the writer's lock file beside it.
    public static func remove(instance: String) {
        _ = hsw_remove("/dev/shm/hotswap.\(instance)")
    }
}

public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program to completion and captures its output.
///
/// Each pipe is read to its end on a thread of its own, and the result is built only after
/// both reads have finished: reading with a readability handler could lose the last chunk,
/// which the handler might still be appending after the process had exited.
public func runCommand(_ path: String, _ args: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    let outData = LockedData(), errData = LockedData()
    let readers = DispatchGroup()
    for (pipe, data) in [(out, outData), (err, errData)] {
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async(group: readers) { data.append(handle.readDataToEndOfFile()) }
    }
    try p.run()
    // The parent's copies of the write ends must close, or the reads never see end of file.
    try? out.fileHandleForWriting.close()
    try? err.fileHandleForWriting.close()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    p.waitUntilExit()
    readers.wait()
    return CommandResult(status: p.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
                         stderr: String(decoding: errData.data, as: UTF8.self))
}

public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Bytes appended from a pipe's handler thread and read from the test.
final class LockedData: @unchecked Sendable {
    private var storage = Data()
    private let lock = NSLock()
    func append(_ d: Data) { lock.lock(); storage.append(d); lock.unlock() }
    var data: Data { lock.lock(); defer { lock.unlock() }; return storage }
}
