import HotswapCore
import HotswapFormats

/// One configured source of configuration.
public struct SourceSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// One file; its format comes from its extension.
        case file(path: String)
        /// A drop-in directory: every `*.yaml|*.yml|*.json|*.toml` in it, in lexical order.
        case directory(path: String)
        /// Environment variables `PREFIX_a__b=value` setting `a.b`.
        case environment(prefix: String, separator: String)
    }

    public var kind: Kind
    public var priority: Int
    /// A missing optional file or directory is not an error (it contributes nothing).
    public var optional: Bool

    public init(kind: Kind, priority: Int, optional: Bool = false) {
        self.kind = kind
        self.priority = priority
        self.optional = optional
    }

    /// `file etc/app/default.yaml`, `dir etc/app/conf.d`, `env APP`: how status and logs
    /// name the source.
    public var name: String {
        switch kind {
        case let .file(path): "file \(path)"
        case let .directory(path): "dir \(path)"
        case let .environment(prefix, _): "env \(prefix)"
        }
    }

    /// Default priorities fixed by DESIGN.md.
    public static let defaultFilePriority = 100
    public static let environmentFilePriority = 200
    public static let directoryPriority = 250
    public static let environmentPriority = 300
    public static let overridePriority = 400
}

/// The daemon's own configuration (`/etc/hotswapd/<instance>.yaml`), typed and fully
/// defaulted. Read once per start; every other part of the daemon takes what it needs from
/// here through `init`, never by looking keys up.
public struct DaemonConfiguration: Sendable, Equatable {
    public var instance: String
    /// The configuration file itself, and the folder relative paths resolve against.
    public var configPath: String
    public var baseDirectory: String
    public var schemaPath: String?
    public var sources: [SourceSpec]
    public var debounceMilliseconds: Int
    public var historySize: Int
    public var stateDirectory: String
    public var segmentMode: UInt32
    public var segmentGroup: String?
    public var controlSocket: String
    public var allowUIDs: [UInt32]
    /// Group names or numbers; resolved when a caller is checked.
    public var allowGroups: [String]
    public var logLevel: String

    /// The keys the file may contain, for "did you mean" suggestions and to reject typos.
    static let topLevelKeys = ["instance", "schema", "sources", "watch", "history", "state_dir", "segment", "control", "log_level"]

    /// Reads the configuration from a parsed document.
    /// - Parameters:
    ///   - document: the parsed file.
    ///   - path: the file's path, for messages and to resolve relative paths.
    ///   - baseDirectory: the file's folder.
    /// - Throws: `ConfigError` at the offending key's origin, for every kind of mistake:
    ///   unknown keys (with a suggestion), wrong types, bad values, missing required keys.
    public init(parsing document: Value, path: String, baseDirectory: String) throws(ConfigError) {
        configPath = path
        self.baseDirectory = baseDirectory
        let root = try Reader(document, path: ConfigPath.root, file: path)
        try root.rejectUnknownKeys(Self.topLevelKeys)

        guard let instance = try root.string("instance") else {
            throw ConfigError(.schema, "missing required key 'instance' (the instance name, e.g. 'demo')", at: document.origin ?? Origin(file: path))
        }
        guard Self.isValidInstanceName(instance) else {
            throw ConfigError(.schema, "instance '\(instance)' must be 1-64 characters of letters, digits, '-', '_' and '.', not starting with '.'",
                              at: root.origin(of: "instance"))
        }
        self.instance = instance
        schemaPath = try root.string("schema").map { Self.resolve($0, baseDirectory) }

        var sources: [SourceSpec] = []
        if let list = try root.array("sources") {
            var fileCount = 0
            for (i, item) in list.enumerated() {
                let r = try Reader(item, path: ConfigPath(tokens: ["sources", String(i)]), file: path)
                try r.rejectUnknownKeys(["file", "dir", "env", "priority", "optional"])
                let kinds = ["file", "dir", "env"].filter { r.has($0) }
                guard kinds.count == 1 else {
                    throw ConfigError(.schema, "sources.\(i): each source needs exactly one of 'file', 'dir' or 'env'", at: item.origin)
                }
                var spec: SourceSpec
                switch kinds[0] {
                case "file":
                    let p = try r.string("file")!
                    spec = SourceSpec(kind: .file(path: Self.resolve(p, baseDirectory)),
                                      priority: fileCount == 0 ? SourceSpec.defaultFilePriority : SourceSpec.environmentFilePriority)
                    fileCount += 1
                case "dir":
                    spec = SourceSpec(kind: .directory(path: Self.resolve(try r.string("dir")!, baseDirectory)),
                                      priority: SourceSpec.directoryPriority)
                default:
                    let env = try Reader(r.value("env")!, path: r.path.appending("env"), file: path)
                    try env.rejectUnknownKeys(["prefix", "separator"])
                    let prefix = try env.string("prefix") ?? ""
                    let separator = try env.string("separator") ?? "__"
                    guard !separator.isEmpty else {
                        throw ConfigError(.schema, "sources.\(i).env.separator must not be empty", at: env.origin(of: "separator"))
                    }
                    spec = SourceSpec(kind: .environment(prefix: prefix, separator: separator), priority: SourceSpec.environmentPriority)
                }
                if let p = try r.integer("priority") { spec.priority = p }
                spec.optional = try r.bool("optional") ?? false
                sources.append(spec)
            }
        }
        self.sources = sources

        if let watch = try root.object("watch") {
            try watch.rejectUnknownKeys(["debounce_ms"])
            debounceMilliseconds = try watch.integer("debounce_ms", range: 0...60_000) ?? 100
        } else {
            debounceMilliseconds = 100
        }
        if let history = try root.object("history") {
            try history.rejectUnknownKeys(["size"])
            historySize = try history.integer("size", range: 1...100_000) ?? 50
        } else {
            historySize = 50
        }
        stateDirectory = try root.string("state_dir").map { Self.resolve($0, baseDirectory) } ?? "/var/lib/hotswapd/\(instance)"

        segmentMode = 0o644
        segmentGroup = nil
        if let segment = try root.object("segment") {
            try segment.rejectUnknownKeys(["mode", "group"])
            if let text = try segment.stringOrInteger("mode") {
                guard let mode = UInt32(text, radix: 8), mode <= 0o777 else {
                    throw ConfigError(.schema, "segment.mode '\(text)' must be an octal file mode such as \"0644\"", at: segment.origin(of: "mode"))
                }
                segmentMode = mode
            }
            segmentGroup = try segment.stringOrInteger("group")
        }

        controlSocket = "/run/hotswapd/\(instance).sock"
        allowUIDs = []
        allowGroups = []
        if let control = try root.object("control") {
            try control.rejectUnknownKeys(["socket", "allow_uids", "allow_groups"])
            if let s = try control.string("socket") { controlSocket = Self.resolve(s, baseDirectory) }
            allowUIDs = try (control.array("allow_uids") ?? []).enumerated().map { (i, v) throws(ConfigError) -> UInt32 in
                guard let n = v.integerValue, n >= 0, n <= Int64(UInt32.max) else {
                    throw ConfigError(.schema, "control.allow_uids.\(i) must be a numeric uid", at: v.origin)
                }
                return UInt32(n)
            }
            allowGroups = try (control.array("allow_groups") ?? []).enumerated().map { (i, v) throws(ConfigError) -> String in
                switch v.kind {
                case let .string(s): return s
                case let .integer(n): return String(n)
                default: throw ConfigError(.schema, "control.allow_groups.\(i) must be a group name or gid", at: v.origin)
                }
            }
        }
        logLevel = try root.string("log_level") ?? "info"
        guard ["debug", "info", "notice", "warning", "err", "error"].contains(logLevel) else {
            throw ConfigError(.schema, "log_level '\(logLevel)' must be one of debug, info, notice, warning, err", at: root.origin(of: "log_level"))
        }
    }

