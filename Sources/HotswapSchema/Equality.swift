import HotswapCore

/// JSON Schema's notion of equality, used by `enum`, `const` and `uniqueItems`: numbers are
/// equal by value (`1 == 1.0`), strings by code points (not by Unicode canonical equivalence
/// as Swift's `==` would), objects regardless of key order, and a TOML date-time equals the
/// string of its RFC 3339 text.
enum JSONEquality {
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a.kind, b.kind) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case (.integer, .integer), (.integer, .float), (.float, .integer), (.float, .float):
            return Number(a)! == Number(b)!
        case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
        case let (.dateTime(x), .dateTime(y)): return x.description == y.description
        case let (.dateTime(x), .string(y)), let (.string(y), .dateTime(x)):
            return x.description.utf8.elementsEqual(y.utf8)
        case let (.array(x), .array(y)):
            guard x.count == y.count else { return false }
            for k in x.indices where !equal(x[k], y[k]) { return false }
            return true
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            for (key, v) in x {
                guard let w = y[key], equal(v, w) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// A hash consistent with `equal`: equal values hash alike. Numbers that are integers hash
    /// as integers whatever their representation; object members are combined without regard
    /// to order.
    static func hash(_ v: Value, into h: inout Hasher) {
        switch v.kind {
        case .null: h.combine(0 as UInt8)
        case let .bool(b): h.combine(1 as UInt8); h.combine(b)
        case let .integer(i): h.combine(2 as UInt8); h.combine(i)
        case let .float(d):
            if d.isFinite, d.rounded(.towardZero) == d, d >= -9223372036854775808.0, d < 9223372036854775808.0 {
                h.combine(2 as UInt8); h.combine(Int64(d))
            } else {
                h.combine(3 as UInt8); h.combine(d.isNaN ? Double.nan.bitPattern : d.bitPattern)
            }
        case let .string(s): h.combine(4 as UInt8); h.combine(s)
        case let .dateTime(d): h.combine(4 as UInt8); h.combine(d.description)
        case let .array(a):
            h.combine(5 as UInt8); h.combine(a.count)
            for x in a { hash(x, into: &h) }
        case let .object(o):
            h.combine(6 as UInt8); h.combine(o.count)
            var acc = 0
            for (k, x) in o {
                var m = Hasher()
                m.combine(k)
                hash(x, into: &m)
                acc = acc &+ m.finalize()
            }
            h.combine(acc)
        }
    }

    static func hashValue(_ v: Value) -> Int {
        var h = Hasher()
        hash(v, into: &h)
        return h.finalize()
    }
}

/// A set of values under JSON equality, for large `enum`s: membership is a hash lookup plus
/// an equality check on the few values in the bucket, so a 100,000-member enum costs no more
/// per check than a small one.
struct ValueSet: Sendable {
    let values: [Value]
    private let buckets: [Int: [Int]]

    init(_ values: [Value]) {
        self.values = values
        var b: [Int: [Int]] = [:]
        for (i, v) in values.enumerated() { b[JSONEquality.hashValue(v), default: []].append(i) }
        buckets = b
    }

    func contains(_ v: Value) -> Bool {
        guard let ids = buckets[JSONEquality.hashValue(v)] else { return false }
        return ids.contains { JSONEquality.equal(values[$0], v) }
    }
}
