import HotswapCore

/// A place in a loaded document: the document's index and the reference tokens from its root.
struct Location: Hashable, Sendable {
    var doc: Int
    var tokens: [String]

    func appending(_ t: String) -> Location { Location(doc: doc, tokens: tokens + [t]) }
    func appending(_ t: String, _ u: String) -> Location { Location(doc: doc, tokens: tokens + [t, u]) }
    var pointer: String { ConfigPath(tokens: tokens).pointer }
}

/// What a subschema inherits from where it sits: its base URI, its resource and the dialect.
struct CompileContext: Sendable {
    var base: String
    var resource: Int
    var dialect: Dialect
}

/// The rules in force for a schema resource, from its `$schema` (and that meta-schema's
/// `$vocabulary`).
struct Dialect: Sendable {
    /// A 2019-09 resource reached by `$ref` (array `items`, `additionalItems`, no
    /// `prefixItems`).
    var is2019 = false
    /// False when the meta-schema leaves out the validation vocabulary.
    var validation = true
    var formatAssertion: Bool
    /// Whether unknown keywords are an error (our own strictness, for 2020-12 documents).
    var strict: Bool
}

/// Turns schema documents into `Node`s. Lives only for one `Schema.compile` call.
struct Compiler {
    let options: Schema.Options
    let resolve: (String) throws(ConfigError) -> Value?

    var docs: [SchemaDocument] = []
    var resourceLocations: [String: Location] = [:]
    var anchors: [String: Location] = [:]
    var dynamicAnchorLocations: [String: [String: Location]] = [:]
    var resources: [Resource] = []
    var resourceIndex: [String: Int] = [:]
    var nodes: [Node] = []
    var memo: [Location: Int] = [:]
    var queue: [(Int, Location, CompileContext?)] = []
    var failedLoads: Set<String> = []

    init(options: Schema.Options, resolve: @escaping (String) throws(ConfigError) -> Value?) {
        self.options = options
        self.resolve = resolve
    }

    static let annotationKeywords: Set<String> = [
        "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$vocabulary", "$defs", "definitions",
        "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
        "contentEncoding", "contentMediaType", "contentSchema",
    ]
    static let applicatorKeywords: Set<String> = [
        "$ref", "$dynamicRef", "type", "enum", "const", "properties", "patternProperties", "additionalProperties",
        "required", "propertyNames", "minProperties", "maxProperties", "dependentRequired", "dependentSchemas",
        "dependencies", "items", "prefixItems", "contains", "minContains", "maxContains", "minItems", "maxItems",
        "uniqueItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
        "maxLength", "pattern", "format", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "unevaluatedProperties", "unevaluatedItems",
    ]
    static let knownKeywords = annotationKeywords.union(applicatorKeywords)

    // MARK: documents and identifiers

    mutating func addDocument(_ value: Value, uri: String, bundled: Bool) -> Int {
        let display: String
        if let f = value.origin?.file, !f.isEmpty, !f.hasPrefix("<") {
            display = f
        } else if uri.hasPrefix("file://") {
            display = String(uri.dropFirst(7))
        } else {
            display = uri
        }
        docs.append(SchemaDocument(uri: uri, value: value, displayName: display, isBundled: bundled))
        let d = docs.count - 1
        if resourceLocations[uri] == nil { resourceLocations[uri] = Location(doc: d, tokens: []) }
        indexIdentifiers(in: d)
        return d
    }

