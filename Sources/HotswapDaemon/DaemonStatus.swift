import HotswapCore
import HotswapFormats

/// How the last reload ended.
public struct ReloadReport: Sendable {
    public enum Result: Sendable {
        case published(generation: UInt64)
        case unchanged
        case rejected([ConfigError])
    }

    public var cause: String
    /// Wall-clock time, nanoseconds since the epoch.
    public var at: UInt64
    public var result: Result

    /// One line for logs and `STATUS=`: `published generation 7`, `unchanged`,
    /// `rejected: file:line:col: message (and 2 more)`.
    public var summary: String {
        switch result {
        case let .published(g): return "published generation \(g)"
        case .unchanged: return "unchanged"
        case let .rejected(errors):
            let first = errors.first.map(\.description) ?? "unknown error"
            return "rejected: \(first)" + (errors.count > 1 ? " (and \(errors.count - 1) more)" : "")
        }
    }
}

/// Everything `hotswapctl status` and `STATUS=` report about the daemon.
public struct DaemonStatus: Sendable {
    public var instance: String
    public var generation: UInt64 = 0
    public var contentHash = ""
    public var publishedAt: UInt64 = 0
    /// Serving a last good snapshot because the sources are broken (at start), or the last
    /// reload was rejected.
    public var degraded = false
    public var degradedReason: String?
    public var sources: [SourceStatus] = []
    public var lastReload: ReloadReport?
    /// The generation a rollback republished, while it is still what is live.
    public var rollbackTo: UInt64?
    public var startedAt: UInt64 = 0

    public init(instance: String) { self.instance = instance }

    /// The text systemd shows as `StatusText=`: short, generation first.
    public var statusText: String {
        var s = "generation \(generation)"
        if degraded { s += ", degraded" }
        if let r = lastReload { s += "; last reload \(r.summary)" }
        // STATUS= is one line; systemctl status truncates anything long anyway.
        return String(s.split(separator: "\n").joined(separator: " ").prefix(400))
    }

    /// The status as JSON for `hotswapctl status --json`.
    public func encoded(socketPath: String, segmentName: String) -> Value {
        var o = Object()
        o["instance"] = .string(instance)
        o["generation"] = .integer(Int64(clamping: generation))
        o["content_hash"] = .string(contentHash)
        o["published_at"] = .string(publishedAt == 0 ? "" : formatTimestamp(publishedAt))
        o["degraded"] = .bool(degraded)
        if let degradedReason { o["degraded_reason"] = .string(degradedReason) }
        o["segment"] = .string(segmentName)
        o["socket"] = .string(socketPath)
        o["started_at"] = .string(formatTimestamp(startedAt))
        o["rollback_to"] = rollbackTo.map { .integer(Int64(clamping: $0)) } ?? .null
        o["sources"] = .array(sources.map { s in
            var so = Object()
            so["name"] = .string(s.spec.name)
            so["priority"] = .integer(Int64(s.spec.priority))
            so["optional"] = .bool(s.spec.optional)
            switch s.health {
            case .ok: so["state"] = "ok"
            case .missing: so["state"] = "missing"
            case let .failed(e):
                so["state"] = "error"
                so["error"] = .string(e.description)
            }
            so["files"] = .array(s.files.map { .string($0) })
            return .object(so)
        })
        if let r = lastReload {
            var ro = Object()
            ro["cause"] = .string(r.cause)
            ro["at"] = .string(formatTimestamp(r.at))
            switch r.result {
            case let .published(g):
                ro["result"] = "published"
                ro["generation"] = .integer(Int64(clamping: g))
            case .unchanged:
                ro["result"] = "unchanged"
            case let .rejected(errors):
                ro["result"] = "rejected"
                ro["errors"] = .array(errors.map { .string($0.description) })
            }
            o["last_reload"] = .object(ro)
        } else {
            o["last_reload"] = .null
        }
        return .object(o)
    }
}
