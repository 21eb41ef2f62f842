/// One node of a configuration document: a typed value plus the origin of the text it was
/// read from.
///
/// Values are immutable snapshots (copy-on-write underneath): every parser produces them,
/// merging and validation transform them, and the snapshot encoder serialises them. Integers
/// and floats stay distinct (`1` is not `1.0`), objects keep their key order, and TOML's date
/// and time kinds are kept as typed values rather than strings.
///
/// - Important: equality compares content only and ignores origins, so a value read from YAML
///   equals the same value read from JSON. Object equality ignores key order (JSON semantics);
///   floats compare as IEEE numbers except that NaN equals NaN, so documents round-trip.
public struct Value: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable {
        case null
        case bool(Bool)
        case integer(Int64)
        case float(Double)
        case string(String)
        // Indirect: DateTime is large and rare; boxing it halves the size of every Value.
        indirect case dateTime(DateTime)
        case array([Value])
        case object(Object)
    }

    public var kind: Kind
    /// Where this node was written; nil for values built in code.
    public var origin: Origin?

    public init(_ kind: Kind, origin: Origin? = nil) {
        self.kind = kind
        self.origin = origin
    }

    public static let null = Value(.null)
    public static func bool(_ b: Bool, origin: Origin? = nil) -> Value { Value(.bool(b), origin: origin) }
    public static func integer(_ i: Int64, origin: Origin? = nil) -> Value { Value(.integer(i), origin: origin) }
    public static func float(_ d: Double, origin: Origin? = nil) -> Value { Value(.float(d), origin: origin) }
    public static func string(_ s: String, origin: Origin? = nil) -> Value { Value(.string(s), origin: origin) }
    public static func dateTime(_ d: DateTime, origin: Origin? = nil) -> Value { Value(.dateTime(d), origin: origin) }
    public static func array(_ a: [Value], origin: Origin? = nil) -> Value { Value(.array(a), origin: origin) }
    public static func object(_ o: Object, origin: Origin? = nil) -> Value { Value(.object(o), origin: origin) }

    public static func == (a: Value, b: Value) -> Bool {
        switch (a.kind, b.kind) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.float(x), .float(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.dateTime(x), .dateTime(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x == y
        default: return false
        }
    }

    /// The JSON-Schema style name of the type, for messages: `null`, `boolean`, `integer`,
    /// `number`, `string`, `date-time`, `array`, `object`.
    public var typeName: String {
        switch kind {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .float: return "number"
        case .string: return "string"
        case .dateTime: return "date-time"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var isNull: Bool { if case .null = kind { return true } else { return false } }
    public var boolValue: Bool? { if case let .bool(b) = kind { return b } else { return nil } }
    public var integerValue: Int64? { if case let .integer(i) = kind { return i } else { return nil } }
    /// The value as a double when it is a float or an integer.
    public var numberValue: Double? {
        switch kind {
        case let .float(d): return d
        case let .integer(i): return Double(i)
        default: return nil
        }
    }
    public var stringValue: String? { if case let .string(s) = kind { return s } else { return nil } }
    public var arrayValue: [Value]? { if case let .array(a) = kind { return a } else { return nil } }
    public var objectValue: Object? { if case let .object(o) = kind { return o } else { return nil } }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> Value? {
        objectValue?[key]
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> Value? {
        guard let a = arrayValue, a.indices.contains(index) else { return nil }
        return a[index]
    }

    /// This value with every origin removed, recursively; handy in tests and for hashing.
    public var strippingOrigins: Value {
        var copy = self
        copy.origin = nil
        switch kind {
        case let .array(a): copy.kind = .array(a.map(\.strippingOrigins))
        case let .object(o): copy.kind = .object(o.mapValues(\.strippingOrigins))
        default: break
        }
        return copy
    }

    /// A compact, human-readable rendering (JSON-like) for debugging and test failures. The
    /// real emitters live in HotswapFormats.
    public var description: String {
        switch kind {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .integer(i): return String(i)
        case let .float(d): return String(d)
        case let .string(s): return "\"\(s)\""
        case let .dateTime(d): return d.description
        case let .array(a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case let .object(o): return "{" + o.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

extension Value: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self.init(.null) }
    public init(booleanLiteral value: Bool) { self.init(.bool(value)) }
    public init(integerLiteral value: Int64) { self.init(.integer(value)) }
    public init(floatLiteral value: Double) { self.init(.float(value)) }
    public init(stringLiteral value: String) { self.init(.string(value)) }
    public init(arrayLiteral elements: Value...) { self.init(.array(elements)) }
    /// Keys must be distinct; a repeated key keeps its first position and its last value.
    public init(dictionaryLiteral elements: (String, Value)...) {
        var o = Object()
        for (k, v) in elements { o[k] = v }
        self.init(.object(o))
    }
}
