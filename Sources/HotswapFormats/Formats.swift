import HotswapCore

/// The configuration file formats hotswapd reads and writes.
public enum Format: String, Sendable, CaseIterable, CustomStringConvertible {
    case json, yaml, toml

    /// The format a file name's extension names: `.json`, `.yaml`/`.yml`, `.toml`
    /// (case-insensitive); nil for anything else.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "json": self = .json
        case "yaml", "yml": self = .yaml
        case "toml": self = .toml
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// Bounds that keep a parser from being turned against the daemon by hostile input.
public struct ParseOptions: Sendable {
    /// Name used in error locations and in the origin of every node (`etc/app.yaml`,
    /// `<stdin>`).
    public var fileName: String
    /// Inputs larger than this are rejected before parsing. Default 64 MiB.
    public var maxInputBytes: Int
    /// Deepest nesting of arrays and objects accepted. Default 256: far more than any real
    /// configuration, far less than what would exhaust a thread's stack.
    public var maxDepth: Int
    /// YAML only: the most nodes that aliases may expand to (a "billion laughs" guard).
    /// Default 1,000,000.
    public var maxAliasExpansion: Int

    public init(fileName: String = "<input>", maxInputBytes: Int = 64 << 20, maxDepth: Int = 256,
                maxAliasExpansion: Int = 1_000_000)
    {
        self.fileName = fileName
        self.maxInputBytes = maxInputBytes
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
    }
}

extension Format {
    /// Parses `bytes` as this format. Every node carries its origin
    /// (`options.fileName`, line, column).
    /// - Throws: `ConfigError` whose description is `file:line:column: message`.
    public func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        switch self {
        case .json: return try JSON.parse(bytes, options: options)
        case .yaml: return try YAML.parse(bytes, options: options)
        case .toml: return try TOML.parse(bytes, options: options)
        }
    }

    /// Writes `value` in this format, human-friendly (pretty JSON, block YAML, TOML tables).
    /// - Throws: `ConfigError.unsupported` when the format cannot express the value (TOML has
    ///   no null and needs an object at the top).
    public func emit(_ value: Value) throws(ConfigError) -> String {
        switch self {
        case .json: return JSON.emit(value, style: .pretty)
        case .yaml: return YAML.emit(value)
        case .toml: return try TOML.emit(value)
        }
    }
}
