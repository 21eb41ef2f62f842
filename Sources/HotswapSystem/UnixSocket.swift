import CShim
import Glibc

/// Who is on the other end of a Unix socket, as the kernel vouches for it (`SO_PEERCRED`).
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var description: String { "uid \(uid) (pid \(pid))" }
}

/// A listening Unix stream socket: the daemon's control socket.
public final class UnixListener {
    private let fd: OwnedFD
    public let path: String
    /// False for a socket systemd passed in: its file belongs to the socket unit.
    private let ownsPath: Bool

    /// Binds `path` (removing a stale socket file first), sets its mode, and listens.
    public init(path: String, mode: mode_t = 0o666, backlog: Int32 = 128) throws(SystemError) {
        self.path = path
        ownsPath = true
        fd = OwnedFD(adopting: try sys("bind", path) { hs_shim_unix_listen(path, backlog) })
        try sys("chmod", path) { chmod(path, mode) }
    }

    /// Adopts a descriptor passed by systemd socket activation (`sd_listen_fds`).
    public init(adopting raw: Int32, path: String) {
        self.path = path
        ownsPath = false
        fd = OwnedFD(adopting: raw)
        _ = hs_shim_set_nonblocking(raw)
    }

    public var descriptor: Descriptor { fd.descriptor }

    /// Accepts one pending connection (nonblocking); nil when none is pending.
    public func accept() throws(SystemError) -> UnixConnection? {
        while true {
            let c = hs_shim_accept(fd.raw)
            if c >= 0 { return UnixConnection(adopting: c) }
            switch errno {
            case EINTR: continue
            case EAGAIN, ECONNABORTED: return nil
            // Out of descriptors: leave the connection queued and report, rather than spin.
            default: throw SystemError(call: "accept", errno: errno, subject: path)
            }
        }
    }

    /// Removes the socket file (on clean exit), unless systemd owns it.
    public func unlinkPath() {
        if ownsPath { _ = unlink(path) }
    }
}

/// One accepted or connected Unix stream socket.
public final class UnixConnection {
    private let fd: OwnedFD

    init(adopting raw: Int32) { fd = OwnedFD(adopting: raw) }

    /// Connects to `path`, blocking, with a receive timeout so a stuck daemon cannot hang the
    /// caller forever.
    public static func connect(to path: String, receiveTimeoutMs: Int32 = 30_000) throws(SystemError) -> UnixConnection {
        let c = UnixConnection(adopting: try sys("connect", path) { hs_shim_unix_connect(path) })
        _ = hs_shim_set_recv_timeout(c.fd.raw, receiveTimeoutMs)
        return c
    }

    public var descriptor: Descriptor { fd.descriptor }

    public func peerCredentials() throws(SystemError) -> PeerCredentials {
        var uid: UInt32 = 0, gid: UInt32 = 0, pid: Int32 = 0
        try sys("getsockopt(SO_PEERCRED)") { hs_shim_peercred(fd.raw, &uid, &gid, &pid) }
        return PeerCredentials(uid: uid, gid: gid, pid: pid)
    }

    public enum ReadResult: Equatable {
        case data([UInt8])
        /// Nonblocking socket with nothing to read now.
        case wouldBlock
        /// The peer closed its end.
        case closed
    }

    /// Reads what is available, up to `max` bytes.
    public func read(max: Int = 64 * 1024) throws(SystemError) -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress, $0.count) }
            if n > 0 { return .data(Array(buffer[0..<n])) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wouldBlock
            case ECONNRESET: return .closed
            default: throw SystemError(call: "read", errno: errno, subject: "control socket")
            }
        }
    }

    /// Writes as much of `bytes` as the socket takes now; returns how many were written
    /// (0 when it would block).
    public func write(_ bytes: ArraySlice<UInt8>) throws(SystemError) -> Int {
        while true {
            let n = bytes.withUnsafeBytes { Glibc.send(fd.raw, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN: return 0
            default: throw SystemError(call: "write", errno: errno, subject: "control socket")
            }
        }
    }

    /// Blocking: writes all of `bytes` (clients only; the daemon never blocks on a client).
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let n = try write(bytes[offset...])
            offset += n
        }
    }

    /// Blocking: reads until a newline (returned without it) or the end of the stream.
    /// - Throws: `SystemError` with `EAGAIN` when the receive timeout expires.
    public func readLine(limit: Int = 256 << 20) throws(SystemError) -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            switch try read() {
            case let .data(d):
                if let nl = d.firstIndex(of: 0x0A) {
                    // Clients send one request and read one response: nothing follows the line.
                    return line + d[..<nl]
                }
                line += d
                if line.count > limit { throw SystemError(call: "read", errno: EMSGSIZE, subject: "control socket") }
            case .wouldBlock:
                throw SystemError(call: "read", errno: EAGAIN, subject: "control socket (timed out)")
            case .closed:
                return line.isEmpty ? nil : line
            }
        }
    }
}

/// A bound Unix datagram socket; tests use one as `NOTIFY_SOCKET` to receive sd_notify
/// messages the daemon sends.
public final class UnixDatagramReceiver {
    private let fd: OwnedFD
    public let path: String

    public init(path: String) throws(SystemError) {
        self.path = path
        fd = OwnedFD(adopting: try sys("bind", path) { hs_shim_unix_dgram_bind(path) })
    }

    /// Waits up to `timeoutMs` for one datagram; nil on timeout.
    public func receive(timeoutMs: Int32) throws(SystemError) -> String? {
        _ = hs_shim_set_recv_timeout(fd.raw, timeoutMs)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd.raw, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return String(decoding: buffer[0..<n], as: UTF8.self) }
            if errno == EINTR { continue }
            if errno == EAGAIN { return nil }
            throw SystemError(call: "recv", errno: errno, subject: path)
        }
    }

    deinit { unlink(path) }
}