    static func isValidInstanceName(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count), !s.hasPrefix(".") else { return false }
        return s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0) }
    }

    static func resolve(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") ? path : (base == "." || base.isEmpty ? path : base + "/" + path)
    }
}

/// Typed access to one object of the configuration document, with errors that name the key
/// path and point at the value's origin.
private struct Reader {
    let object: Object
    let path: ConfigPath
    let file: String
    let selfOrigin: Origin?

    init(_ value: Value, path: ConfigPath, file: String) throws(ConfigError) {
        guard case let .object(o) = value.kind else {
            let name = path.isRoot ? "the configuration" : "'\(path)'"
            throw ConfigError(.schema, "\(name) must be a mapping, not a \(value.typeName)", at: value.origin ?? Origin(file: file))
        }
        object = o
        self.path = path
        self.file = file
        selfOrigin = value.origin
    }

    func has(_ key: String) -> Bool { object.contains(key) }
    func value(_ key: String) -> Value? { object[key] }
    func origin(of key: String) -> Origin? { object[key]?.origin ?? selfOrigin }

    private func name(_ key: String) -> String { path.appending(key).description }

    func rejectUnknownKeys(_ known: [String]) throws(ConfigError) {
        for key in object.keys where !known.contains(key) {
            var message = "unknown key '\(name(key))'"
            if let guess = closest(to: key, in: known) { message += " (did you mean '\(guess)'?)" }
            throw ConfigError(.schema, message, at: origin(of: key))
        }
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard case let .string(s) = v.kind else {
            throw ConfigError(.schema, "'\(name(key))' must be a string, not a \(v.typeName)", at: v.origin)
        }
        return s
    }

    func stringOrInteger(_ key: String) throws(ConfigError) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        switch v.kind {
        case let .string(s): return s
        case let .integer(n): return String(n)
        default: throw ConfigError(.schema, "'\(name(key))' must be a string, not a \(v.typeName)", at: v.origin)
        }
    }

    func integer(_ key: String, range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigError) -> Int? {
        guard let v = object[key], !v.isNull else { return nil }
        guard case let .integer(n) = v.kind else {
            throw ConfigError(.schema, "'\(name(key))' must be an integer, not a \(v.typeName)", at: v.origin)
        }
        guard range.contains(Int(n)) else {
            throw ConfigError(.schema, "'\(name(key))' must be between \(range.lowerBound) and \(range.upperBound), not \(n)", at: v.origin)
        }
        return Int(n)
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = object[key], !v.isNull else { return nil }
        guard case let .bool(b) = v.kind else {
            throw ConfigError(.schema, "'\(name(key))' must be true or false, not a \(v.typeName)", at: v.origin)
        }
        return b
    }

    func array(_ key: String) throws(ConfigError) -> [Value]? {
        guard let v = object[key], !v.isNull else { return nil }
        guard case let .array(a) = v.kind else {
            throw ConfigError(.schema, "'\(name(key))' must be a list, not a \(v.typeName)", at: v.origin)
        }
        return a
    }

    func object(_ key: String) throws(ConfigError) -> Reader? {
        guard let v = object[key], !v.isNull else { return nil }
        return try Reader(v, path: path.appending(key), file: file)
    }
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
func closest(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
    guard let (best, d) = scored, d <= max(2, word.count / 3) else { return nil }
    return best
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var prev = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[b.count]
}
