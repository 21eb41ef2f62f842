import HotswapCore

/// A compiled JSON Schema (draft 2020-12), ready to validate configuration documents.
///
/// Compile once, when the schema file is loaded: every `$ref` is resolved, every regular
/// expression compiled and every keyword checked then, so a bad schema is rejected at load
/// with a `ConfigError` pointing at the offending keyword, never at first use. Validation is
/// then a walk over precompiled nodes.
///
/// A `Schema` is an immutable value and `Sendable`: one instance may validate on any number
/// of threads at once.
///
/// The typical pipeline call is `apply(to:)`, which coerces string-sourced values, fills in
/// defaults, validates, and reports the secret paths. See docs/schema.md for the supported
/// keywords and where the engine differs from the specification.
public struct Schema: Sendable {
    /// Knobs for compilation and validation. The defaults suit configuration files.
    public struct Options: Sendable {
        /// Whether `format` is an assertion (a violation when the string is not, say, a valid
        /// hostname). JSON Schema makes it an annotation by default; for configuration a
        /// misspelt host name should be caught, so it asserts by default.
        public var assertFormats: Bool
        /// Whether unknown keywords (and unknown `format` names) are a compile error, with a
        /// suggestion for the likely typo. Keywords starting with `x-` are always allowed.
        /// The specification ignores unknown keywords; a configuration schema that says
        /// `maxmimum` almost certainly meant `maximum`.
        public var strictKeywords: Bool
        /// Deepest nesting of subschema evaluations (each `$ref`, `allOf` branch, property or
        /// item is one level) and of the instance itself. Beyond it validation stops with a
        /// violation rather than exhausting the stack.
        public var maxDepth: Int
        /// A bound on the work of one validation, in evaluation steps (roughly, keyword checks
        /// plus regular-expression steps). Beyond it validation stops with a violation; it
        /// exists so that a hostile schema or document cannot stall the daemon.
        public var maxSteps: Int

        public init(assertFormats: Bool = true, strictKeywords: Bool = true, maxDepth: Int = 512,
                    maxSteps: Int = 50_000_000)
        {
            self.assertFormats = assertFormats
            self.strictKeywords = strictKeywords
            self.maxDepth = maxDepth
            self.maxSteps = maxSteps
        }
    }

    let nodes: [CompiledNode]
    let root: Int
    let documents: [SchemaDocument]
    let resources: [Resource]
    public let options: Options
    /// The base URI of the root document.
    public let uri: String

