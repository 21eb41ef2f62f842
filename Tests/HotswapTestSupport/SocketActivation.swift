import Foundation
import Glibc

/// hotswapd started the way a systemd `.socket` unit starts it: the test binds and listens on
/// the control socket, and the daemon receives it as fd 3 with `LISTEN_FDS=1` and
/// `LISTEN_PID` set to its own pid (`sd_listen_fds(3)`).
///
/// Spawned with posix_spawn rather than Foundation's `Process`: setting `LISTEN_PID` needs an
/// `exec` after the pid is known (`sh -c 'LISTEN_PID=$$ exec …'`), that exec closes the
/// close-on-exec socket `Process` watches its child with, and Foundation then blocks its only
/// monitoring thread in `waitpid` on the still-running daemon, so the exit of every other child
/// goes unnoticed (`runCommand` hangs).
public final class SocketActivatedDaemon: @unchecked Sendable {
    public let pid: pid_t
    public let socketPath: String
    /// Where the daemon's stdout and stderr go.
    public let logPath: String

    public init(executable: String, arguments: [String], socketPath: String, logPath: String, environment: [String: String]) throws {
        self.socketPath = socketPath
        self.logPath = logPath
        let listener = try Self.listen(at: socketPath)
        defer { close(listener) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, listener, 3)
        // Nothing else of the test process leaks into the daemon (a pipe held open there would
        // keep another test's reader waiting for its end). glibc 2.34 has the call; the Glibc
        // module does not declare it.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 4)
        }

        let argv = ["/bin/sh", "-c", #"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@""#, executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var cArgv = argv.map { strdup($0) } + [nil]
        var cEnvp = envp.map { strdup($0) } + [nil]
        defer { (cArgv + cEnvp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, nil, &cArgv, &cEnvp)
        guard rc == 0 else { throw HarnessError("posix_spawn: \(String(cString: strerror(rc)))") }
        pid = child
    }

    /// A bound, listening Unix stream socket (blocking, inheritable: the daemon adopts it).
    static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw HarnessError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        unlink(path)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw HarnessError("bind/listen \(path): \(reason)")
        }
        return fd
    }

    public func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the daemon to exit; returns its exit status (128 + signal when killed).
    public func waitForExit(timeout: TimeInterval = 30) throws -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let status = LockedStatus()
        let pid = self.pid
        DispatchQueue.global().async {
            var s: Int32 = 0
            while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
            status.set((s & 0x7F) == 0 ? (s >> 8) & 0xFF : 128 + (s & 0x7F))
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { throw HarnessError("hotswapd (pid \(pid)) did not exit within \(timeout)s") }
        return status.get()
    }

    /// What the daemon wrote so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

private final class LockedStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int32 = -1
    func set(_ v: Int32) { lock.lock(); value = v; lock.unlock() }
    func get() -> Int32 { lock.lock(); defer { lock.unlock() }; return value }
}
