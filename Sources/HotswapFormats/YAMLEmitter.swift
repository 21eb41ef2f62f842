import HotswapCore

/// Writes values as block-style YAML that our loader reads back equal.
///
/// Written by hand rather than through libyaml's emitter because the hard part is not the
/// syntax but the choice of scalar style, which depends on our resolution rules: a string
/// that would read back as another type (`"true"`, `"123"`, `"null"`, `""`) is double-quoted,
/// and so are strings that older YAML 1.1 readers would misread (`"yes"`, `"no"`, `"on"`,
/// anything that starts with a digit, such as dates), so the files stay safe for other tools.
/// Multi-line strings become literal blocks (`|`) when that is exact, double-quoted otherwise.
/// Empty collections are `{}` and `[]`; floats always carry a `.` or an exponent; the
/// non-finite ones are `.inf`, `-.inf` and `.nan`; date-times are written as quoted strings.
struct YAMLEmitter {
    private var out = ""

    /// The longest key written as an implicit key; YAML limits those to 1024 characters.
    private static let implicitKeyLimit = 1000

    mutating func document(_ value: Value) -> String {
        out = ""
        if isBlockCollection(value) {
            writeCollection(value, indent: 0)
        } else {
            // A top-level node has indentation -1 (YAML 1.2.2 §9.1.3).
            writeScalar(value, contentIndent: 2, parentIndent: -1)
        }
        return out
    }

    // MARK: Collections

    private func isBlockCollection(_ value: Value) -> Bool {
        switch value.kind {
        case let .array(a): return !a.isEmpty
        case let .object(o): return !o.isEmpty
        default: return false
        }
    }

    /// Writes a non-empty collection whose first line's indentation (or `- ` prefix) is
    /// already written; later lines are indented by `indent` spaces.
    private mutating func writeCollection(_ value: Value, indent: Int) {
        switch value.kind {
        case let .array(items):
            for (i, item) in items.enumerated() {
                if i > 0 { spaces(indent) }
                out += "- "
                writeEntry(item, indent: indent + 2)
            }
        case let .object(o):
            for i in 0..<o.count {
                let (key, member) = o[position: i]
                if i > 0 { spaces(indent) }
                writeMember(key: key, value: member, indent: indent)
            }
        default:
            preconditionFailure("writeCollection called with a scalar")
        }
    }

    /// A node after an indicator (`- `, `: ` of an explicit entry) whose content starts at
    /// column `indent`: collections continue on the same line (compact form).
    private mutating func writeEntry(_ value: Value, indent: Int) {
        if isBlockCollection(value) {
            writeCollection(value, indent: indent)
        } else {
            writeScalar(value, contentIndent: indent, parentIndent: indent - 2)
        }
    }

    private mutating func writeMember(key: String, value: Value, indent: Int) {
        let keyText = plainIsSafe(key) && key != "<<" ? key : doubleQuoted(key)
        if keyText.unicodeScalars.count > Self.implicitKeyLimit {
            // Too long for an implicit key: an explicit `? key` / `: value` entry.
            out += "? " + keyText + "\n"
            spaces(indent)
            out += ": "
            writeEntry(value, indent: indent + 2)
            return
        }
        out += keyText
        out += ":"
        if isBlockCollection(value) {
            out += "\n"
            spaces(indent + 2)
            writeCollection(value, indent: indent + 2)
        } else {
            out += " "
            writeScalar(value, contentIndent: indent + 2, parentIndent: indent)
        }
    }

    private mutating func spaces(_ n: Int) {
        out += String(repeating: " ", count: n)
    }

    // MARK: Scalars

    /// Writes a scalar (or an empty collection) and the line break after it. Literal block
    /// content goes at column `contentIndent`; `parentIndent` is the indentation YAML assigns
    /// to the node, which an explicit indentation indicator counts from.
    private mutating func writeScalar(_ value: Value, contentIndent: Int, parentIndent: Int) {
        switch value.kind {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(i): out += String(i)
        case let .float(d): out += Self.formatFloat(d)
        case let .dateTime(d): out += doubleQuoted(d.description)
        case .array: out += "[]"
        case .object: out += "{}"
        case let .string(s):
            if plainIsSafe(s) {
                out += s
            } else if literalIsExact(s, topLevel: parentIndent < 0) {
                writeLiteral(s, contentIndent: contentIndent, parentIndent: parentIndent)
                return
            } else {
                out += doubleQuoted(s)
            }
        }
        out += "\n"
    }

