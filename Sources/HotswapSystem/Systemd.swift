import CSystemd
import Glibc

/// Talks to the service manager through the notify protocol (`sd_notify`), when the daemon
/// runs under systemd (`NOTIFY_SOCKET` set). Without a service manager every call is a no-op.
public struct SystemdNotifier: Sendable {
    /// Whether a service manager listens (`NOTIFY_SOCKET` is set).
    public let isActive: Bool
    /// The watchdog interval systemd asked for (`WATCHDOG_USEC`), in microseconds; nil when
    /// the watchdog is off.
    public let watchdogMicroseconds: UInt64?

    public init() {
        isActive = getenv("NOTIFY_SOCKET") != nil
        var usec: UInt64 = 0
        watchdogMicroseconds = sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? usec : nil
    }

    /// Sends newline-separated `KEY=value` assignments in one datagram.
    public func notify(_ assignments: [String]) {
        guard isActive else { return }
        // A failed notification is not fatal: the daemon serves readers either way, and
        // systemd's own timeouts report a service that stopped talking.
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }

    /// Socket-activated listening descriptors passed by systemd (`sd_listen_fds`), with their
    /// names (`FileDescriptorName=`). Empty when not socket-activated.
    public static func listenDescriptors() -> [(raw: Int32, name: String)] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let n = sd_listen_fds_with_names(1, &names)
        guard n > 0 else { return [] }
        defer { free(names) }
        return (0..<Int(n)).map { i in
            let name = names?[i].map { String(cString: $0) } ?? ""
            free(names?[i])
            return (SD_LISTEN_FDS_START + Int32(i), name)
        }
    }
}