    /// Registers every `$id`, `$anchor` and `$dynamicAnchor` of a document, walking only
    /// through keywords that hold subschemas (an `$id` inside an `enum` is just data).
    private mutating func indexIdentifiers(in d: Int) {
        var stack: [(Value, String, [String])] = [(docs[d].value, docs[d].uri, [])]
        while let (v, base, tokens) = stack.popLast() {
            guard case let .object(o) = v.kind else { continue }
            var b = base
            let loc = Location(doc: d, tokens: tokens)
            if case let .string(id)? = o["$id"]?.kind {
                b = splitFragment(resolveURI(id, against: base)).0
                if resourceLocations[b] == nil { resourceLocations[b] = loc }
            }
            // A document's anchors are also reachable through the URI it was retrieved by.
            let bases = tokens.isEmpty && b != docs[d].uri ? [b, docs[d].uri] : [b]
            for name in bases {
                if case let .string(a)? = o["$anchor"]?.kind, anchors[name + "#" + a] == nil { anchors[name + "#" + a] = loc }
                if case let .string(a)? = o["$dynamicAnchor"]?.kind {
                    if anchors[name + "#" + a] == nil { anchors[name + "#" + a] = loc }
                    dynamicAnchorLocations[name, default: [:]][a] = loc
                }
            }
            for (k, child) in o {
                switch k {
                case "additionalProperties", "unevaluatedProperties", "contains", "propertyNames", "not", "if", "then",
                     "else", "unevaluatedItems", "additionalItems", "contentSchema":
                    stack.append((child, b, tokens + [k]))
                case "items", "allOf", "anyOf", "oneOf", "prefixItems":
                    if case let .array(a) = child.kind {
                        for (i, x) in a.enumerated() { stack.append((x, b, tokens + [k, String(i)])) }
                    } else {
                        stack.append((child, b, tokens + [k]))
                    }
                case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
                    if case let .object(m) = child.kind {
                        for (name, x) in m { stack.append((x, b, tokens + [k, name])) }
                    }
                default: break
                }
            }
        }
    }

    mutating func resourceID(_ uri: String) -> Int {
        if let r = resourceIndex[uri] { return r }
        resources.append(Resource(uri: uri))
        resourceIndex[uri] = resources.count - 1
        return resources.count - 1
    }

    /// The location of the resource named by an absolute URI (no fragment), loading it from
    /// the bundled meta-schemas or the caller's resolver when it is not loaded yet.
    private mutating func resourceLocation(_ abs: String) throws(ConfigError) -> Location? {
        if let l = resourceLocations[abs] { return l }
        if failedLoads.contains(abs) { return nil }
        if let text = MetaSchemas.text(for: abs) {
            guard let v = MiniJSON.parse(text) else { preconditionFailure("bundled meta-schema \(abs) is malformed") }
            _ = addDocument(v, uri: abs, bundled: true)
        } else if let v = try resolve(abs) {
            _ = addDocument(v, uri: abs, bundled: false)
        }
        if let l = resourceLocations[abs] { return l }
        failedLoads.insert(abs)
        return nil
    }

    func value(at loc: Location) -> Value? {
        var v = docs[loc.doc].value
        for t in loc.tokens {
            switch v.kind {
            case let .object(o):
                guard let next = o[t] else { return nil }
                v = next
            case let .array(a):
                guard let i = ConfigPath.arrayIndex(t), i < a.count else { return nil }
                v = a[i]
            default:
                return nil
            }
        }
        return v
    }

    /// Resolves a `$ref`/`$dynamicRef` value to a location.
    private mutating func resolveReference(_ ref: String, _ ctx: CompileContext, at loc: Location, keyword: String) throws(ConfigError) -> (Location, abs: String, fragment: String) {
        let target = resolveURI(ref, against: ctx.base)
        let (abs, frag) = splitFragment(target)
        guard let resource = try resourceLocation(abs) else {
            throw error("cannot resolve \(keyword) '\(ref)': no schema is known as '\(abs)'", at: loc, key: keyword)
        }
        if frag.isEmpty { return (resource, abs, frag) }
        guard let decoded = percentDecode(frag) else {
            throw error("cannot resolve \(keyword) '\(ref)': malformed percent-encoding in the fragment", at: loc, key: keyword)
        }
        if decoded.hasPrefix("/") {
            let tokens: [String]
            do throws(ConfigError) { tokens = try ConfigPath(pointer: decoded).tokens } catch {
                throw self.error("cannot resolve \(keyword) '\(ref)': \(error.message)", at: loc, key: keyword)
            }
            let l = Location(doc: resource.doc, tokens: resource.tokens + tokens)
            guard value(at: l) != nil else {
                throw error("cannot resolve \(keyword) '\(ref)': nothing at '\(decoded)' in '\(abs)'", at: loc, key: keyword)
            }
            return (l, abs, frag)
        }
        guard let l = anchors[abs + "#" + frag] else {
            throw error("cannot resolve \(keyword) '\(ref)': no $anchor '\(frag)' in '\(abs)'", at: loc, key: keyword)
        }
        return (l, abs, frag)
    }