    /// Shortest round-trip text, always recognisably a float under the core schema.
    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        let s = String(d)
        if s.contains(".") || s.contains("e") || s.contains("E") { return s }
        return s + ".0"
    }

    /// Whether `s` can be written plain and read back as this same string, by us and by
    /// YAML 1.1 readers.
    private func plainIsSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        // Would read back as null, a boolean or a number.
        guard case .value(.string) = YAMLScalar.resolve(s) else { return false }
        // YAML 1.1 booleans and numbers-ish (dates, 1_000, 0b1, 12:30) for other readers.
        switch s {
        case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
             "on", "On", "ON", "off", "Off", "OFF", "=":
            return false
        default: break
        }
        if first.properties.numericType != nil || ("0"..."9").contains(first) { return false }
        // Indicators that may not start a plain scalar (or that we prefer not to risk).
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        if first == "." && s.unicodeScalars.count > 1 {
            let second = s.unicodeScalars[s.unicodeScalars.index(after: s.unicodeScalars.startIndex)]
            if ("0"..."9").contains(second) || second == "." { return false }
        }
        if first == " " || last == " " || last == ":" { return false }
        if s.contains(": ") || s.contains(" #") { return false }
        for c in s.unicodeScalars where !Self.isPrintable(c) || c == "\t" || c == "\n" || c == "\r" {
            return false
        }
        return true
    }

    /// Whether a literal block (`|`) reproduces `s` exactly. It needs a line break, printable
    /// text, no carriage returns, and it avoids what libyaml 0.2.5 misreads: tabs at the
    /// start of a line and trailing whitespace on a line. At the top level, text that needs
    /// an indentation indicator is left to double quotes: libyaml counts the indicator from
    /// column 0 there, the specification from -1, and the file must read the same in both.
    private func literalIsExact(_ s: String, topLevel: Bool) -> Bool {
        guard s.contains("\n"), s.unicodeScalars.contains(where: { $0 != "\n" && $0 != " " }) else { return false }
        if topLevel && Self.needsIndentationIndicator(s) { return false }
        var lineStart = true
        var previous: Unicode.Scalar = "\n"
        for c in s.unicodeScalars {
            if !Self.isPrintable(c) && c != "\n" && c != "\t" { return false }
            if c == "\r" { return false }
            if lineStart && c == "\t" { return false }
            if c == "\n" && (previous == " " || previous == "\t") { return false }
            lineStart = c == "\n"
            previous = c
        }
        return previous != " " && previous != "\t"
    }

    private mutating func writeLiteral(_ s: String, contentIndent: Int, parentIndent: Int) {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        // The text after the last line break; empty when `s` ends with one.
        let chomping: String
        if lines.last!.isEmpty {
            lines.removeLast()
            // `|` keeps one final line break; `|+` keeps them all.
            chomping = lines.last?.isEmpty == true ? "+" : ""
        } else {
            chomping = "-"
        }
        // Leading spaces or empty lines would be taken for indentation: say it explicitly.
        let indicator = Self.needsIndentationIndicator(s) ? String(contentIndent - parentIndent) : ""
        out += "|" + indicator + chomping + "\n"
        let pad = String(repeating: " ", count: contentIndent)
        for line in lines {
            if !line.isEmpty { out += pad + line }
            out += "\n"
        }
    }

    private static func needsIndentationIndicator(_ s: String) -> Bool {
        s.hasPrefix(" ") || s.hasPrefix("\n")
    }

    /// A double-quoted scalar; escapes what YAML requires and every non-printable character.
    private func doubleQuoted(_ s: String) -> String {
        var q = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": q += "\\\""
            case "\\": q += "\\\\"
            case "\n": q += "\\n"
            case "\t": q += "\\t"
            case "\r": q += "\\r"
            case "\0": q += "\\0"
            case "\u{07}": q += "\\a"
            case "\u{08}": q += "\\b"
            case "\u{0B}": q += "\\v"
            case "\u{0C}": q += "\\f"
            case "\u{1B}": q += "\\e"
            case "\u{85}": q += "\\N"
            case "\u{2028}": q += "\\L"
            case "\u{2029}": q += "\\P"
            default:
                if Self.isPrintable(c) && c != "\u{FEFF}" {
                    q.unicodeScalars.append(c)
                } else if c.value <= 0xFF {
                    q += "\\x" + hexString(c.value, width: 2)
                } else if c.value <= 0xFFFF {
                    q += "\\u" + hexString(c.value, width: 4)
                } else {
                    q += "\\U" + hexString(c.value, width: 8)
                }
            }
        }
        return q + "\""
    }

    /// YAML's printable set (§5.1) minus the line breaks libyaml also treats as breaks.
    private static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0D, 0x20...0x7E: return true
        case 0xA0...0xD7FF: return c.value != 0x2028 && c.value != 0x2029
        case 0xE000...0xFFFD: return c.value != 0xFEFF
        case 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
