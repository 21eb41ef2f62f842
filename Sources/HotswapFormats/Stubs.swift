import HotswapCore

// Temporary entry points, replaced by each parser's own file as it lands. They exist so
// that the module's public surface is fixed before the parsers are written in parallel.

/// RFC 8259 JSON.
public enum JSON {
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        throw ConfigError(.unsupported, "JSON parser not yet implemented", at: Origin(file: options.fileName))
    }
}

/// YAML 1.2 through libyaml.
public enum YAML {
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        throw ConfigError(.unsupported, "YAML parser not yet implemented", at: Origin(file: options.fileName))
    }
    public static func emit(_ value: Value) -> String { JSON.emit(value, style: .pretty) + "\n" }
}

/// TOML 1.0.
public enum TOML {
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        throw ConfigError(.unsupported, "TOML parser not yet implemented", at: Origin(file: options.fileName))
    }
    public static func emit(_ value: Value) throws(ConfigError) -> String {
        throw ConfigError(.unsupported, "TOML emitter not yet implemented")
    }
}
