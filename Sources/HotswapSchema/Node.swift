import HotswapCore

/// The JSON types a schema can name, as a bit set. `integer` and `fraction` together make
/// `number`; a float with an integral value counts as an integer, as JSON Schema requires.
struct TypeSet: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let integer = TypeSet(rawValue: 4)
    static let fraction = TypeSet(rawValue: 8)
    static let string = TypeSet(rawValue: 16)
    static let array = TypeSet(rawValue: 32)
    static let object = TypeSet(rawValue: 64)
    static let number: TypeSet = [.integer, .fraction]
    static let all: TypeSet = [.null, .boolean, .number, .string, .array, .object]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "integer": self = .integer
        case "number": self = .number
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }

    static let names = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// The type of one value: a whole-number float is an integer.
    init(of v: Value) {
        switch v.kind {
        case .null: self = .null
        case .bool: self = .boolean
        case .integer: self = .integer
        case let .float(d): self = d.isFinite && d.rounded(.towardZero) == d ? .integer : .fraction
        case .string, .dateTime: self = .string
        case .array: self = .array
        case .object: self = .object
        }
    }

    /// "an integer", "a string or null": for messages.
    var phrase: String {
        var parts: [String] = []
        if contains(.number) { parts.append("a number") } else if contains(.integer) { parts.append("an integer") }
        if contains(.string) { parts.append("a string") }
        if contains(.boolean) { parts.append("a boolean") }
        if contains(.object) { parts.append("an object") }
        if contains(.array) { parts.append("an array") }
        if contains(.null) { parts.append("null") }
        if parts.isEmpty { return "nothing" }
        if parts.count == 1 { return parts[0] }
        return parts.dropLast().joined(separator: ", ") + " or " + parts.last!
    }
}

/// One compiled keyword. The schema's nodes refer to each other by index into
/// `Schema.nodes`, which is how `$ref` cycles are represented without reference cycles.
enum Keyword: Sendable {
    case type(TypeSet)
    case enumeration(ValueSet)
    // Boxed so that a Keyword stays small: every evaluation copies keywords around.
    indirect case const(Value)
    indirect case members(MemberRules)
    case required([String])
    case propertyNames(Int)
    case minProperties(Int), maxProperties(Int)
    case dependentRequired([(String, [String])])
    case dependentSchemas([(String, Int)])
    case items(prefix: [Int], rest: Int?)
    case contains(Int, min: Int, max: Int?)
    case minItems(Int), maxItems(Int), uniqueItems
    case minimum(Number), maximum(Number), exclusiveMinimum(Number), exclusiveMaximum(Number)
    case multipleOf(Number)
    case minLength(Int), maxLength(Int)
    case pattern(ECMARegex)
    case format(FormatKind)
    case allOf([Int]), anyOf([Int]), oneOf([Int]), not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case ref(Int)
    /// `target` is the static resolution; `anchor` is set when the target is a
    /// `$dynamicAnchor` of that name, so the dynamic scope decides.
    case dynamicRef(target: Int, anchor: String?)
    case unevaluatedProperties(Int), unevaluatedItems(Int)

    /// The keyword's name as written in the schema, for schema locations.
    var name: String {
        switch self {
        case .type: return "type"
        case .enumeration: return "enum"
        case .const: return "const"
        case .members: return "properties"
        case .required: return "required"
        case .propertyNames: return "propertyNames"
        case .minProperties: return "minProperties"
        case .maxProperties: return "maxProperties"
        case .dependentRequired: return "dependentRequired"
        case .dependentSchemas: return "dependentSchemas"
        case .items: return "items"
        case .contains: return "contains"
        case .minItems: return "minItems"
        case .maxItems: return "maxItems"
        case .uniqueItems: return "uniqueItems"
        case .minimum: return "minimum"
        case .maximum: return "maximum"
        case .exclusiveMinimum: return "exclusiveMinimum"
        case .exclusiveMaximum: return "exclusiveMaximum"
        case .multipleOf: return "multipleOf"
        case .minLength: return "minLength"
        case .maxLength: return "maxLength"
        case .pattern: return "pattern"
        case .format: return "format"
        case .allOf: return "allOf"
        case .anyOf: return "anyOf"
        case .oneOf: return "oneOf"
        case .not: return "not"
        case .conditional: return "if"
        case .ref: return "$ref"
        case .dynamicRef: return "$dynamicRef"
        case .unevaluatedProperties: return "unevaluatedProperties"
        case .unevaluatedItems: return "unevaluatedItems"
        }
    }
}

/// `properties`, `patternProperties` and `additionalProperties` of one schema, kept
/// together because `additionalProperties` depends on what the other two matched.
struct MemberRules: Sendable {
    var properties: [String: Int] = [:]
    /// Property names in schema order, for defaults and suggestions.
    var order: [String] = []
    var patterns: [(ECMARegex, Int)] = []
    var additional: Int?
    var hasProperties = false
}

/// One compiled (sub)schema.
struct Node: Sendable {
    /// Index of the document and JSON Pointer of this schema in it.
    var doc: Int
    var pointer: String
    /// The schema resource (`$id` scope) this node belongs to, for `$dynamicRef`.
    var resource: Int
    /// For `true`/`false` schemas.
    var constant: Bool?
    var keywords: [Keyword] = []
    var hasUnevaluated = false
    /// `writeOnly: true` or `x-secret: true`.
    var isSecret = false
    var defaultValue: Value?
    /// Property names declared here and in the subschemas this one applies in place, for
    /// "did you mean" suggestions.
    var knownKeys: [String] = []

    init(doc: Int, pointer: String, resource: Int) {
        self.doc = doc
        self.pointer = pointer
        self.resource = resource
    }
}

/// The immutable, shared form of a `Node` kept by `Schema`: a reference, so that reading a
/// node during validation costs a retain rather than a copy of all its fields.
final class CompiledNode: Sendable {
    let doc: Int
    let pointer: String
    let resource: Int
    let constant: Bool?
    let keywords: [Keyword]
    let hasUnevaluated: Bool
    let isSecret: Bool
    let defaultValue: Value?
    let knownKeys: [String]

    init(_ n: Node) {
        doc = n.doc
        pointer = n.pointer
        resource = n.resource
        constant = n.constant
        keywords = n.keywords
        hasUnevaluated = n.hasUnevaluated
        isSecret = n.isSecret
        defaultValue = n.defaultValue
        knownKeys = n.knownKeys
    }
}

/// A loaded schema document.
struct SchemaDocument: Sendable {
    var uri: String
    var value: Value
    /// How locations in this document are shown: the file name the parser recorded when
    /// there is one, else the URI.
    var displayName: String
    /// A bundled meta-schema: `format` stays an annotation there.
    var isBundled: Bool
}

/// A schema resource: the scope of one `$id`, with its dynamic anchors.
struct Resource: Sendable {
    var uri: String
    var dynamicAnchors: [String: Int] = [:]
}
