/// An error in configuration input: a syntax error, a violated limit, a bad path, a schema
/// violation. It carries the origin of the offending text so its description reads
/// `file:line:column: message`, the one format every tool and log line uses.
///
/// Equality compares `code` only, so tests can assert the kind of failure without matching
/// the wording.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum, so kinds can be added without
    /// breaking callers that switch over them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case syntax, limit, encoding, duplicateKey, path, type, schema, io, unsupported, patch
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Malformed input text.
        public static let syntax = Code(.syntax)
        /// A configured bound was exceeded: input size, nesting depth, alias expansion.
        public static let limit = Code(.limit)
        /// Bytes that are not valid UTF-8 (or contain forbidden characters such as NUL).
        public static let encoding = Code(.encoding)
        /// A key defined twice in one mapping.
        public static let duplicateKey = Code(.duplicateKey)
        /// A malformed key path, or one that does not resolve.
        public static let path = Code(.path)
        /// A value of the wrong type for the operation.
        public static let type = Code(.type)
        /// A schema violation or an invalid schema.
        public static let schema = Code(.schema)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        /// Valid input that uses a feature we do not support (a YAML tag, a multi-document file).
        public static let unsupported = Code(.unsupported)
        /// A JSON Patch operation that cannot be applied.
        public static let patch = Code(.patch)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// What is wrong and, where possible, how to fix it. No location prefix.
    public var message: String
    /// Where the offending text is.
    public var origin: Origin?

    public init(_ code: Code, _ message: String, at origin: Origin? = nil) {
        self.code = code
        self.message = message
        self.origin = origin
    }

    public var description: String {
        origin.map { "\($0): \(message)" } ?? message
    }

    public static func == (a: ConfigError, b: ConfigError) -> Bool { a.code == b.code }
}
