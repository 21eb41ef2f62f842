import HotswapCore

/// RFC 8259 JSON: our own strict parser (this file) and the emitter (JSONEmitter.swift).
public enum JSON {
    // Placeholder until the parser lands.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        throw ConfigError(.unsupported, "JSON parser not yet implemented", at: Origin(file: options.fileName))
    }
}
