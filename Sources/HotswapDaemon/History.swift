import HotswapCore
import HotswapFormats

/// One published generation, as recorded in the state directory and shown by
/// `hotswapctl history`.
public struct HistoryEntry: Sendable, Equatable {
    public var generation: UInt64
    /// The snapshot's content hash (hex), as the segment carries it.
    public var contentHash: String
    /// Wall-clock time of the publish, nanoseconds since the epoch.
    public var publishedAt: UInt64
    /// What caused it: `start`, `file change`, `SIGHUP`, `reload by uid 0`, `set by uid 1000`,
    /// `rollback to 12 by uid 0`, …
    public var cause: String
    public var document: Value
    /// The runtime-override layer that was in effect, so a rollback restores it too.
    public var overrides: Value?
    /// Paths of secret values (schema `writeOnly`/`x-secret`), so a snapshot served from the
    /// history (degraded start) is redacted like a fresh one.
    public var secrets: [ConfigPath] = []

    public init(generation: UInt64, contentHash: String, publishedAt: UInt64, cause: String, document: Value, overrides: Value? = nil) {
        self.generation = generation
        self.contentHash = contentHash
        self.publishedAt = publishedAt
        self.cause = cause
        self.document = document
        self.overrides = overrides
    }

    /// The record as a JSON value (what is written to disk and sent to `hotswapctl`).
    public func encoded(includeDocument: Bool = true) -> Value {
        var o = Object()
        o["generation"] = .integer(Int64(clamping: generation))
        o["content_hash"] = .string(contentHash)
        o["published_at"] = .string(formatTimestamp(publishedAt))
        o["published_at_ns"] = .integer(Int64(clamping: publishedAt))
        o["cause"] = .string(cause)
        if includeDocument {
            o["document"] = document
            o["overrides"] = overrides ?? .null
            o["secrets"] = .array(secrets.map { .string($0.pointer) })
        }
        return .object(o)
    }

    /// Reads a record written by `encoded`.
    /// - Throws: `ConfigError.schema` naming the missing or mistyped field.
    public init(decoding v: Value, file: String) throws(ConfigError) {
        func field(_ k: String) throws(ConfigError) -> Value {
            guard let x = v[k] else { throw ConfigError(.schema, "history record lacks '\(k)'", at: Origin(file: file)) }
            return x
        }
        guard let g = try field("generation").integerValue, g >= 0,
              let hash = try field("content_hash").stringValue,
              let at = try field("published_at_ns").integerValue,
              let cause = try field("cause").stringValue
        else { throw ConfigError(.schema, "history record has a field of the wrong type", at: Origin(file: file)) }
        generation = UInt64(g)
        contentHash = hash
        publishedAt = UInt64(max(0, at))
        self.cause = cause
        document = try field("document")
        // `Value` is ExpressibleByNilLiteral: a bare `nil` here would become `Value.null`.
        overrides = v["overrides"].flatMap { $0.isNull ? Value?.none : $0 }
        secrets = (v["secrets"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { try? ConfigPath(pointer: $0) } }
    }
}

/// RFC 3339 UTC text for nanoseconds since the epoch (`2026-12-03T16:22:40.123Z`), computed
/// without Foundation (civil-from-days, Howard Hinnant's algorithm).
public func formatTimestamp(_ ns: UInt64) -> String {
    let secs = Int64(ns / 1_000_000_000)
    let ms = Int((ns / 1_000_000) % 1000)
    let days = secs / 86400
    let rem = Int(secs % 86400)
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = Int(doy - (153 * mp + 2) / 5 + 1)
    let m = Int(mp < 10 ? mp + 3 : mp - 9)
    let y = Int(yoe + era * 400) + (m <= 2 ? 1 : 0)
    let dt = DateTime(kind: .offsetDateTime, year: y, month: m, day: d, hour: rem / 3600, minute: (rem / 60) % 60,
                      second: rem % 60, nanosecond: ms * 1_000_000, fractionDigits: 3)
    return dt.description
}
