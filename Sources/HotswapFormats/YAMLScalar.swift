import HotswapCore

/// YAML 1.2 core-schema resolution of plain scalars (YAML 1.2.2 §10.3.2).
///
/// Only these spellings are not strings:
/// - null: `~`, `null`, `Null`, `NULL` and the empty scalar
/// - bool: `true`, `True`, `TRUE`, `false`, `False`, `FALSE` (so `yes`, `no`, `on`, `off`, `y`,
///   `n` are strings, unlike YAML 1.1)
/// - int: `[-+]?[0-9]+` (decimal, leading zeros allowed: `0644` is 644), `0o[0-7]+`, `0x[0-9a-fA-F]+`
/// - float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?.inf` (also `.Inf`,
///   `.INF`), `.nan` (also `.NaN`, `.NAN`)
///
/// A decimal integer too large for `Int64` becomes a double, as in JSON. A hex or octal one is
/// an error (it is usually a bit mask, which a double would silently corrupt), and so is a
/// float too large for a double.
enum YAMLScalar {
    enum Resolution: Equatable {
        case value(Value.Kind)
        case outOfRange(String)

        static func == (a: Resolution, b: Resolution) -> Bool {
            switch (a, b) {
            case let (.value(x), .value(y)): return Value(x) == Value(y)
            case let (.outOfRange(x), .outOfRange(y)): return x == y
            default: return false
            }
        }
    }

    static func resolve(_ text: String) -> Resolution {
        var copy = text
        return copy.withUTF8 { resolve(bytes: $0, text: text) }
    }

    private static func resolve(bytes u: UnsafeBufferPointer<UInt8>, text: String) -> Resolution {
        guard let first = u.first else { return .value(.null) }
        // Most plain scalars are words: decide those from the first byte.
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            if let r = integer(u, text) ?? float(u, text) { return r }
            return .value(.string(text))
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            return .value(isNull(text) ? .null : .string(text))
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            return .value(bool(text).map { .bool($0) } ?? .string(text))
        default:
            return .value(.string(text))
        }
    }

    static func isNull(_ text: String) -> Bool {
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    static func integer(_ text: String) -> Resolution? {
        var copy = text
        return copy.withUTF8 { integer($0, text) }
    }

    static func float(_ text: String) -> Resolution? {
        var copy = text
        return copy.withUTF8 { float($0, text) }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`; nil when the text is not an integer.
    private static func integer(_ u: UnsafeBufferPointer<UInt8>, _ text: String) -> Resolution? {
        guard !u.isEmpty else { return nil }
        if u.count > 2 && u[0] == UInt8(ascii: "0") && (u[1] == UInt8(ascii: "o") || u[1] == UInt8(ascii: "x")) {
            let radix: UInt64 = u[1] == UInt8(ascii: "o") ? 8 : 16
            var v: UInt64 = 0
            var overflow = false
            for b in u[2...] {
                let d: UInt64
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "7"): d = UInt64(b - 0x30)
                case UInt8(ascii: "8")...UInt8(ascii: "9") where radix == 16: d = UInt64(b - 0x30)
                case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: d = UInt64(b - 0x61 + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: d = UInt64(b - 0x41 + 10)
                default: return nil
                }
                let (m, o1) = v.multipliedReportingOverflow(by: radix)
                let (s, o2) = m.addingReportingOverflow(d)
                overflow = overflow || o1 || o2
                v = s
            }
            if overflow || v > UInt64(Int64.max) {
                return .outOfRange("integer \(text) does not fit in 64 bits")
            }
            return .value(.integer(Int64(v)))
        }
        var i = 0
        let negative = u[0] == UInt8(ascii: "-")
        if u[0] == UInt8(ascii: "-") || u[0] == UInt8(ascii: "+") { i = 1 }
        guard i < u.count else { return nil }
        var v: UInt64 = 0
        var overflow = false
        while i < u.count {
            guard isDigit(u[i]) else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(u[i] - 0x30))
            overflow = overflow || o1 || o2
            v = s
            i += 1
        }
        if !overflow {
            if !negative && v <= UInt64(Int64.max) { return .value(.integer(Int64(v))) }
            if negative && v <= UInt64(Int64.max) + 1 { return .value(.integer(Int64(truncatingIfNeeded: 0 &- v))) }
        }
        // Too large for Int64: a double, as in JSON.
        return doubleValue(text)
    }

    /// The core-schema float forms; nil when the text is not one.
    private static func float(_ u: UnsafeBufferPointer<UInt8>, _ text: String) -> Resolution? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .value(.float(.infinity))
        case "-.inf", "-.Inf", "-.INF": return .value(.float(-.infinity))
        case ".nan", ".NaN", ".NAN": return .value(.float(.nan))
        default: break
        }
        var i = 0
        if i < u.count && (u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+")) { i += 1 }
        var intDigits = 0, fracDigits = 0
        while i < u.count && isDigit(u[i]) { i += 1; intDigits += 1 }
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            while i < u.count && isDigit(u[i]) { i += 1; fracDigits += 1 }
            // `1.` is a float; `.` alone is not, and `.5` needs its digit.
            guard intDigits > 0 || fracDigits > 0 else { return nil }
        } else if intDigits == 0 {
            return nil
        }
        if i < u.count && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
            i += 1
            if i < u.count && (u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+")) { i += 1 }
            var expDigits = 0
            while i < u.count && isDigit(u[i]) { i += 1; expDigits += 1 }
            guard expDigits > 0 else { return nil }
        }
        guard i == u.count else { return nil }
        return doubleValue(text)
    }

    private static func doubleValue(_ text: String) -> Resolution {
        // Every form that reaches here (`1.`, `.5`, `+1`, exponents) is one `Double(_:)` reads.
        guard let d = Double(text) else { return .value(.string(text)) }
        if d.isInfinite { return .outOfRange("number \(text.count > 40 ? String(text.prefix(40)) + "…" : text) is too large for a 64-bit float") }
        return .value(.float(d))
    }
}