    /// The context of an arbitrary location, found by walking from its document's root and
    /// applying every `$id`/`$schema` on the way (the location's own are applied when it is
    /// compiled).
    private mutating func context(of loc: Location) throws(ConfigError) -> CompileContext {
        let rootDoc = docs[loc.doc]
        var ctx = CompileContext(base: rootDoc.uri, resource: resourceID(rootDoc.uri),
                                 dialect: Dialect(formatAssertion: rootDoc.isBundled ? false : options.assertFormats,
                                                  strict: options.strictKeywords && !rootDoc.isBundled))
        enum Position { case schema, map, list, data }
        var v = rootDoc.value
        var position = Position.schema
        for t in loc.tokens {
            switch position {
            case .schema:
                if case let .object(o) = v.kind { ctx = try apply(identifiersOf: o, to: ctx, at: loc) }
                switch t {
                case "additionalProperties", "unevaluatedProperties", "contains", "propertyNames", "not", "if", "then",
                     "else", "unevaluatedItems", "additionalItems", "contentSchema":
                    position = .schema
                case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
                    position = .map
                case "allOf", "anyOf", "oneOf", "prefixItems":
                    position = .list
                case "items":
                    if case .array? = v[t]?.kind { position = .list } else { position = .schema }
                default:
                    position = .data
                }
            case .map, .list:
                position = .schema
            case .data:
                break
            }
            switch v.kind {
            case let .object(o): v = o[t]!
            case let .array(a): v = a[ConfigPath.arrayIndex(t)!]
            default: preconditionFailure("context(of:) called for a location that does not exist")
            }
        }
        return ctx
    }

    private mutating func apply(identifiersOf o: Object, to ctx: CompileContext, at loc: Location) throws(ConfigError) -> CompileContext {
        var ctx = ctx
        if case let .string(id)? = o["$id"]?.kind {
            ctx.base = splitFragment(resolveURI(id, against: ctx.base)).0
            ctx.resource = resourceID(ctx.base)
        }
        if case let .string(s)? = o["$schema"]?.kind {
            ctx.dialect = try dialect(named: s, inheriting: ctx.dialect, at: loc)
        }
        return ctx
    }

    private static let vocabBase = "https://json-schema.org/draft/2020-12/vocab/"

    private mutating func dialect(named uri: String, inheriting d: Dialect, at loc: Location) throws(ConfigError) -> Dialect {
        var d = d
        let abs = splitFragment(uri).0
        switch abs {
        case "https://json-schema.org/draft/2020-12/schema":
            d.is2019 = false
            d.validation = true
            return d
        case "https://json-schema.org/draft/2019-09/schema":
            d.is2019 = true
            d.strict = false
            return d
        default: break
        }
        if abs.hasPrefix("http://json-schema.org/draft-") {
            throw error("unsupported $schema '\(uri)': hotswapd implements JSON Schema 2020-12 (use \"https://json-schema.org/draft/2020-12/schema\")", at: loc, key: "$schema")
        }
        guard let metaLoc = try resourceLocation(abs), case let .object(meta)? = value(at: metaLoc)?.kind else {
            throw error("cannot load the meta-schema '\(uri)' named by $schema", at: loc, key: "$schema")
        }
        guard case let .object(vocab)? = meta["$vocabulary"]?.kind else { return d }
        d.validation = vocab.contains(Self.vocabBase + "validation")
        if vocab.contains(Self.vocabBase + "format-assertion") { d.formatAssertion = true }
        let known = ["core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation",
                     "format-assertion", "content"].map { Self.vocabBase + $0 }
        for (name, required) in vocab where required.boolValue == true && !known.contains(name) {
            throw error("the meta-schema '\(uri)' requires the vocabulary '\(name)', which hotswapd does not implement", at: loc, key: "$schema")
        }
        return d
    }

