import CSystemd
import Glibc

/// syslog priorities, as journald and the `<N>` stderr convention use them.
public enum LogLevel: Int32, Sendable, Comparable, CaseIterable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "err", "error": self = .error
        case "crit", "critical": self = .critical
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .emergency: "emerg"
        case .alert: "alert"
        case .critical: "crit"
        case .error: "err"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue > b.rawValue }
}

/// Writes log entries: to journald as structured entries when stderr is connected to the
/// journal (systemd sets `JOURNAL_STREAM` to stderr's device and inode), otherwise to stderr
/// with the `<N>` priority prefix systemd and syslog understand, or, on a terminal, as plain
/// `level: message key=value` lines for people.
///
/// Passed to the services that log, never reached through a global.
public final class Logger: Sendable {
    public enum Sink: Sendable { case journal, stderrPrefixed, terminal }

    public let identifier: String
    public let minimumLevel: LogLevel
    public let sink: Sink

    public init(identifier: String, minimumLevel: LogLevel = .info, sink: Sink? = nil) {
        self.identifier = identifier
        self.minimumLevel = minimumLevel
        self.sink = sink ?? Self.detectSink()
    }

    public func withMinimumLevel(_ level: LogLevel) -> Logger {
        Logger(identifier: identifier, minimumLevel: level, sink: sink)
    }

    static func detectSink() -> Sink {
        if let stream = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) {
            var st = stat()
            if fstat(2, &st) == 0 && stream == "\(st.st_dev):\(st.st_ino)" { return .journal }
        }
        return isatty(2) != 0 ? .terminal : .stderrPrefixed
    }

    /// Logs `message` with structured `fields` (journald field names: upper case, digits and
    /// underscores, e.g. `HOTSWAP_GENERATION`). On stderr the fields follow the message as
    /// `key=value` pairs.
    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)] = []) {
        guard level.rawValue <= minimumLevel.rawValue else { return }
        switch sink {
        case .journal:
            var entries = ["MESSAGE=\(message)", "PRIORITY=\(level.rawValue)", "SYSLOG_IDENTIFIER=\(identifier)"]
            entries += fields.map { "\($0.0)=\($0.1)" }
            sendToJournal(entries)
        case .stderrPrefixed, .terminal:
            var line = sink == .terminal ? "\(identifier): \(level.name): \(message)" : "<\(level.rawValue)>\(message)"
            for (k, v) in fields {
                let key = k.hasPrefix("HOTSWAP_") ? String(k.dropFirst(8)).lowercased() : k.lowercased()
                line += " \(key)=\(v.contains(" ") ? "\"\(v)\"" : v)"
            }
            line += "\n"
            line.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
        }
    }

    public func debug(_ m: String, _ f: [(String, String)] = []) { log(.debug, m, f) }
    public func info(_ m: String, _ f: [(String, String)] = []) { log(.info, m, f) }
    public func notice(_ m: String, _ f: [(String, String)] = []) { log(.notice, m, f) }
    public func warning(_ m: String, _ f: [(String, String)] = []) { log(.warning, m, f) }
    public func error(_ m: String, _ f: [(String, String)] = []) { log(.error, m, f) }

    private func sendToJournal(_ entries: [String]) {
        // sd_journal_send is variadic; sd_journal_sendv takes one iovec per FIELD=value.
        var bytes: [UInt8] = []
        var ranges: [(Int, Int)] = []
        for e in entries {
            ranges.append((bytes.count, e.utf8.count))
            bytes += e.utf8
        }
        bytes.withUnsafeMutableBytes { buf in
            var iov = ranges.map { iovec(iov_base: buf.baseAddress! + $0.0, iov_len: $0.1) }
            _ = sd_journal_sendv(&iov, Int32(iov.count))
        }
    }
}
