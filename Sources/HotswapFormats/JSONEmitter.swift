import HotswapCore

extension JSON {
    public enum Style: Sendable {
        /// No insignificant whitespace; the form stored in snapshots and hashed.
        case compact
        /// Two-space indentation, one member per line, for people.
        case pretty
    }

    /// Writes `value` as RFC 8259 JSON, keys in document order.
    ///
    /// Values JSON cannot express are written as strings: date-times in RFC 3339 form and the
    /// non-finite floats as `"nan"`, `"inf"` and `"-inf"` (TOML's spellings). Floats use the
    /// shortest text that reads back to the same double and always keep a `.` or an exponent,
    /// so a float never reads back as an integer.
    public static func emit(_ value: Value, style: Style = .compact) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(value, to: &out, style: style, indent: 0)
        return out
    }

    private static func write(_ value: Value, to out: inout String, style: Style, indent: Int) {
        switch value.kind {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(i): out += String(i)
        case let .float(d): out += formatFloat(d)
        case let .string(s): writeString(s, to: &out)
        case let .dateTime(d): writeString(d.description, to: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += "," }
                newline(&out, style, indent + 1)
                write(element, to: &out, style: style, indent: indent + 1)
            }
            newline(&out, style, indent)
            out += "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, member)) in zip(o.keys, o.values).enumerated() {
                if i > 0 { out += "," }
                newline(&out, style, indent + 1)
                writeString(key, to: &out)
                out += style == .pretty ? ": " : ":"
                write(member, to: &out, style: style, indent: indent + 1)
            }
            newline(&out, style, indent)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ style: Style, _ indent: Int) {
        guard style == .pretty else { return }
        out += "\n"
        out += String(repeating: "  ", count: indent)
    }

    /// Shortest round-trip text for a finite double, always recognisably a float.
    public static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "\"nan\"" }
        if d.isInfinite { return d < 0 ? "\"-inf\"" : "\"inf\"" }
        let s = String(d)   // Swift prints the shortest representation that round-trips.
        if s.contains(".") || s.contains("e") || s.contains("E") { return s }
        return s + ".0"
    }

    /// Writes a JSON string literal, escaping what RFC 8259 requires (quote, backslash,
    /// control characters) and nothing else.
    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        var start = s.utf8.startIndex
        let utf8 = s.utf8
        var i = start
        while i != utf8.endIndex {
            let b = utf8[i]
            if b < 0x20 || b == 0x22 || b == 0x5C {
                out += String(s[start..<i])
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                default:
                    let hex = Array("0123456789abcdef")
                    out += "\\u00" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
                }
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out += String(s[start..<utf8.endIndex])
        out += "\""
    }
}