    // MARK: nodes

    mutating func nodeIndex(_ loc: Location, _ ctx: CompileContext?) -> Int {
        if let i = memo[loc] { return i }
        let i = nodes.count
        nodes.append(Node(doc: loc.doc, pointer: loc.pointer, resource: 0))
        memo[loc] = i
        queue.append((i, loc, ctx))
        return i
    }

    /// Compiles everything reachable from `root`, then every dynamic anchor of every loaded
    /// resource (a `$dynamicRef` may land on any of them at run time).
    mutating func compileAll(root: Location) throws(ConfigError) -> Int {
        let r = nodeIndex(root, nil)
        var anchorsDone: Set<String> = []
        while true {
            while let (i, loc, ctx) = queue.popLast() {
                try build(i, loc, ctx)
            }
            var added = false
            for (uri, names) in dynamicAnchorLocations {
                for (name, loc) in names where !anchorsDone.contains(uri + "#" + name) {
                    anchorsDone.insert(uri + "#" + name)
                    let n = nodeIndex(loc, nil)
                    let rid = resourceID(uri)
                    resources[rid].dynamicAnchors[name] = n
                    added = true
                }
            }
            if !added && queue.isEmpty { break }
        }
        try checkForLoops()
        return r
    }

    private mutating func build(_ i: Int, _ loc: Location, _ given: CompileContext?) throws(ConfigError) {
        guard let v = value(at: loc) else { preconditionFailure("compiling a location that does not exist") }
        var ctx: CompileContext
        if let given { ctx = given } else { ctx = try context(of: loc) }
        switch v.kind {
        case let .bool(b):
            nodes[i].constant = b
            nodes[i].resource = ctx.resource
        case let .object(o):
            ctx = try apply(identifiersOf: o, to: ctx, at: loc)
            var node = Node(doc: loc.doc, pointer: loc.pointer, resource: ctx.resource)
            try compileObject(&node, o, loc, ctx)
            nodes[i] = node
        default:
            throw error("a schema must be an object or a boolean, not \(v.typeName)", at: loc)
        }
    }

    // MARK: keyword readers

    func error(_ message: String, at loc: Location, key: String? = nil) -> ConfigError {
        let v = value(at: loc)
        let keyed = key.flatMap { v?[$0] }
        let origin = keyed?.origin ?? v?.origin ?? Origin(file: docs[loc.doc].displayName)
        var where_ = loc.pointer
        if let key { where_ += "/" + ConfigPath(tokens: [key]).pointer.dropFirst() }
        let place = where_.isEmpty ? "the schema root" : "#" + where_
        return ConfigError(.schema, "invalid schema at \(place): \(message)", at: origin)
    }

    private func count(_ o: Object, _ key: String, _ loc: Location) throws(ConfigError) -> Int? {
        guard let v = o[key] else { return nil }
        switch v.kind {
        case let .integer(n) where n >= 0: return Int(clamping: n)
        case let .float(d) where d >= 0 && d.rounded(.towardZero) == d && d.isFinite: return d > 1e15 ? Int(1e15) : Int(d)
        default: throw error("'\(key)' must be a non-negative integer, not \(Self.describe(v))", at: loc, key: key)
        }
    }

    private func number(_ o: Object, _ key: String, _ loc: Location) throws(ConfigError) -> Number? {
        guard let v = o[key] else { return nil }
        guard let n = Number(v), !n.doubleValue.isNaN else { throw error("'\(key)' must be a number, not \(Self.describe(v))", at: loc, key: key) }
        return n
    }

