import Foundation
import HotswapSystem

// Helpers for the control-socket end-to-end tests: raw clients that misbehave on purpose,
// hotswapctl runs in the background or under another uid, and JSON output parsed with
// Foundation (independent of the daemon's own JSON code, so a bug there cannot hide itself).

/// A client of the control socket that speaks (or refuses to speak) the protocol by hand.
/// One thread may write while another reads (a socket allows that); nothing else is shared.
public final class RawControlClient: @unchecked Sendable {
    public let connection: UnixConnection

    /// Connects (blocking); answers wait at most `receiveTimeoutMs`.
    public init(socketPath: String, receiveTimeoutMs: Int32 = 30_000) throws {
        connection = try UnixConnection.connect(to: socketPath, receiveTimeoutMs: receiveTimeoutMs)
    }

    public func send(_ text: String) throws { try connection.writeAll(Array(text.utf8)) }
    public func send(_ bytes: [UInt8]) throws { try connection.writeAll(bytes) }

    /// The next response line, or nil when the daemon closed the connection without one.
    public func readResponse() throws -> String? {
        try connection.readLine().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Sends one line and returns the parsed response object, or nil on a close without answer.
    public func request(_ line: String) throws -> [String: Any]? {
        try send(line.hasSuffix("\n") ? line : line + "\n")
        guard let text = try readResponse() else { return nil }
        return try jsonObject(text)
    }

    /// Whether the daemon has closed its end: reads until end of stream (blocking, bounded by
    /// the receive timeout), discarding what arrives.
    public func waitForClose() throws -> Bool {
        while true {
            switch try connection.read() {
            case .data: continue
            case .closed: return true
            case .wouldBlock: return false
            }
        }
    }
}

/// One request over a fresh connection; nil when the daemon closed without answering.
public func controlRequest(_ socketPath: String, _ line: String) throws -> [String: Any]? {
    try RawControlClient(socketPath: socketPath).request(line)
}

/// Parses a JSON object (hotswapctl --json output, a protocol response).
public func jsonObject(_ text: String) throws -> [String: Any] {
    let v = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    guard let o = v as? [String: Any] else { throw HarnessError("expected a JSON object, got: \(text.prefix(500))") }
    return o
}

/// Parses a JSON array.
public func jsonArray(_ text: String) throws -> [Any] {
    let v = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    guard let a = v as? [Any] else { throw HarnessError("expected a JSON array, got: \(text.prefix(500))") }
    return a
}

/// Parses any JSON text (an object, an array or a scalar).
public func jsonValue(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// An integer member of a parsed JSON object (JSONSerialization gives NSNumber).
public func int(_ v: Any?) -> Int64? {
    guard let n = v as? NSNumber else { return nil }
    return n.int64Value
}

/// Bytes a pipe's handler thread appends, with a wait for some text to arrive.
final class OutputBuffer: @unchecked Sendable {
    private var storage = Data()
    private let condition = NSCondition()

    func append(_ d: Data) {
        condition.lock()
        storage.append(d)
        condition.broadcast()
        condition.unlock()
    }

    var data: Data {
        condition.lock(); defer { condition.unlock() }
        return storage
    }

    /// Waits until the text so far contains `text`; false at the deadline.
    func wait(for text: String, until deadline: Date) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while !String(decoding: storage, as: UTF8.self).contains(text) {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }
}

/// A child process started now and waited for later (for clients that run concurrently, and
/// for clients in flight while the daemon is killed).
public final class BackgroundCommand: @unchecked Sendable {
    public let process = Process()
    private let out = Pipe(), err = Pipe(), input = Pipe()
    private let outData = OutputBuffer(), errData = OutputBuffer()
    /// The two pipe readers; `wait()` returns only after both saw end of file, so no output
    /// written before the exit can be missed.
    private let readers = DispatchGroup()

    public init(_ path: String, _ args: [String], stdin: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        for (pipe, buffer) in [(out, outData), (err, errData)] {
            let handle = pipe.fileHandleForReading
            DispatchQueue.global().async(group: readers) {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                }
            }
        }
        try process.run()
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Waits until the process has written `text` on stderr.
    /// - Throws: at the deadline, with what it wrote.
    public func waitForStderr(containing text: String, timeout: TimeInterval = 30) throws {
        guard errData.wait(for: text, until: Date().addingTimeInterval(timeout)) else {
            throw HarnessError("no '\(text)' on stderr within \(timeout)s: \(String(decoding: errData.data, as: UTF8.self))")
        }
    }

    /// What the process wrote on stderr so far.
    public var stderrSoFar: String { String(decoding: errData.data, as: UTF8.self) }

    /// Waits for the exit and returns the status and everything written.
    public func wait() -> CommandResult {
        process.waitUntilExit()
        readers.wait()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self))
    }
}

