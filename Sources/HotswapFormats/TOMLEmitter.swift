import HotswapCore

/// Writes values as TOML 1.0 (see `TOML.emit`).
///
/// A table's own key/value pairs must come before any header that follows it, so each table is
/// written in three groups: plain pairs, then sub-tables as `[a.b]` sections, then arrays of
/// tables as `[[a.c]]` sections. Object equality ignores key order, so the regrouping keeps
/// `parse(emit(v)) == v`.
struct TOMLEmitter {
    var out = ""

    init() {
        out.reserveCapacity(1024)
    }

    /// A member written as its own section rather than as `key = value`.
    private enum Section {
        case table(Object)
        case arrayOfTables([Value])
    }

    private static func section(_ v: Value) -> Section? {
        switch v.kind {
        case let .object(o): return .table(o)
        case let .array(a) where !a.isEmpty && a.allSatisfy({ $0.objectValue != nil }): return .arrayOfTables(a)
        default: return nil
        }
    }

    /// - Parameters:
    ///   - header: the dotted TOML key of this table (keys already quoted); nil for the root.
    ///   - path: the key path, for error messages.
    mutating func emitTable(_ object: Object, header: String?, path: ConfigPath, isArrayElement: Bool) throws(ConfigError) {
        var hasPlain = false
        var hasSections = false
        for (_, v) in object {
            if Self.section(v) == nil { hasPlain = true } else { hasSections = true }
        }
        if let header {
            // A table with only sub-sections needs no header of its own: `[a.b]` creates `a`.
            if isArrayElement || hasPlain || !hasSections {
                if !out.isEmpty { out += "\n" }
                out += isArrayElement ? "[[" + header + "]]\n" : "[" + header + "]\n"
            }
        }
        for (key, v) in object where Self.section(v) == nil {
            writeKey(key)
            out += " = "
            try writeInline(v, path: path.appending(key))
            out += "\n"
        }
        for wantTables in [true, false] {
            for (key, v) in object {
                guard let section = Self.section(v) else { continue }
                let childHeader = header.map { $0 + "." + Self.keyText(key) } ?? Self.keyText(key)
                let childPath = path.appending(key)
                switch section {
                case let .table(o) where wantTables:
                    try emitTable(o, header: childHeader, path: childPath, isArrayElement: false)
                case let .arrayOfTables(elements) where !wantTables:
                    for (i, element) in elements.enumerated() {
                        // section() checked that every element is an object.
                        try emitTable(element.objectValue ?? Object(), header: childHeader, path: childPath.appending(i), isArrayElement: true)
                    }
                default:
                    break
                }
            }
        }
    }

    static func isBareKey(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        for b in key.utf8 {
            let bare = (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) || b == 0x5F || b == 0x2D
            if !bare { return false }
        }
        return true
    }

    static func keyText(_ key: String) -> String {
        if isBareKey(key) { return key }
        var s = ""
        writeBasicString(key, to: &s)
        return s
    }

    mutating func writeKey(_ key: String) {
        if Self.isBareKey(key) { out += key } else { Self.writeBasicString(key, to: &out) }
    }

    mutating func writeInline(_ v: Value, path: ConfigPath) throws(ConfigError) {
        switch v.kind {
        case .null:
            throw ConfigError(.unsupported, "TOML has no null: cannot write the null at '\(path)'", at: v.origin)
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(i): out += String(i)
        case let .float(d): out += TOML.formatFloat(d)
        case let .string(s): Self.writeBasicString(s, to: &out)
        case let .dateTime(d): out += try Self.dateTimeText(d, path: path, origin: v.origin)
        case let .array(a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += ", " }
                try writeInline(element, path: path.appending(i))
            }
            out += "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{ "
            var first = true
            for (key, member) in o {
                if !first { out += ", " }
                first = false
                writeKey(key)
                out += " = "
                try writeInline(member, path: path.appending(key))
            }
            out += " }"
        }
    }

    /// A basic string: escapes `"`, `\` and the control characters TOML forbids raw.
    static func writeBasicString(_ s: String, to out: inout String) {
        out += "\""
        let utf8 = s.utf8
        var runStart = utf8.startIndex
        var i = runStart
        while i != utf8.endIndex {
            let b = utf8[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F {
                out += String(s[runStart..<i])
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x08: out += "\\b"
                case 0x09: out += "\\t"
                case 0x0A: out += "\\n"
                case 0x0C: out += "\\f"
                case 0x0D: out += "\\r"
                default:
                    let hex = String(b, radix: 16, uppercase: true)
                    out += "\\u00" + (hex.count < 2 ? "0" : "") + hex
                }
                runStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out += String(s[runStart..<utf8.endIndex])
        out += "\""
    }

    /// RFC 3339 text of the value's own kind, after checking that TOML can read it back.
    static func dateTimeText(_ d: DateTime, path: ConfigPath, origin: Origin?) throws(ConfigError) -> String {
        func fail(_ why: String) -> ConfigError {
            ConfigError(.unsupported, "cannot write the date-time at '\(path)' as TOML: \(why)", at: origin)
        }
        if d.hasDate {
            guard (0...9999).contains(d.year) else { throw fail("year \(d.year) is outside 0000-9999") }
            guard DateTime.isValidDate(year: d.year, month: d.month, day: d.day) else {
                throw fail("\(d.year)-\(d.month)-\(d.day) is not a calendar date")
            }
        }
        var d = d
        if d.hasTime {
            guard (0...23).contains(d.hour), (0...59).contains(d.minute), (0...60).contains(d.second) else {
                throw fail("time \(d.hour):\(d.minute):\(d.second) is out of range")
            }
            guard (0..<1_000_000_000).contains(d.nanosecond) else { throw fail("nanosecond \(d.nanosecond) is out of range") }
            // Write at least as many fractional digits as the nanoseconds need, so no precision is lost.
            var needed = 0
            var rest = d.nanosecond
            if rest > 0 {
                needed = 9
                while rest % 10 == 0 { rest /= 10; needed -= 1 }
            }
            d.fractionDigits = max(min(max(d.fractionDigits, 0), 9), needed)
        }
        if d.kind == .offsetDateTime {
            guard abs(d.offsetMinutes) < 24 * 60 else { throw fail("offset of \(d.offsetMinutes) minutes is out of range") }
        }
        return d.description
    }
}