    private func stringList(_ v: Value, _ key: String, _ loc: Location) throws(ConfigError) -> [String] {
        guard case let .array(a) = v.kind else { throw error("'\(key)' must be an array of strings, not \(Self.describe(v))", at: loc, key: key) }
        var out: [String] = []
        for x in a {
            guard case let .string(s) = x.kind else { throw error("'\(key)' must be an array of strings; \(Self.describe(x)) is not a string", at: loc, key: key) }
            out.append(s)
        }
        return out
    }

    private mutating func schemaList(_ v: Value, _ key: String, _ loc: Location, _ ctx: CompileContext) throws(ConfigError) -> [Int] {
        guard case let .array(a) = v.kind, !a.isEmpty else {
            throw error("'\(key)' must be a non-empty array of schemas, not \(Self.describe(v))", at: loc, key: key)
        }
        return a.indices.map { nodeIndex(loc.appending(key, String($0)), ctx) }
    }

    private mutating func schemaMap(_ v: Value, _ key: String, _ loc: Location, _ ctx: CompileContext) throws(ConfigError) -> [(String, Int)] {
        guard case let .object(m) = v.kind else { throw error("'\(key)' must be an object whose values are schemas, not \(Self.describe(v))", at: loc, key: key) }
        return m.map { ($0.key, nodeIndex(loc.appending(key, $0.key), ctx)) }
    }

    private func regex(_ pattern: String, _ key: String, _ loc: Location) throws(ConfigError) -> ECMARegex {
        do {
            return try ECMARegex(pattern)
        } catch let e {
            switch e {
            case let .syntax(s):
                throw error("invalid regular expression '\(pattern)' in '\(key)': \(s.message) (at character \(s.offset + 1))", at: loc, key: key)
            case let .unsupported(what):
                throw error("the regular expression '\(pattern)' in '\(key)' uses \(what), which hotswapd does not support: its matcher never backtracks, so backreferences and lookaround are unavailable", at: loc, key: key)
            case .tooLarge:
                throw error("the regular expression '\(pattern)' in '\(key)' is too large once its repetition counts are expanded (more than \(ECMARegex.maxProgramSize) states)", at: loc, key: key)
            }
        }
    }

    static func describe(_ v: Value) -> String {
        switch v.kind {
        case .string(let s): return "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .object: return "an object"
        case .array: return "an array"
        case .null: return "null"
        default: return "\(v.typeName) \(v)"
        }
    }

    private static let typeAliases = ["int": "integer", "bool": "boolean", "str": "string", "float": "number",
                                      "double": "number", "map": "object", "dict": "object", "list": "array",
                                      "nil": "null", "none": "null"]

    // MARK: one schema object

