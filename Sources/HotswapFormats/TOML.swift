import HotswapCore

/// TOML 1.0: our own parser and emitter.
public enum TOML {
    // Placeholders until the parser and emitter land.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        throw ConfigError(.unsupported, "TOML parser not yet implemented", at: Origin(file: options.fileName))
    }
    public static func emit(_ value: Value) throws(ConfigError) -> String {
        throw ConfigError(.unsupported, "TOML emitter not yet implemented")
    }
}
