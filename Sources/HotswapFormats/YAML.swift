import HotswapCore

/// YAML 1.2 (core schema) through libyaml.
public enum YAML {
    // Placeholders until the parser and emitter land.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        throw ConfigError(.unsupported, "YAML parser not yet implemented", at: Origin(file: options.fileName))
    }
    public static func emit(_ value: Value) -> String { JSON.emit(value, style: .pretty) + "\n" }
}