    private mutating func compileObject(_ node: inout Node, _ o: Object, _ loc: Location, _ ctx: CompileContext) throws(ConfigError) {
        let d = ctx.dialect
        if d.strict {
            for k in o.keys where !Self.knownKeywords.contains(k) && !k.hasPrefix("x-") {
                var hint = ""
                if let s = Suggest.closest(to: k, among: Self.knownKeywords) { hint = " (did you mean '\(s)'?)" }
                throw error("unknown keyword '\(k)'\(hint); extension keywords must start with 'x-'", at: loc, key: k)
            }
        }
        var kws: [Keyword] = []
        let validation = d.validation

        // In-place references first: they often carry the type.
        if let r = o["$ref"] {
            guard case let .string(s) = r.kind else { throw error("'$ref' must be a string", at: loc, key: "$ref") }
            let (target, _, _) = try resolveReference(s, ctx, at: loc, keyword: "$ref")
            kws.append(.ref(nodeIndex(target, nil)))
        }
        if let r = o["$dynamicRef"] {
            guard case let .string(s) = r.kind else { throw error("'$dynamicRef' must be a string", at: loc, key: "$dynamicRef") }
            let (target, abs, frag) = try resolveReference(s, ctx, at: loc, keyword: "$dynamicRef")
            var anchor: String? = nil
            if !frag.isEmpty, !frag.hasPrefix("/"), dynamicAnchorLocations[abs]?[frag] == target { anchor = frag }
            kws.append(.dynamicRef(target: nodeIndex(target, nil), anchor: anchor))
        }

        if validation, let t = o["type"] {
            var set: TypeSet = []
            let names: [Value]
            if case let .array(a) = t.kind { names = a } else { names = [t] }
            if names.isEmpty { throw error("'type' must name at least one type", at: loc, key: "type") }
            for n in names {
                guard case let .string(s) = n.kind else { throw error("'type' must be a type name or a list of them, not \(Self.describe(n))", at: loc, key: "type") }
                guard let ts = TypeSet(name: s) else {
                    let hint = Self.typeAliases[s.lowercased()] ?? Suggest.closest(to: s, among: TypeSet.names)
                    throw error("unknown type '\(s)'\(hint.map { " (did you mean '\($0)'?)" } ?? ""); the types are \(TypeSet.names.joined(separator: ", "))", at: loc, key: "type")
                }
                set.formUnion(ts)
            }
            kws.append(.type(set))
        }
        if validation, let e = o["enum"] {
            guard case let .array(a) = e.kind else { throw error("'enum' must be an array, not \(Self.describe(e))", at: loc, key: "enum") }
            kws.append(.enumeration(ValueSet(a)))
        }
        if validation, let c = o["const"] { kws.append(.const(c)) }

        if validation {
            if let n = try number(o, "minimum", loc) { kws.append(.minimum(n)) }
            if let n = try number(o, "maximum", loc) { kws.append(.maximum(n)) }
            if let n = try number(o, "exclusiveMinimum", loc) { kws.append(.exclusiveMinimum(n)) }
            if let n = try number(o, "exclusiveMaximum", loc) { kws.append(.exclusiveMaximum(n)) }
            if let n = try number(o, "multipleOf", loc) {
                guard n.doubleValue > 0 else { throw error("'multipleOf' must be greater than 0", at: loc, key: "multipleOf") }
                kws.append(.multipleOf(n))
            }
            if let n = try count(o, "minLength", loc) { kws.append(.minLength(n)) }
            if let n = try count(o, "maxLength", loc) { kws.append(.maxLength(n)) }
            if let p = o["pattern"] {
                guard case let .string(s) = p.kind else { throw error("'pattern' must be a string", at: loc, key: "pattern") }
                kws.append(.pattern(try regex(s, "pattern", loc)))
            }
        }
        if let f = o["format"] {
            guard case let .string(s) = f.kind else { throw error("'format' must be a string", at: loc, key: "format") }
            if let kind = FormatKind(rawValue: s) {
                if d.formatAssertion { kws.append(.format(kind)) }
            } else if d.strict {
                let hint = Suggest.closest(to: s, among: FormatKind.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
                throw error("unknown format '\(s)'\(hint); known formats: \(FormatKind.allCases.map(\.rawValue).joined(separator: ", "))", at: loc, key: "format")
            }
        }

        // Objects.
        var members = MemberRules()
        var hasMembers = false
        if let p = o["properties"] {
            let m = try schemaMap(p, "properties", loc, ctx)
            for (k, n) in m { members.properties[k] = n; members.order.append(k) }
            members.hasProperties = true
            hasMembers = true
        }
        if let p = o["patternProperties"] {
            guard case let .object(m) = p.kind else { throw error("'patternProperties' must be an object", at: loc, key: "patternProperties") }
            for (k, _) in m {
                let re = try regex(k, "patternProperties", loc)
                members.patterns.append((re, nodeIndex(loc.appending("patternProperties", k), ctx)))
            }
            hasMembers = true
        }
        if o["additionalProperties"] != nil {
            members.additional = nodeIndex(loc.appending("additionalProperties"), ctx)
            hasMembers = true
        }
        if hasMembers { kws.append(.members(members)) }
        node.knownKeys = members.order
        if validation, let r = o["required"] { kws.append(.required(try stringList(r, "required", loc))) }
        if o["propertyNames"] != nil { kws.append(.propertyNames(nodeIndex(loc.appending("propertyNames"), ctx))) }
        if validation, let n = try count(o, "minProperties", loc) { kws.append(.minProperties(n)) }
        if validation, let n = try count(o, "maxProperties", loc) { kws.append(.maxProperties(n)) }
        var depRequired: [(String, [String])] = []
        var depSchemas: [(String, Int)] = []
        if validation, let dr = o["dependentRequired"] {
            guard case let .object(m) = dr.kind else { throw error("'dependentRequired' must be an object", at: loc, key: "dependentRequired") }
            for (k, v) in m { depRequired.append((k, try stringList(v, "dependentRequired", loc))) }
        }
        if let ds = o["dependentSchemas"] { depSchemas += try schemaMap(ds, "dependentSchemas", loc, ctx) }
        if let deps = o["dependencies"] {
            // The pre-2019 keyword, still common: a list means dependentRequired, a schema
            // means dependentSchemas.
            guard case let .object(m) = deps.kind else { throw error("'dependencies' must be an object", at: loc, key: "dependencies") }
            for (k, v) in m {
                if case .array = v.kind {
                    if validation { depRequired.append((k, try stringList(v, "dependencies", loc))) }
                } else {
                    depSchemas.append((k, nodeIndex(loc.appending("dependencies", k), ctx)))
                }
            }
        }
        if !depRequired.isEmpty { kws.append(.dependentRequired(depRequired)) }
        if !depSchemas.isEmpty { kws.append(.dependentSchemas(depSchemas)) }

        // Arrays.
        var prefix: [Int] = []
        var rest: Int? = nil
        if d.is2019 {
            if let items = o["items"] {
                if case .array = items.kind {
                    prefix = try schemaList(items, "items", loc, ctx)
                    if o["additionalItems"] != nil { rest = nodeIndex(loc.appending("additionalItems"), ctx) }
                } else {
                    rest = nodeIndex(loc.appending("items"), ctx)
                }
            }
        } else {
            if let p = o["prefixItems"] { prefix = try schemaList(p, "prefixItems", loc, ctx) }
            if let items = o["items"] {
                if case .array = items.kind {
                    throw error("'items' must be a schema; for a list of per-position schemas use 'prefixItems' (JSON Schema 2020-12)", at: loc, key: "items")
                }
                rest = nodeIndex(loc.appending("items"), ctx)
            }
        }
        if !prefix.isEmpty || rest != nil { kws.append(.items(prefix: prefix, rest: rest)) }
        if o["contains"] != nil {
            let c = nodeIndex(loc.appending("contains"), ctx)
            let lo = validation ? try count(o, "minContains", loc) ?? 1 : 1
            let hi = validation ? try count(o, "maxContains", loc) : nil
            kws.append(.contains(c, min: lo, max: hi))
        }
        if validation, let n = try count(o, "minItems", loc) { kws.append(.minItems(n)) }
        if validation, let n = try count(o, "maxItems", loc) { kws.append(.maxItems(n)) }
        if validation, let u = o["uniqueItems"] {
            guard case let .bool(b) = u.kind else { throw error("'uniqueItems' must be true or false", at: loc, key: "uniqueItems") }
            if b { kws.append(.uniqueItems) }
        }

        // Combinators.
        if let a = o["allOf"] { kws.append(.allOf(try schemaList(a, "allOf", loc, ctx))) }
        if let a = o["anyOf"] { kws.append(.anyOf(try schemaList(a, "anyOf", loc, ctx))) }
        if let a = o["oneOf"] { kws.append(.oneOf(try schemaList(a, "oneOf", loc, ctx))) }
        if o["not"] != nil { kws.append(.not(nodeIndex(loc.appending("not"), ctx))) }
        if o["if"] != nil {
            let c = nodeIndex(loc.appending("if"), ctx)
            let t = o["then"] != nil ? nodeIndex(loc.appending("then"), ctx) : nil
            let e = o["else"] != nil ? nodeIndex(loc.appending("else"), ctx) : nil
            // Even alone, `if` matters: its annotations count for unevaluated*.
            kws.append(.conditional(if: c, then: t, else: e))
        }

        if o["unevaluatedItems"] != nil {
            kws.append(.unevaluatedItems(nodeIndex(loc.appending("unevaluatedItems"), ctx)))
            node.hasUnevaluated = true
        }
        if o["unevaluatedProperties"] != nil {
            kws.append(.unevaluatedProperties(nodeIndex(loc.appending("unevaluatedProperties"), ctx)))
            node.hasUnevaluated = true
        }

        // Definitions are compiled even when nothing refers to them, so a mistake in one is
        // reported when the schema is loaded rather than when someone first uses it.
        for key in ["$defs", "definitions"] {
            guard let defs = o[key] else { continue }
            guard case let .object(m) = defs.kind else { throw error("'\(key)' must be an object whose values are schemas", at: loc, key: key) }
            for (k, _) in m { _ = nodeIndex(loc.appending(key, k), ctx) }
        }

        // Annotations that matter to us.
        if let w = o["writeOnly"] {
            guard case let .bool(b) = w.kind else { throw error("'writeOnly' must be true or false", at: loc, key: "writeOnly") }
            node.isSecret = node.isSecret || b
        }
        if let s = o["x-secret"] {
            guard case let .bool(b) = s.kind else { throw error("'x-secret' must be true or false", at: loc, key: "x-secret") }
            node.isSecret = node.isSecret || b
        }
        if let dv = o["default"] { node.defaultValue = dv }
        for k in ["$anchor", "$dynamicAnchor"] {
            if let a = o[k], a.stringValue == nil { throw error("'\(k)' must be a string", at: loc, key: k) }
        }
        node.keywords = kws
    }

    // MARK: loops

    /// Rejects schemas in which a subschema applies itself to the same value without ever
    /// descending into a property or item (`$defs/a` → `$ref: #/$defs/b` → `$ref: #/$defs/a`):
    /// validating anything against them would never finish.
    private func checkForLoops() throws(ConfigError) {
        var color = [UInt8](repeating: 0, count: nodes.count)   // 0 new, 1 on stack, 2 done
        for start in nodes.indices where color[start] == 0 {
            var stack: [(Int, [Int], Int)] = [(start, inPlaceEdges(start), 0)]
            color[start] = 1
            while !stack.isEmpty {
                let (n, edges, k) = stack[stack.count - 1]
                if k == edges.count {
                    color[n] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].2 = k + 1
                let m = edges[k]
                if color[m] == 1 {
                    let cycleStart = stack.firstIndex { $0.0 == m } ?? 0
                    let path = stack[cycleStart...].map { "#" + nodes[$0.0].pointer } + ["#" + nodes[m].pointer]
                    let node = nodes[m]
                    let origin = value(at: Location(doc: node.doc, tokens: (try? ConfigPath(pointer: node.pointer).tokens) ?? []))?.origin
                        ?? Origin(file: docs[node.doc].displayName)
                    throw ConfigError(.schema, "invalid schema: it loops forever, applying \(path.joined(separator: " → ")) to the same value without descending into a property or item (a $ref cycle)", at: origin)
                }
                if color[m] == 0 {
                    color[m] = 1
                    stack.append((m, inPlaceEdges(m), 0))
                }
            }
        }
    }

    private func inPlaceEdges(_ n: Int) -> [Int] {
        var out: [Int] = []
        for kw in nodes[n].keywords {
            switch kw {
            case let .ref(t): out.append(t)
            case let .dynamicRef(t, _): out.append(t)
            case let .allOf(xs), let .anyOf(xs), let .oneOf(xs): out += xs
            case let .not(x): out.append(x)
            case let .conditional(i, t, e): out.append(i); if let t { out.append(t) }; if let e { out.append(e) }
            case let .dependentSchemas(ds): out += ds.map(\.1)
            default: break
            }
        }
        return out
    }
}
