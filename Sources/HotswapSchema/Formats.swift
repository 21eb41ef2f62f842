/// The `format` values the engine checks. Every format of JSON Schema 2020-12 is known; the
/// ones issue 4 lists (hostname, ipv4, ipv6, uri, email, date-time, date, time, duration,
/// regex, uuid) are implemented to the letter of their RFCs, the others as closely as the
/// standard library's Unicode data allows (see docs/schema.md).
enum FormatKind: String, Sendable, CaseIterable {
    case dateTime = "date-time", date, time, duration
    case email, idnEmail = "idn-email"
    case hostname, idnHostname = "idn-hostname"
    case ipv4, ipv6
    case uri, uriReference = "uri-reference", iri, iriReference = "iri-reference", uuid
    case uriTemplate = "uri-template"
    case jsonPointer = "json-pointer", relativeJSONPointer = "relative-json-pointer"
    case regex

    func check(_ s: String) -> Bool {
        switch self {
        case .dateTime: return FormatCheck.isDateTime(s)
        case .date: return FormatCheck.isDate(Array(s.utf8)[...])
        case .time: return FormatCheck.isTime(Array(s.utf8)[...])
        case .duration: return FormatCheck.isDuration(s)
        case .email: return FormatCheck.isEmail(s, international: false)
        case .idnEmail: return FormatCheck.isEmail(s, international: true)
        case .hostname: return IDNA.isHostname(s)
        case .idnHostname: return IDNA.isIDNHostname(s)
        case .ipv4: return isIPv4(s)
        case .ipv6: return isIPv6(s)
        case .uri: return URISyntax.isURI(s)
        case .uriReference: return URISyntax.isURIReference(s)
        case .iri: return URISyntax.isURI(s, iri: true)
        case .iriReference: return URISyntax.isURIReference(s, iri: true)
        case .uuid: return FormatCheck.isUUID(s)
        case .uriTemplate: return FormatCheck.isURITemplate(s)
        case .jsonPointer: return FormatCheck.isJSONPointer(Array(s.unicodeScalars)[...])
        case .relativeJSONPointer: return FormatCheck.isRelativeJSONPointer(s)
        case .regex: return ECMARegex.isValidSyntax(s)
        }
    }

    /// The noun for messages: "is not a valid \(noun)".
    var noun: String {
        switch self {
        case .dateTime: return "RFC 3339 date-time (such as 2024-05-01T12:00:00Z)"
        case .date: return "RFC 3339 date (YYYY-MM-DD)"
        case .time: return "RFC 3339 time with offset (such as 12:00:00Z)"
        case .duration: return "ISO 8601 duration (such as PT30S or P1DT2H)"
        case .email: return "e-mail address"
        case .idnEmail: return "internationalized e-mail address"
        case .hostname: return "host name"
        case .idnHostname: return "internationalized host name"
        case .ipv4: return "IPv4 address"
        case .ipv6: return "IPv6 address"
        case .uri: return "absolute URI"
        case .uriReference: return "URI reference"
        case .iri: return "IRI"
        case .iriReference: return "IRI reference"
        case .uuid: return "UUID"
        case .uriTemplate: return "URI template"
        case .jsonPointer: return "JSON Pointer"
        case .relativeJSONPointer: return "relative JSON Pointer"
        case .regex: return "ECMA-262 regular expression"
        }
    }
}

/// Dotted-quad IPv4: four decimal octets 0–255, no leading zeros, ASCII digits only.
func isIPv4(_ s: String) -> Bool {
    let parts = s.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 4 else { return false }
    for p in parts {
        guard (1...3).contains(p.count), p.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if p.count > 1 && p.first == 0x30 { return false }
        var v = 0
        for b in p { v = v * 10 + Int(b - 0x30) }
        if v > 255 { return false }
    }
    return true
}

/// RFC 4291 text form: up to eight 16-bit groups, one `::`, an optional trailing IPv4
/// part; no zone identifier, no prefix length, no brackets.
func isIPv6(_ s: String) -> Bool {
    let u = Array(s.utf8)
    guard !u.isEmpty, u.count <= 45 else { return false }
    var groups = 0
    var sawDouble = false
    var i = 0
    if u.starts(with: [0x3A, 0x3A]) {
        sawDouble = true
        i = 2
        if i == u.count { return true }
    } else if u[0] == 0x3A {
        return false
    }
    while i < u.count {
        // One group: hex digits, or an IPv4 tail.
        var j = i
        while j < u.count, hexDigitValue(u[j]) != nil { j += 1 }
        if j < u.count, u[j] == 0x2E {
            // IPv4 must be the last thing and takes two groups.
            guard let tail = String(validating: u[i...], as: UTF8.self), isIPv4(tail) else { return false }
            groups += 2
            i = u.count
            break
        }
        let len = j - i
        guard (1...4).contains(len) else { return false }
        groups += 1
        i = j
        if i == u.count { break }
        guard u[i] == 0x3A else { return false }
        i += 1
        if i < u.count, u[i] == 0x3A {
            if sawDouble { return false }
            sawDouble = true
            i += 1
            if i == u.count { break }
        } else if i == u.count {
            return false   // trailing single ':'
        }
    }
    return sawDouble ? groups <= 7 : groups == 8
}