    /// Compiles `root`, a schema document already parsed into a `Value` (from YAML, JSON or
    /// TOML; origins in it make compile errors point at the schema file's lines).
    ///
    /// - Parameters:
    ///   - uri: the document's base URI, used to resolve relative `$ref`s. Pass
    ///     `file:///abs/path/schema.yaml` (an absolute path is turned into that form).
    ///   - resolve: called, only during this call, with the absolute URI (no fragment) of any
    ///     document a `$ref` needs that is not already loaded; return its parsed value, nil
    ///     when there is no such document (the `$ref` is then an error), or throw a parse
    ///     error. The 2020-12 meta-schemas are bundled and never asked for. The daemon maps
    ///     `file://` URIs inside the schema's directory to files; the conformance test maps
    ///     `http://localhost:1234/` to the suite's `remotes/`.
    /// - Throws: `ConfigError.schema` for an invalid schema (unknown keyword or type,
    ///   keyword with a value of the wrong type, invalid or unsupported regular expression,
    ///   unresolvable `$ref`, a `$ref` loop), or whatever `resolve` throws.
    public static func compile(_ root: Value, uri: String, options: Options = Options(),
                               resolve: (String) throws(ConfigError) -> Value? = { _ in nil }) throws(ConfigError) -> Schema
    {
        var base = uri.hasPrefix("/") ? "file://" + uri : uri
        base = splitFragment(base).0
        let result: Result<Schema, ConfigError> = withoutActuallyEscaping(resolve) { escaping in
            var c = Compiler(options: options, resolve: escaping)
            do throws(ConfigError) {
                let doc = c.addDocument(root, uri: base, bundled: false)
                let r = try c.compileAll(root: Location(doc: doc, tokens: []))
                return .success(Schema(nodes: c.nodes.map(CompiledNode.init), root: r, documents: c.docs, resources: c.resources, options: options, uri: base))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(nodes: [CompiledNode], root: Int, documents: [SchemaDocument], resources: [Resource], options: Options, uri: String) {
        self.nodes = nodes
        self.root = root
        self.documents = documents
        self.resources = resources
        self.options = options
        self.uri = uri
    }

    /// Every violation of the schema by `instance`, in document order; empty when valid.
    public func validate(_ instance: Value) -> [SchemaViolation] {
        var e = Evaluator(schema: self, report: true)
        _ = e.run(root, instance)
        return e.violations
    }

    /// Whether `instance` is valid, without building messages (stops at the first failure).
    public func isValid(_ instance: Value) -> Bool {
        var e = Evaluator(schema: self, report: false)
        return e.run(root, instance)
    }

    /// The default coercion predicate: values whose origin is the environment (`<env>`) or
    /// a runtime override (`<override>`), the sources that only ever produce strings.
    public static func isStringSourced(_ value: Value) -> Bool {
        guard let f = value.origin?.file else { return false }
        return f == "<env>" || f == "<override>"
    }

    /// The file name written in the origin of every value filled in from a `default`.
    /// Its line and column are those of the `default` in the schema file, and
    /// `Origin.source` is `schema <file>`, naming that file.
    public static let defaultOriginFile = "<schema default>"
}

/// One way in which a document violates a schema.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// Where in the document: `server.port`, `upstreams.2.host`. For a missing required key,
    /// the path of the key that should be there.
    public var path: ConfigPath
    /// The schema keyword that failed, as `file#pointer`: `schema.yaml#/properties/port/maximum`.
    public var schemaLocation: String
    /// Where that keyword is written, when the schema was parsed from a file.
    public var schemaOrigin: Origin?
    /// The keyword that failed (`maximum`, `required`, `additionalProperties`…).
    public var keyword: String
    /// What is wrong, for a person: "must be at most 65535, but is 70000".
    public var message: String
    /// Where the offending value was written (`etc/app/default.yaml:12:9`); for a missing
    /// key, the object that lacks it.
    public var origin: Origin?
    /// For `anyOf`/`oneOf`: why each alternative failed.
    public var causes: [SchemaViolation]

    public init(path: ConfigPath, schemaLocation: String, schemaOrigin: Origin? = nil, keyword: String, message: String,
                origin: Origin?, causes: [SchemaViolation] = [])
    {
        self.path = path
        self.schemaLocation = schemaLocation
        self.schemaOrigin = schemaOrigin
        self.keyword = keyword
        self.message = message
        self.origin = origin
        self.causes = causes
    }

    /// `etc/app.yaml:12:9: server.port: must be at most 65535, but is 70000 (schema.yaml#/properties/…)`,
    /// then one indented line per cause.
    public var description: String { render(indent: "") }

    private func render(indent: String) -> String {
        var s = indent
        if let origin { s += "\(origin): " }
        s += path.isRoot ? "(document): " : "\(path): "
        s += message
        s += " [\(schemaLocation)]"
        for c in causes { s += "\n" + c.render(indent: indent + "  ") }
        return s
    }

    /// The violation as a `ConfigError` (code `.schema`), for callers that deal in those.
    public var configError: ConfigError {
        ConfigError(.schema, "\(path.isRoot ? "(document)" : path.description): \(message)", at: origin)
    }

    /// Equality ignores `schemaOrigin` and compares everything else.
    public static func == (a: SchemaViolation, b: SchemaViolation) -> Bool {
        a.path == b.path && a.schemaLocation == b.schemaLocation && a.keyword == b.keyword && a.message == b.message
            && a.origin == b.origin && a.causes == b.causes
    }
}

/// What `Schema.apply(to:)` produces: the document as readers should see it, and what is
/// wrong with it.
public struct SchemaResult: Sendable {
    /// The input with string-sourced values coerced to the schema's types and missing
    /// properties filled from `default`s (their origin file is `Schema.defaultOriginFile`).
    public var value: Value
    /// Every violation of the schema by `value`; empty when it may be published.
    public var violations: [SchemaViolation]
    /// The paths of values the schema marks secret (`writeOnly: true` or `x-secret: true`),
    /// with concrete array indices, sorted. A secret object's members are secret too.
    public var secrets: [ConfigPath]

    public var isValid: Bool { violations.isEmpty }
}
