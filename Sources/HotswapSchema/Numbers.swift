import HotswapCore

/// A JSON number as JSON Schema sees it: one number line, whatever the representation.
/// `Value` keeps integers and floats apart (`1` is not `1.0` to the value model), but JSON
/// Schema says they are the same number, so every comparison here is exact across the two.
enum Number: Sendable, CustomStringConvertible {
    case int(Int64)
    case double(Double)

    init?(_ v: Value) {
        switch v.kind {
        case let .integer(i): self = .int(i)
        case let .float(d): self = .double(d)
        default: return nil
        }
    }

    /// Whether the number is mathematically an integer (`1.0` is; NaN and infinities are not).
    var isIntegral: Bool {
        switch self {
        case .int: return true
        case let .double(d): return d.isFinite && d.rounded(.towardZero) == d
        }
    }

    var doubleValue: Double {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        }
    }

    var description: String {
        switch self {
        case let .int(i): return String(i)
        case let .double(d): return formatDouble(d)
        }
    }

    /// Exact three-way comparison; nil when either side is NaN.
    static func compare(_ a: Number, _ b: Number) -> Int? {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.double(x), .double(y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        case let (.int(x), .double(y)):
            return compare(int: x, double: y)
        case let (.double(x), .int(y)):
            return compare(int: y, double: x).map { -$0 }
        }
    }

    /// Compares an integer with a double without rounding the integer to a double (which
    /// would make 2^53 + 1 equal 2^53).
    private static func compare(int x: Int64, double y: Double) -> Int? {
        if y.isNaN { return nil }
        if y >= 9223372036854775808.0 { return -1 }
        if y < -9223372036854775808.0 { return 1 }
        let t = y.rounded(.towardZero)
        let ti = Int64(t)
        if x != ti { return x < ti ? -1 : 1 }
        let frac = y - t
        return frac > 0 ? -1 : (frac < 0 ? 1 : 0)
    }

    static func == (a: Number, b: Number) -> Bool { compare(a, b) == 0 }

    /// Whether `self` is an integer multiple of `divisor` (> 0).
    ///
    /// Integers are checked exactly. For floats the quotient is computed in floating point and
    /// accepted when it is within a few units in the last place of an integer, so that
    /// `0.3` is a multiple of `0.1` as a person expects; when the quotient overflows, the two
    /// doubles are compared exactly as binary fractions instead.
    func isMultiple(of divisor: Number) -> Bool {
        if case let .int(x) = self, case let .int(d) = divisor {
            return d == 0 ? false : x % d == 0
        }
        let x = doubleValue, d = divisor.doubleValue
        guard x.isFinite, d.isFinite, d != 0 else { return false }
        if x == 0 { return true }
        let q = x / d
        if q.isFinite {
            let r = q.rounded()
            return abs(q - r) <= 4 * q.ulp
        }
        return Self.exactMultiple(x, d)
    }

    /// Exact test on the binary representations: x = mx·2^ex, d = md·2^ed with odd-free
    /// integer mantissas; x/d is an integer iff md's odd part divides mx and enough powers of
    /// two remain.
    private static func exactMultiple(_ x: Double, _ d: Double) -> Bool {
        func decompose(_ v: Double) -> (m: UInt64, e: Int) {
            let a = abs(v)
            var m = a.significandBitPattern | (a.isNormal ? (1 << 52) : 0)
            var e = Int(a.exponent) - 52
            if !a.isNormal { e = -1074 }
            while m != 0 && m & 1 == 0 { m >>= 1; e += 1 }
            return (m, e)
        }
        let (mx, ex) = decompose(x)
        let (md, ed) = decompose(d)
        // Both mantissas are odd now; x/d = (mx/md)·2^(ex-ed).
        guard mx % md == 0 else { return false }
        return ex - ed >= 0
    }
}

/// Shortest round-trip text of a double, without Foundation.
func formatDouble(_ d: Double) -> String {
    if d.isFinite, d.rounded(.towardZero) == d, abs(d) < 1e15 {
        return String(Int64(d))
    }
    return String(d)
}
