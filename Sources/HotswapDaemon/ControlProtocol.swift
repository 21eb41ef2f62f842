import HotswapCore
import HotswapFormats

/// The control socket's protocol, version 1: one JSON object per line each way.
///
/// Request: `{"v": 1, "verb": "set", "path": "server.port", "value": "9090"}`.
/// Response: `{"v": 1, "ok": true, "result": …}` or
/// `{"v": 1, "ok": false, "error": "one line", "errors": ["file:line:col: …", …]}`.
/// Specified in docs/control-protocol.md.
public enum ControlProtocol {
    public static let version: Int64 = 1
    /// Requests larger than this are refused and the connection closed.
    public static let maxRequestBytes = 16 << 20
}

/// A parsed, well-formed request.
public enum ControlRequest: Sendable, Equatable {
    case status
    case dump(showSecrets: Bool)
    case explain(ConfigPath)
    case reload
    case set(ConfigPath, Value)
    case unset(ConfigPath)
    case patch(JSONPatch)
    case history
    /// Generations to compare; nil means the live snapshot.
    case diff(UInt64?, UInt64?)
    case rollback(steps: Int)

    /// Whether the verb changes anything and so needs authorisation.
    public var isMutating: Bool {
        switch self {
        case .reload, .set, .unset, .patch, .rollback: return true
        case let .dump(showSecrets): return showSecrets
        case .status, .explain, .history, .diff: return false
        }
    }

    public var verb: String {
        switch self {
        case .status: "status"
        case .dump: "dump"
        case .explain: "explain"
        case .reload: "reload"
        case .set: "set"
        case .unset: "unset"
        case .patch: "patch"
        case .history: "history"
        case .diff: "diff"
        case .rollback: "rollback"
        }
    }

    /// Reads a request line.
    /// - Throws: `ConfigError` with a message fit to send back to the client.
    public init(line: [UInt8]) throws(ConfigError) {
        let doc = try JSON.parse(line, options: ParseOptions(fileName: "<request>", maxInputBytes: ControlProtocol.maxRequestBytes, maxDepth: 128))
        guard case let .object(o) = doc.kind else { throw ConfigError(.syntax, "a request must be a JSON object") }
        if let v = o["v"], v.integerValue != ControlProtocol.version {
            throw ConfigError(.unsupported, "unsupported protocol version \(v) (this daemon speaks \(ControlProtocol.version))")
        }
        guard let verb = o["verb"]?.stringValue else { throw ConfigError(.syntax, "a request needs a string 'verb'") }
        func path() throws(ConfigError) -> ConfigPath {
            guard let p = o["path"]?.stringValue else { throw ConfigError(.syntax, "\(verb) needs a string 'path'") }
            return try ConfigPath(parsing: p)
        }
        func generation(_ key: String) throws(ConfigError) -> UInt64? {
            guard let v = o[key], !v.isNull, v.stringValue != "live" else { return nil }
            guard let g = v.integerValue, g >= 0 else { throw ConfigError(.syntax, "'\(key)' must be a generation number or \"live\"") }
            return UInt64(g)
        }
        switch verb {
        case "status": self = .status
        case "dump": self = .dump(showSecrets: o["show_secrets"]?.boolValue ?? false)
        case "explain": self = .explain(try path())
        case "reload": self = .reload
        case "set":
            guard let value = o["value"] else { throw ConfigError(.syntax, "set needs a 'value'") }
            self = .set(try path(), value)
        case "unset": self = .unset(try path())
        case "patch":
            guard let patch = o["patch"] else { throw ConfigError(.syntax, "patch needs a 'patch' (an RFC 6902 array)") }
            self = .patch(try JSONPatch(parsing: patch))
        case "history": self = .history
        case "diff": self = .diff(try generation("a"), try generation("b"))
        case "rollback":
            let n = o["steps"]?.integerValue ?? 1
            guard n >= 1, n <= 1_000_000 else { throw ConfigError(.syntax, "rollback steps must be a positive number") }
            self = .rollback(steps: Int(n))
        default:
            throw ConfigError(.unsupported, "unknown verb '\(verb)'")
        }
    }

    /// The request as a JSON line (what `hotswapctl` sends).
    public var encoded: String {
        var o = Object()
        o["v"] = .integer(ControlProtocol.version)
        o["verb"] = .string(verb)
        switch self {
        case .status, .reload, .history: break
        case let .dump(s): o["show_secrets"] = .bool(s)
        case let .explain(p), let .unset(p): o["path"] = .string(p.pointer)
        case let .set(p, v):
            o["path"] = .string(p.pointer)
            o["value"] = v
        case let .patch(p): o["patch"] = p.encoded
        case let .diff(a, b):
            o["a"] = a.map { .integer(Int64(clamping: $0)) } ?? "live"
            o["b"] = b.map { .integer(Int64(clamping: $0)) } ?? "live"
        case let .rollback(n): o["steps"] = .integer(Int64(n))
        }
        return JSON.emit(.object(o)) + "\n"
    }
}

/// A response, built by the daemon and read by `hotswapctl`.
public struct ControlResponse: Sendable {
    public var ok: Bool
    public var result: Value
    /// One line saying what went wrong.
    public var error: String?
    /// Every individual error (each `file:line:column: message`).
    public var errors: [String]

    public static func success(_ result: Value) -> ControlResponse {
        ControlResponse(ok: true, result: result, error: nil, errors: [])
    }

    public static func failure(_ error: String, errors: [String] = []) -> ControlResponse {
        ControlResponse(ok: false, result: .null, error: error, errors: errors)
    }

    public var encoded: String {
        var o = Object()
        o["v"] = .integer(ControlProtocol.version)
        o["ok"] = .bool(ok)
        if ok {
            o["result"] = result
        } else {
            o["error"] = .string(error ?? "failed")
            o["errors"] = .array(errors.map { .string($0) })
        }
        return JSON.emit(.object(o)) + "\n"
    }

    public init(ok: Bool, result: Value, error: String?, errors: [String]) {
        self.ok = ok
        self.result = result
        self.error = error
        self.errors = errors
    }

    /// Reads a response line.
    public init(line: [UInt8]) throws(ConfigError) {
        let doc = try JSON.parse(line, options: ParseOptions(fileName: "<response>", maxInputBytes: 1 << 30, maxDepth: 512))
        guard let ok = doc["ok"]?.boolValue else { throw ConfigError(.syntax, "malformed response from the daemon") }
        self.ok = ok
        result = doc["result"] ?? .null
        error = doc["error"]?.stringValue
        errors = doc["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

extension JSONPatch {
    /// The patch as an RFC 6902 document.
    public var encoded: Value {
        .array(operations.map { op in
            var o = Object()
            switch op {
            case let .add(p, v): o["op"] = "add"; o["path"] = .string(p.pointer); o["value"] = v
            case let .remove(p): o["op"] = "remove"; o["path"] = .string(p.pointer)
            case let .replace(p, v): o["op"] = "replace"; o["path"] = .string(p.pointer); o["value"] = v
            case let .move(f, p): o["op"] = "move"; o["from"] = .string(f.pointer); o["path"] = .string(p.pointer)
            case let .copy(f, p): o["op"] = "copy"; o["from"] = .string(f.pointer); o["path"] = .string(p.pointer)
            case let .test(p, v): o["op"] = "test"; o["path"] = .string(p.pointer); o["value"] = v
            }
            return .object(o)
        })
    }
}
