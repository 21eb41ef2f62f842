import CShim
import Glibc

/// The signals the daemon handles, as a value the event loop can switch over.
public enum Signal: Int32, Sendable, CaseIterable {
    case hangup = 1      // SIGHUP: reload
    case interrupt = 2   // SIGINT: clean exit
    case terminate = 15  // SIGTERM: clean exit
    case child = 17      // SIGCHLD: reserved for hooks
    case pipe = 13       // SIGPIPE: ignored; writes to a vanished client fail with EPIPE instead
}

/// Delivers signals as readable events on a descriptor, so the single-threaded event loop
/// handles them in order with everything else and no code runs in a signal handler.
///
/// The signals are blocked in the calling thread; create it in `main` before any other thread
/// starts so that every thread inherits the mask. The corresponding C call is `signalfd`.
public final class SignalSource {
    private let fd: OwnedFD

    public init(_ signals: [Signal]) throws(SystemError) {
        let numbers = signals.map(\.rawValue)
        fd = OwnedFD(adopting: try sys("signalfd") { hs_shim_signalfd(numbers, Int32(numbers.count)) })
    }

    public var descriptor: Descriptor { fd.descriptor }

    /// The next pending signal, or nil when none is pending.
    public func next() -> Signal? {
        while true {
            let n = hs_shim_signalfd_read(fd.raw)
            if n <= 0 { return nil }
            if let s = Signal(rawValue: n) { return s }
        }
    }
}

/// A one-shot or periodic timer on the monotonic clock, readable when it fires.
/// The corresponding C calls are `timerfd_create`, `timerfd_settime` and `read`.
public final class MonotonicTimer {
    private let fd: OwnedFD

    public init() throws(SystemError) {
        fd = OwnedFD(adopting: try sys("timerfd_create") { hs_shim_timerfd_create() })
    }

    public var descriptor: Descriptor { fd.descriptor }

    /// Fires once after `nanoseconds` (at least 1), then every `interval` if it is not 0.
    /// Re-arming replaces the previous deadline, which is what debouncing needs.
    public func arm(afterNanoseconds ns: UInt64, interval: UInt64 = 0) {
        _ = hs_shim_timerfd_arm(fd.raw, max(ns, 1), interval)
    }

    public func disarm() {
        _ = hs_shim_timerfd_arm(fd.raw, 0, 0)
    }

    /// How many expirations happened since the last call (0 if none); clears readiness.
    @discardableResult
    public func consume() -> Int {
        max(0, Int(hs_shim_timerfd_read(fd.raw)))
    }
}

/// Clocks, for timestamps and durations.
public enum Clock {
    public static var monotonicMicroseconds: UInt64 { hs_shim_monotonic_usec() }
    public static var monotonicNanoseconds: UInt64 { hs_shim_monotonic_ns() }
    public static var realtimeNanoseconds: UInt64 { hs_shim_realtime_ns() }
}

/// Sets SIGPIPE to ignored, so that writing to a client that went away gives EPIPE instead
/// of killing the daemon. Called once, from `main`.
public func ignoreBrokenPipes() {
    signal(SIGPIPE, SIG_IGN)
}