enum FormatCheck {
    private static func digits(_ s: ArraySlice<UInt8>, _ at: Int, _ n: Int) -> Int? {
        guard at + n <= s.endIndex else { return nil }
        var v = 0
        for k in at..<(at + n) {
            let b = s[k]
            guard b >= 0x30 && b <= 0x39 else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    /// `full-date`: YYYY-MM-DD naming a real day.
    static func isDate(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.count == 10, let y = digits(s, s.startIndex, 4), s[s.startIndex + 4] == 0x2D,
              let m = digits(s, s.startIndex + 5, 2), s[s.startIndex + 7] == 0x2D,
              let d = digits(s, s.startIndex + 8, 2) else { return false }
        return isValidDay(y, m, d)
    }

    static func isValidDay(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    /// `full-time`: HH:MM:SS[.frac](Z|±HH:MM). Second 60 is a leap second, allowed only when
    /// the time converted to UTC is 23:59:60.
    static func isTime(_ s: ArraySlice<UInt8>) -> Bool {
        let b = s.startIndex
        guard s.count >= 9, let h = digits(s, b, 2), s[b + 2] == 0x3A, let mi = digits(s, b + 3, 2),
              s[b + 5] == 0x3A, let sec = digits(s, b + 6, 2) else { return false }
        var i = b + 8
        if i < s.endIndex, s[i] == 0x2E {
            i += 1
            let start = i
            while i < s.endIndex, s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
            if i == start { return false }
        }
        guard i < s.endIndex else { return false }
        var offset = 0
        switch s[i] {
        case 0x5A, 0x7A: // Z z
            guard i + 1 == s.endIndex else { return false }
        case 0x2B, 0x2D: // + -
            guard s.endIndex - i == 6, let oh = digits(s, i + 1, 2), s[i + 3] == 0x3A, let om = digits(s, i + 4, 2),
                  oh <= 23, om <= 59 else { return false }
            offset = (oh * 60 + om) * (s[i] == 0x2B ? 1 : -1)
        default:
            return false
        }
        guard h <= 23, mi <= 59, sec <= 60 else { return false }
        if sec == 60 {
            var utc = (h * 60 + mi - offset) % 1440
            if utc < 0 { utc += 1440 }
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func isDateTime(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count > 11, u[10] == 0x54 || u[10] == 0x74 else { return false }   // T t
        return isDate(u[0..<10]) && isTime(u[11...])
    }

    /// RFC 3339 appendix A `duration`, strictly: units in order, no gaps inside the date or
    /// time part (P1Y2D and PT1H2S are not durations), weeks alone.
    static func isDuration(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        guard u.first == UInt8(ascii: "P") else { return false }
        u = u.dropFirst()
        func component(_ u: inout ArraySlice<UInt8>) -> UInt8? {
            let start = u.startIndex
            var i = start
            while i < u.endIndex, u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
            guard i > start, i < u.endIndex else { return nil }
            let unit = u[i]
            u = u[(i + 1)...]
            return unit
        }
        // Parse the units in sequence and check them against the allowed successions.
        var date: [UInt8] = []
        var time: [UInt8] = []
        var inTime = false
        while !u.isEmpty {
            if u.first == UInt8(ascii: "T") {
                if inTime { return false }
                inTime = true
                u = u.dropFirst()
                if u.isEmpty { return false }
                continue
            }
            guard let unit = component(&u) else { return false }
            if inTime { time.append(unit) } else { date.append(unit) }
        }
        if date == [UInt8(ascii: "W")] { return time.isEmpty && !inTime }
        guard durationDateUnits.contains(date) else { return false }
        if inTime { return durationTimeUnits.contains(time) }
        return !date.isEmpty
    }

    /// The unit sequences RFC 3339's grammar allows in the date and the time part.
    private static let durationDateUnits: Set<[UInt8]> = [[], [0x59], [0x59, 0x4D], [0x59, 0x4D, 0x44], [0x4D], [0x4D, 0x44], [0x44]]   // Y M D
    private static let durationTimeUnits: Set<[UInt8]> = [[0x48], [0x48, 0x4D], [0x48, 0x4D, 0x53], [0x4D], [0x4D, 0x53], [0x53]]      // H M S

    static func isUUID(_ s: String) -> Bool {
        guard s.utf8.count == 36 else { return false }
        var k = -1
        for b in s.utf8 {
            k += 1
            if k == 8 || k == 13 || k == 18 || k == 23 {
                if b != UInt8(ascii: "-") { return false }
            } else if hexDigitValue(b) == nil {
                return false
            }
        }
        return true
    }

    /// RFC 5321 mailbox (RFC 6531 when `international`): a dot-atom or quoted local part, then
    /// a host name or an address literal `[IPv4]` / `[IPv6:…]`. Works on the UTF-8 bytes:
    /// every syntax character is ASCII, and non-ASCII is allowed or not as a whole.
    static func isEmail(_ s: String, international: Bool) -> Bool {
        let u = s.utf8
        guard let at = u.lastIndex(of: UInt8(ascii: "@")), at != u.startIndex, u.index(after: at) != u.endIndex else { return false }
        let local = u[..<at], domain = u[u.index(after: at)...]
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), dot = UInt8(ascii: ".")
        if local.first == quote {
            guard local.count >= 2, local.last == quote else { return false }
            var escaped = false
            for b in local.dropFirst().dropLast() {
                if escaped { escaped = false; continue }
                if b == backslash { escaped = true; continue }
                if b == quote || b < 0x20 || b == 0x7F { return false }
                if b >= 0x80 && !international { return false }
            }
            if escaped { return false }
        } else {
            var prevDot = true
            for b in local {
                if b == dot {
                    if prevDot { return false }
                    prevDot = true
                    continue
                }
                prevDot = false
                if b >= 0x80 {
                    if !international { return false }
                } else if !isAtext(b) {
                    return false
                }
            }
            if prevDot { return false }
        }
        guard let d = String(domain) else { return false }
        if domain.first == UInt8(ascii: "[") {
            guard domain.last == UInt8(ascii: "]") else { return false }
            let inner = d.dropFirst().dropLast()
            if inner.hasPrefix("IPv6:") { return isIPv6(String(inner.dropFirst(5))) }
            return isIPv4(String(inner))
        }
        return international ? IDNA.isIDNHostname(d) : IDNA.isHostname(d)
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    private static func isAtext(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
             UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 6901: empty, or `/`-prefixed tokens where `~` is always followed by 0 or 1.
    static func isJSONPointer(_ u: ArraySlice<Unicode.Scalar>) -> Bool {
        if u.isEmpty { return true }
        guard u.first == "/" else { return false }
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == "~" {
                guard i + 1 < u.endIndex, u[i + 1] == "0" || u[i + 1] == "1" else { return false }
                i += 2
            } else {
                i += 1
            }
        }
        return true
    }

    /// A non-negative integer (no leading zeros) followed by `#` or a JSON Pointer.
    static func isRelativeJSONPointer(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        var i = 0
        while i < u.count, URISyntax.isDigit(u[i]) { i += 1 }
        guard i > 0, !(i > 1 && u[0] == "0") else { return false }
        if i == u.count { return true }
        if u[i] == "#" { return i + 1 == u.count }
        return isJSONPointer(u[i...])
    }

    /// RFC 6570 level 4 syntax.
    static func isURITemplate(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        var i = 0
        while i < u.count {
            let c = u[i]
            if c == "{" {
                guard let close = u[i...].firstIndex(of: "}") else { return false }
                guard isTemplateExpression(u[(i + 1)..<close]) else { return false }
                i = close + 1
                continue
            }
            if c == "%" {
                guard i + 2 < u.count, URISyntax.isHex(u[i + 1]), URISyntax.isHex(u[i + 2]) else { return false }
                i += 3
                continue
            }
            let v = c.value
            if v <= 0x20 || v == 0x7F || "\"<>\\^`{|}".unicodeScalars.contains(c) { return false }
            i += 1
        }
        return true
    }

    private static func isTemplateExpression(_ e: ArraySlice<Unicode.Scalar>) -> Bool {
        var e = e
        if let op = e.first, "+#./;?&".unicodeScalars.contains(op) { e = e.dropFirst() }
        guard !e.isEmpty else { return false }
        for spec in e.split(separator: ",", omittingEmptySubsequences: false) {
            var name = spec
            if spec.last == "*" {
                name = spec.dropLast()
            } else if let colon = spec.firstIndex(of: ":") {
                let len = spec[(colon + 1)...]
                guard (1...4).contains(len.count), len.first != "0", len.allSatisfy(URISyntax.isDigit) else { return false }
                name = spec[..<colon]
            }
            guard !name.isEmpty, name.first != ".", name.last != "." else { return false }
            var i = name.startIndex
            var prevDot = false
            while i < name.endIndex {
                let c = name[i]
                if c == "%" {
                    guard i + 2 < name.endIndex, URISyntax.isHex(name[i + 1]), URISyntax.isHex(name[i + 2]) else { return false }
                    i += 3
                    prevDot = false
                    continue
                }
                if c == "." {
                    if prevDot { return false }
                    prevDot = true
                } else {
                    guard URISyntax.isAlpha(c) || URISyntax.isDigit(c) || c == "_" else { return false }
                    prevDot = false
                }
                i += 1
            }
        }
        return true
    }
}
