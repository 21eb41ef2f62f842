import HotswapCore

/// RFC 8259 JSON: our own strict parser (this file and JSONParser.swift) and the emitter
/// (JSONEmitter.swift). What is accepted and why is in docs/formats-json-yaml.md.
public enum JSON {
    /// Parses exactly one JSON text.
    ///
    /// Strict RFC 8259 on the raw UTF-8 bytes: no comments, no trailing commas, no NaN or
    /// Infinity, no raw control characters or NUL bytes, no lone surrogates in `\u` escapes.
    /// A leading UTF-8 byte order mark is ignored (RFC 8259 §8.1 allows it; editors on some
    /// systems write one). Integers that fit `Int64` stay integers, every other number is a
    /// double; a number too large for a double is an error rather than an infinity.
    /// A key repeated in one object is an error (`.duplicateKey`, at the second occurrence),
    /// because a configuration that says two things about one key is a mistake.
    /// - Throws: `ConfigError` (`.syntax`, `.encoding`, `.limit`, `.duplicateKey`) whose
    ///   description is `file:line:column: message`.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        try parse(bytes, options: options, duplicateKeys: .reject)
    }

    /// Parses zero or more JSON texts one after another, separated by optional whitespace
    /// (the concatenated form the yaml-test-suite uses for multi-document expectations).
    /// Empty input (or only whitespace) is an empty list.
    public static func parseSequence(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> [Value] {
        try checkSize(bytes, options)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ConfigError) -> [Value] in
            var parser = JSONParser(buffer, options: options, rejectDuplicates: true)
            return try parser.parseSequence()
        }
    }

    /// What to do with a key repeated in one object.
    package enum DuplicateKeyPolicy: Sendable {
        /// Throw `.duplicateKey` at the second occurrence (what `parse` does).
        case reject
        /// Keep the first position and the last value, as most JSON readers do. Only the
        /// conformance run uses it, to check the grammar separately from our policy.
        case lastWins
    }

    package static func parse(_ bytes: [UInt8], options: ParseOptions, duplicateKeys: DuplicateKeyPolicy) throws(ConfigError) -> Value {
        try checkSize(bytes, options)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ConfigError) -> Value in
            var parser = JSONParser(buffer, options: options, rejectDuplicates: duplicateKeys == .reject)
            return try parser.parseDocument()
        }
    }

    private static func checkSize(_ bytes: [UInt8], _ options: ParseOptions) throws(ConfigError) {
        if bytes.count > options.maxInputBytes {
            throw ConfigError(.limit, "input is \(bytes.count) bytes, more than the limit of \(options.maxInputBytes) bytes",
                              at: Origin(file: options.fileName))
        }
    }
}
