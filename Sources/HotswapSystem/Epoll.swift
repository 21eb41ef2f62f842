import CShim
import Glibc

/// The event loop's multiplexer: one epoll instance watching descriptors, each registered
/// with a caller-chosen token that comes back with its readiness events.
///
/// The corresponding C calls are `epoll_create1`, `epoll_ctl` and `epoll_wait`.
public final class Epoll {
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: HS_SHIM_EPOLLIN)
        public static let writable = Events(rawValue: HS_SHIM_EPOLLOUT)
        public static let error = Events(rawValue: HS_SHIM_EPOLLERR)
        public static let hangup = Events(rawValue: HS_SHIM_EPOLLHUP)
        public static let peerClosed = Events(rawValue: HS_SHIM_EPOLLRDHUP)
    }

    private let fd: OwnedFD

    public init() throws(SystemError) {
        fd = OwnedFD(adopting: try sys("epoll_create1") { hs_shim_epoll_create() })
    }

    public func add(_ d: Descriptor, events: Events, token: UInt64) throws(SystemError) {
        try sys("epoll_ctl(ADD)") { hs_shim_epoll_ctl(fd.raw, HS_SHIM_EPOLL_CTL_ADD, d.raw, events.rawValue, token) }
    }

    public func modify(_ d: Descriptor, events: Events, token: UInt64) throws(SystemError) {
        try sys("epoll_ctl(MOD)") { hs_shim_epoll_ctl(fd.raw, HS_SHIM_EPOLL_CTL_MOD, d.raw, events.rawValue, token) }
    }

    /// Stops watching `d`. Closing a descriptor removes it too; this is for descriptors that
    /// stay open.
    public func remove(_ d: Descriptor) {
        _ = hs_shim_epoll_ctl(fd.raw, HS_SHIM_EPOLL_CTL_DEL, d.raw, 0, 0)
    }

    /// Waits up to `timeoutMs` (-1: forever) and returns the ready registrations.
    public func wait(timeoutMs: Int32) throws(SystemError) -> [(token: UInt64, events: Events)] {
        var tokens = [UInt64](repeating: 0, count: 64)
        var events = [UInt32](repeating: 0, count: 64)
        let n = try sys("epoll_wait") { hs_shim_epoll_wait(fd.raw, &tokens, &events, 64, timeoutMs) }
        return (0..<Int(n)).map { (tokens[$0], Events(rawValue: events[$0])) }
    }
}
