import HotswapCore

/// TOML 1.0.0: our own parser (TOMLParser.swift) and emitter (TOMLEmitter.swift).
///
/// The parser works on the UTF-8 bytes directly and checks the whole input for invalid UTF-8
/// and forbidden control characters before it starts. Integers stay `Int64`, floats `Double`,
/// and the four date-time kinds become `DateTime` values of the matching kind. See
/// docs/formats-toml.md for what is accepted and how values map.
public enum TOML {
    /// Parses a TOML 1.0 document into an object value. Every node carries its origin
    /// (`options.fileName`, 1-based line, column in Unicode scalars).
    /// - Throws: `ConfigError` with `.syntax`, `.duplicateKey` (a key, table or array of tables
    ///   defined twice, or extended against TOML's rules), `.encoding` (invalid UTF-8 or a
    ///   control character) or `.limit` (input size, nesting depth), located at the offending
    ///   character.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = ParseOptions()) throws(ConfigError) -> Value {
        guard bytes.count <= options.maxInputBytes else {
            throw ConfigError(.limit, "input is \(bytes.count) bytes, more than the limit of \(options.maxInputBytes) bytes",
                              at: Origin(file: options.fileName))
        }
        let result: Result<Value, ConfigError> = bytes.withUnsafeBufferPointer { p in
            let bom = p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
            var parser = TOMLParser(bytes: p, start: bom, options: options)
            let check = tomlCheckBytes(p, from: bom)
            if let bad = check.invalid {
                return .failure(parser.fail(.encoding, bad.message, at: bad.offset))
            }
            parser.firstNonASCII = check.firstNonASCII
            do throws(ConfigError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Writes an object value as a TOML 1.0 document that parses back equal to it.
    ///
    /// Nested objects become `[tables]` and arrays of objects `[[arrays of tables]]`; inside
    /// arrays and inline tables everything is written inline. Keys are quoted only when they
    /// are not bare keys. Floats always keep a `.` or an exponent (`inf`, `-inf`, `nan` for the
    /// non-finite ones), and date-times are written in their own kind.
    /// - Throws: `ConfigError.unsupported` for a null anywhere (TOML has none; the message names
    ///   the key path), for a root that is not an object, and for a date-time TOML cannot
    ///   write (a year outside 0000–9999, or out-of-range components).
    public static func emit(_ value: Value) throws(ConfigError) -> String {
        guard case let .object(root) = value.kind else {
            throw ConfigError(.unsupported, "TOML needs a table at the top of the document, not \(value.typeName == "array" ? "an" : "a") \(value.typeName)",
                              at: value.origin)
        }
        var emitter = TOMLEmitter()
        try emitter.emitTable(root, header: nil, path: .root, isArrayElement: false)
        return emitter.out
    }

    /// The typed JSON of the toml-test decoder protocol: every table an object, every array
    /// an array, and every leaf `{"type": "integer", "value": "42"}` with the type one of
    /// `string`, `integer`, `float`, `bool`, `datetime`, `datetime-local`, `date-local`,
    /// `time-local` and the value always a string. This is what `hotswapctl convert
    /// --to toml-test-json` prints, so toml-test's own runner can check the parser.
    /// - Throws: `ConfigError.unsupported` for a null, which TOML cannot hold.
    public static func taggedJSON(_ value: Value) throws(ConfigError) -> Value {
        try tagged(value, path: .root)
    }

    private static func tagged(_ value: Value, path: ConfigPath) throws(ConfigError) -> Value {
        func leaf(_ type: String, _ text: String) -> Value {
            .object(Object([("type", .string(type, origin: value.origin)), ("value", .string(text, origin: value.origin))]),
                    origin: value.origin)
        }
        switch value.kind {
        case .null:
            throw ConfigError(.unsupported, "TOML has no null, found one at '\(path)'", at: value.origin)
        case let .bool(b): return leaf("bool", b ? "true" : "false")
        case let .integer(i): return leaf("integer", String(i))
        case let .float(d): return leaf("float", formatFloat(d))
        case let .string(s): return leaf("string", s)
        case let .dateTime(d): return leaf(d.kind.rawValue, d.description)
        case let .array(a):
            var out: [Value] = []
            out.reserveCapacity(a.count)
            for (i, element) in a.enumerated() { out.append(try tagged(element, path: path.appending(i))) }
            return .array(out, origin: value.origin)
        case let .object(o):
            var out = Object()
            for (key, member) in o { out[key] = try tagged(member, path: path.appending(key)) }
            return .object(out, origin: value.origin)
        }
    }

    /// TOML's spelling of a float: shortest round-trip digits, always with a `.` or an
    /// exponent so it never reads back as an integer; `inf`, `-inf` and `nan` otherwise.
    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let s = String(d)
        for b in s.utf8 where b == 0x2E || b == 0x65 || b == 0x45 { return s }
        return s + ".0"
    }
}