extension RunningDaemon {
    /// The path of the hotswapctl under test.
    public static var ctlPath: String { TestPaths.productsDir.appendingPathComponent("hotswapctl").path }

    /// The arguments `ctl` prepends: this daemon's socket and instance.
    public func ctlArguments(_ args: [String]) -> [String] {
        ["--socket", socketPath, "--instance", instance] + args
    }

    /// Starts `hotswapctl` against this daemon without waiting for it.
    public func ctlInBackground(_ args: [String], stdin: String? = nil) throws -> BackgroundCommand {
        try BackgroundCommand(Self.ctlPath, ctlArguments(args), stdin: stdin)
    }

    /// Runs `hotswapctl` with another identity through `setpriv` (the test runs as root).
    /// `binary` must be a copy the other uid can execute (see `executableCopy`).
    public func ctl(as uid: UInt32, gid: UInt32, groups: [UInt32] = [], binary: String, _ args: [String]) throws -> CommandResult {
        let groupOption = groups.isEmpty ? "--clear-groups" : "--groups=" + groups.map(String.init).joined(separator: ",")
        return try runCommand("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", groupOption, binary] + ctlArguments(args))
    }

    /// The parsed `--json` output of a verb that must succeed.
    public func ctlJSON(_ args: [String], stdin: String? = nil) throws -> Any {
        let r = try ctl(args + ["--json"], stdin: stdin)
        guard r.status == 0 else { throw HarnessError("hotswapctl \(args) failed (\(r.status)): \(r.stderr)") }
        return try jsonValue(r.stdout)
    }
}

/// A copy of `source` in `directory` with mode 0755 (and 0755 folders above it), so a process
/// running as another uid can execute it even when the build folder is private.
public func executableCopy(of source: String, in directory: URL) throws -> String {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let dest = directory.appendingPathComponent(URL(fileURLWithPath: source).lastPathComponent)
    try? FileManager.default.removeItem(at: dest)
    try FileManager.default.copyItem(atPath: source, toPath: dest.path)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dest.path)
    var url = directory
    while url.path != "/" && url.path.hasPrefix(FileManager.default.temporaryDirectory.path) && url.path != FileManager.default.temporaryDirectory.path {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        url.deleteLastPathComponent()
    }
    return dest.path
}

/// A NOTIFY_SOCKET drained by a thread of its own, for daemons that publish many generations
/// while the test is busy elsewhere: sd_notify blocks once a datagram socket's queue is full
/// (`net.unix.max_dgram_qlen`, 10 by default outside systemd), and a blocked daemon would stall
/// every test that does not read its notifications in time.
///
/// Pass `environment` to `RunningDaemon` (it overrides the harness's own NOTIFY_SOCKET) and
/// wait with `waitFor(_:)` instead of `RunningDaemon.waitForNotification`.
public final class NotifyListener: @unchecked Sendable {
    public let path: String
    private let receiver: UnixDatagramReceiver
    private let condition = NSCondition()
    private var messages: [String] = []
    private var stopped = false
    private var finished = false

    public init(path: String) throws {
        self.path = path
        receiver = try UnixDatagramReceiver(path: path)
        // The thread holds the listener until `stop()`.
        Thread { [self] in run() }.start()
    }

    public var environment: [String: String] { ["NOTIFY_SOCKET": path] }

    private func run() {
        while true {
            condition.lock()
            let stop = stopped
            condition.unlock()
            if stop { break }
            guard let m = try? receiver.receive(timeoutMs: 100) else { continue }
            condition.lock()
            messages.append(m)
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Every message so far, in order.
    public var all: [String] {
        condition.lock(); defer { condition.unlock() }
        return messages
    }

    /// Waits for a message containing `text` at index `from` or later; returns its index and text.
    /// - Throws: when `daemon` exits first or the deadline passes.
    @discardableResult
    public func waitFor(_ text: String, from: Int = 0, daemon: RunningDaemon? = nil, timeout: TimeInterval = 30) throws -> (index: Int, message: String) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if from < messages.count, let i = messages[from...].firstIndex(where: { $0.contains(text) }) { return (i, messages[i]) }
            if let daemon, !daemon.process.isRunning {
                throw HarnessError("hotswapd exited (status \(daemon.process.terminationStatus)) before sending \(text); stderr:\n\(daemon.stderr)")
            }
            // Woken by every message; the short wait also notices a daemon that exited.
            if !condition.wait(until: min(deadline, Date().addingTimeInterval(0.2))) && Date() >= deadline {
                throw HarnessError("no notification containing \(text) within \(timeout)s; got \(messages.suffix(5))")
            }
        }
    }

    /// Stops the draining thread and waits for it.
    public func stop() {
        condition.lock()
        stopped = true
        while !finished { condition.wait() }
        condition.unlock()
    }
}
