import HotswapCore

/// YAML 1.2 through libyaml's event API, with the core schema. What is accepted and why is in
/// docs/formats-json-yaml.md; the loader is YAMLLoader.swift, the emitter YAMLEmitter.swift.
public enum YAML {
    /// Parses a file that holds one YAML document.
    ///
    /// Plain scalars resolve by the YAML 1.2 core schema (only `true`/`false` are booleans;
    /// `yes`, `no`, `on` are strings). Quoted and block scalars are strings. Anchors, aliases and
    /// merge keys (`<<`) are supported; mapping keys must be scalars and may not repeat.
    /// A file with no document (empty, or only comments) is `null`: there is nothing in it.
    /// - Throws: `ConfigError` whose description is `file:line:column: message`;
    ///   `.unsupported` for a second document, a tag other than the core ones, or a complex key;
    ///   `.limit` for input size, nesting depth and alias expansion.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        let documents = try load(bytes, options: options, single: true)
        return documents.first ?? Value(.null, origin: Origin(file: options.fileName, line: 1, column: 1))
    }

    /// Parses a stream of zero or more documents (`---` separated), each with the rules of
    /// `parse`. Anchors do not carry from one document to the next.
    public static func parseDocuments(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> [Value] {
        try load(bytes, options: options, single: false)
    }

    /// Writes `value` as block-style YAML that `parse` reads back equal.
    public static func emit(_ value: Value) -> String {
        var emitter = YAMLEmitter()
        return emitter.document(value)
    }

    private static func load(_ bytes: [UInt8], options: ParseOptions, single: Bool) throws(ConfigError) -> [Value] {
        if bytes.count > options.maxInputBytes {
            throw ConfigError(.limit, "input is \(bytes.count) bytes, more than the limit of \(options.maxInputBytes) bytes",
                              at: Origin(file: options.fileName))
        }
        // libyaml wants a real pointer even for empty input.
        let storage = bytes.isEmpty ? [0] : bytes
        return try storage.withUnsafeBufferPointer { (buffer) throws(ConfigError) -> [Value] in
            var loader = YAMLLoader(UnsafeBufferPointer(start: buffer.baseAddress, count: bytes.count), options: options)
            return try loader.load(single: single)
        }
    }
}
