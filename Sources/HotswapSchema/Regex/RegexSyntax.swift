/// The parsed form of an ECMA-262 pattern, before it is compiled for matching.
///
/// Patterns are read with the semantics of the `u` flag (code points, not UTF-16 units),
/// which is what JSON Schema's test suite expects. A few Annex B leniencies are kept because
/// real schemas rely on them: a lone `]`, `}` or a `{` that does not start a quantifier is a
/// literal, and any ASCII punctuation may be escaped.
indirect enum RegexNode: Sendable {
    case empty
    case scalar(UInt32)
    case set(CharSet)
    /// `.`: any code point but a line terminator.
    case dot
    case concat([RegexNode])
    case alternation([RegexNode])
    case group(RegexNode)
    case repetition(RegexNode, min: Int, max: Int?)
    case start, end, wordBoundary, notWordBoundary
    /// Valid ECMA-262 syntax the matcher cannot run without backtracking (backreferences,
    /// lookaround); the string says what it is, for the error message.
    case unsupported(String)
}

/// A syntax error in a pattern, with the 0-based code point offset where it was found.
struct RegexSyntaxError: Error, Sendable {
    var message: String
    var offset: Int
}

/// Recursive-descent parser for the ECMA-262 `Pattern` grammar.
struct RegexParser {
    private let s: [UInt32]
    private var i = 0
    private var depth = 0
    /// Deepest group nesting accepted; deeper patterns are rejected rather than risking the
    /// parser's stack.
    static let maxDepth = 200

    private init(_ pattern: String) { s = pattern.unicodeScalars.map(\.value) }

    static func parse(_ pattern: String) throws(RegexSyntaxError) -> RegexNode {
        var p = RegexParser(pattern)
        let node = try p.disjunction()
        if p.i < p.s.count {
            // Only an unbalanced ')' stops a top-level disjunction early.
            throw RegexSyntaxError(message: "unmatched ')'", offset: p.i)
        }
        return node
    }

    private func peek(_ k: Int = 0) -> UInt32? { i + k < s.count ? s[i + k] : nil }
    private func fail(_ m: String, at pos: Int? = nil) -> RegexSyntaxError {
        RegexSyntaxError(message: m, offset: pos ?? i)
    }

    private mutating func disjunction() throws(RegexSyntaxError) -> RegexNode {
        var alts = [try alternative()]
        while peek() == 0x7C /* | */ {
            i += 1
            alts.append(try alternative())
        }
        return alts.count == 1 ? alts[0] : .alternation(alts)
    }

    private mutating func alternative() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != 0x7C, c != 0x29 /* ) */ {
            let atomStart = i
            var (atom, quantifiable) = try term()
            if let q = try quantifier() {
                guard quantifiable else {
                    throw fail("nothing to repeat before '\(Self.text(s, from: i - 1, count: 1))'", at: atomStart)
                }
                atom = .repetition(atom, min: q.min, max: q.max)
            }
            items.append(atom)
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concat(items)
        }
    }

    private static func text(_ s: [UInt32], from: Int, count: Int) -> String {
        var out = ""
        for k in from..<min(s.count, from + count) where k >= 0 {
            if let u = Unicode.Scalar(s[k]) { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// Parses one term; the flag says whether a quantifier may follow it.
    private mutating func term() throws(RegexSyntaxError) -> (RegexNode, Bool) {
        let c = s[i]
        switch c {
        case 0x5E: i += 1; return (.start, false)       // ^
        case 0x24: i += 1; return (.end, false)         // $
        case 0x2E: i += 1; return (.dot, true)          // .
        case 0x28: return try group()                    // (
        case 0x5B: return (.set(try charClass()), true)  // [
        case 0x5C: return try atomEscape()               // \
        case 0x2A, 0x2B, 0x3F:                           // * + ?
            throw fail("nothing to repeat before '\(Self.text(s, from: i, count: 1))'")
        case 0x7B:                                       // {
            if isQuantifierBrace() { throw fail("nothing to repeat before '{'") }
            i += 1
            return (.scalar(c), true)
        default:
            i += 1
            return (.scalar(c), true)
        }
    }

    private mutating func group() throws(RegexSyntaxError) -> (RegexNode, Bool) {
        let open = i
        i += 1
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw fail("groups nested more than \(Self.maxDepth) deep", at: open) }
        var kind: RegexNode? = nil   // non-nil: the node that replaces the group's contents
        var quantifiable = true
        if peek() == 0x3F /* ? */ {
            switch (peek(1), peek(2)) {
            case (0x3A, _): i += 2                                              // (?:
            case (0x3D, _): i += 2; kind = .unsupported("lookahead '(?='")       // (?=
            case (0x21, _): i += 2; kind = .unsupported("negative lookahead '(?!'")
            case (0x3C, 0x3D): i += 3; kind = .unsupported("lookbehind '(?<='"); quantifiable = false
            case (0x3C, 0x21): i += 3; kind = .unsupported("negative lookbehind '(?<!'"); quantifiable = false
            case (0x3C, _):                                                       // (?<name>
                i += 2
                try groupName()
            default:
                throw fail("invalid group '(?\(Self.text(s, from: i + 1, count: 1))': ECMA-262 has no inline flags, comments or Python-style groups", at: open)
            }
        }
        let inner = try disjunction()
        guard peek() == 0x29 else { throw fail("unterminated group", at: open) }
        i += 1
        if let kind { return (kind, quantifiable) }
        return (.group(inner), true)
    }

    private mutating func groupName() throws(RegexSyntaxError) {
        let start = i
        while let c = peek(), c != 0x3E /* > */ {
            guard isIdentifierScalar(c, first: i == start) else { throw fail("invalid group name") }
            i += 1
        }
        guard peek() == 0x3E, i > start else { throw fail("invalid group name", at: start) }
        i += 1
    }

    private func isIdentifierScalar(_ c: UInt32, first: Bool) -> Bool {
        if c == 0x24 || c == 0x5F { return true }   // $ _
        if !first, c >= 0x30, c <= 0x39 { return true }
        guard let u = Unicode.Scalar(c) else { return false }
        return first ? u.properties.isIDStart : u.properties.isIDContinue
    }

    /// Whether the `{` at the cursor starts a well-formed `{n}`, `{n,}` or `{n,m}`.
    private func isQuantifierBrace() -> Bool {
        var k = i + 1
        var digits = 0
        while k < s.count, isDigit(s[k]) { k += 1; digits += 1 }
        guard digits > 0, k < s.count else { return false }
        if s[k] == 0x7D { return true }
        guard s[k] == 0x2C else { return false }
        k += 1
        while k < s.count, isDigit(s[k]) { k += 1 }
        return k < s.count && s[k] == 0x7D
    }

    private func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    private mutating func quantifier() throws(RegexSyntaxError) -> (min: Int, max: Int?)? {
        guard let c = peek() else { return nil }
        var q: (Int, Int?)
        switch c {
        case 0x2A: i += 1; q = (0, nil)
        case 0x2B: i += 1; q = (1, nil)
        case 0x3F: i += 1; q = (0, 1)
        case 0x7B:
            guard isQuantifierBrace() else { return nil }
            let open = i
            i += 1
            let lo = number()
            var hi: Int? = lo
            if peek() == 0x2C {
                i += 1
                hi = peek() == 0x7D ? nil : number()
            }
            i += 1   // }
            if let hi, hi < lo { throw fail("numbers out of order in {\(lo),\(hi)} quantifier", at: open) }
            q = (lo, hi)
        default:
            return nil
        }
        if peek() == 0x3F { i += 1 }   // lazy: irrelevant to whether a match exists
        if let next = peek(), next == 0x2A || next == 0x2B || next == 0x3F || (next == 0x7B && isQuantifierBrace()) {
            throw fail("nothing to repeat (two quantifiers in a row)")
        }
        return q
    }

    /// Reads decimal digits, saturating far above any useful repetition count.
    private mutating func number() -> Int {
        var n = 0
        while let c = peek(), isDigit(c) {
            n = min(n * 10 + Int(c - 0x30), 1 << 40)
            i += 1
        }
        return n
    }

    // MARK: escapes

    private mutating func atomEscape() throws(RegexSyntaxError) -> (RegexNode, Bool) {
        let at = i
        i += 1
        guard let c = peek() else { throw fail("pattern ends with a lone backslash", at: at) }
        switch c {
        case 0x62: i += 1; return (.wordBoundary, false)      // \b
        case 0x42: i += 1; return (.notWordBoundary, false)   // \B
        case 0x31...0x39:                                      // \1 … backreference
            _ = number()
            return (.unsupported("backreference '\(Self.text(s, from: at, count: i - at))'"), true)
        case 0x6B:                                             // \k<name>
            i += 1
            guard peek() == 0x3C else { throw fail("'\\k' must be followed by a group name", at: at) }
            i += 1
            try groupName()
            return (.unsupported("named backreference '\(Self.text(s, from: at, count: i - at))'"), true)
        default:
            if let set = try classEscape() { return (.set(set), true) }
            return (.scalar(try characterEscape(escapeStart: at)), true)
        }
    }

    /// `\d \D \s \S \w \W \p{…} \P{…}` at the cursor (just after the backslash), or nil.
    private mutating func classEscape() throws(RegexSyntaxError) -> CharSet? {
        switch peek() {
        case 0x64: i += 1; return .digits
        case 0x44: i += 1; return CharSet.digits.inverted
        case 0x73: i += 1; return .whitespace
        case 0x53: i += 1; return CharSet.whitespace.inverted
        case 0x77: i += 1; return .word
        case 0x57: i += 1; return CharSet.word.inverted
        case 0x70, 0x50:                                   // p P
            let negated = peek() == 0x50
            let at = i - 1
            i += 1
            guard peek() == 0x7B else { throw fail("'\\p' must be followed by '{name}'", at: at) }
            i += 1
            var name = ""
            while let c = peek(), c != 0x7D {
                guard let u = Unicode.Scalar(c) else { break }
                name.unicodeScalars.append(u)
                i += 1
            }
            guard peek() == 0x7D else { throw fail("unterminated '\\p{'", at: at) }
            i += 1
            guard let prop = UnicodeProperty(name: name) else {
                throw fail("unknown or unsupported Unicode property '\(name)' (supported: general categories such as L, Lu, Nd, P, and binary properties such as Alphabetic, White_Space, ASCII; scripts are not)", at: at)
            }
            var set = CharSet(properties: [prop])
            if negated { set = set.inverted }
            return set
        default:
            return nil
        }
    }

    private mutating func characterEscape(escapeStart: Int) throws(RegexSyntaxError) -> UInt32 {
        let c = s[i]
        i += 1
        switch c {
        case 0x66: return 0x0C   // f
        case 0x6E: return 0x0A   // n
        case 0x72: return 0x0D   // r
        case 0x74: return 0x09   // t
        case 0x76: return 0x0B   // v
        case 0x63:               // cX
            guard let l = peek(), (l >= 0x41 && l <= 0x5A) || (l >= 0x61 && l <= 0x7A) else {
                throw fail("'\\c' must be followed by an ASCII letter", at: escapeStart)
            }
            i += 1
            return l % 32
        case 0x30:               // \0
            if let d = peek(), isDigit(d) { throw fail("octal escapes are not allowed", at: escapeStart) }
            return 0
        case 0x78:               // xHH
            guard let v = hex(count: 2) else { throw fail("'\\x' must be followed by two hex digits", at: escapeStart) }
            return v
        case 0x75:               // uHHHH or u{H…}
            if peek() == 0x7B {
                i += 1
                var v: UInt32 = 0
                var n = 0
                while let d = peek(), let h = hexValue(d) {
                    v = v &* 16 &+ h
                    n += 1
                    i += 1
                    if v > 0x10FFFF { throw fail("code point out of range in '\\u{…}'", at: escapeStart) }
                }
                guard n > 0, peek() == 0x7D else { throw fail("malformed '\\u{…}' escape", at: escapeStart) }
                i += 1
                return v
            }
            guard let v = hex(count: 4) else { throw fail("'\\u' must be followed by four hex digits", at: escapeStart) }
            // A surrogate pair written as two escapes is one code point.
            if (0xD800...0xDBFF).contains(v), peek() == 0x5C, peek(1) == 0x75 {
                let save = i
                i += 2
                if let lo = hex(count: 4), (0xDC00...0xDFFF).contains(lo) {
                    return 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                }
                i = save
            }
            return v
        default:
            if c < 0x80 {
                let isAlnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                if isAlnum {
                    throw fail("'\\\(Self.text(s, from: i - 1, count: 1))' is not an ECMA-262 escape", at: escapeStart)
                }
            }
            return c   // identity escape: \. \/ \- \$ …
        }
    }

    private func hexValue(_ d: UInt32) -> UInt32? {
        switch d {
        case 0x30...0x39: return d - 0x30
        case 0x41...0x46: return d - 0x41 + 10
        case 0x61...0x66: return d - 0x61 + 10
        default: return nil
        }
    }

    private mutating func hex(count: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<count {
            guard let d = peek(k), let h = hexValue(d) else { return nil }
            v = v * 16 + h
        }
        i += count
        return v
    }

    // MARK: character classes

    private mutating func charClass() throws(RegexSyntaxError) -> CharSet {
        let open = i
        i += 1
        var negated = false
        if peek() == 0x5E { negated = true; i += 1 }
        var set = CharSet()
        while true {
            guard let c = peek() else { throw fail("unterminated character class", at: open) }
            if c == 0x5D { i += 1; break }
            let first = try classAtom()
            if peek() == 0x2D, let after = peek(1), after != 0x5D {
                let dash = i
                i += 1
                let second = try classAtom()
                guard case let .scalar(lo) = first, case let .scalar(hi) = second else {
                    throw fail("a class escape such as \\d cannot be a range bound", at: dash)
                }
                guard lo <= hi else { throw fail("range out of order in character class", at: dash) }
                set.add(lo...hi)
            } else {
                switch first {
                case let .scalar(v): set.add(v...v)
                case let .set(other): set.formUnion(other)
                }
            }
        }
        return negated ? set.inverted : set
    }

    private enum ClassAtom { case scalar(UInt32), set(CharSet) }

    private mutating func classAtom() throws(RegexSyntaxError) -> ClassAtom {
        let c = s[i]
        guard c == 0x5C else { i += 1; return .scalar(c) }
        let at = i
        i += 1
        guard let e = peek() else { throw fail("pattern ends with a lone backslash", at: at) }
        switch e {
        case 0x62: i += 1; return .scalar(0x08)   // \b is backspace inside a class
        case 0x2D: i += 1; return .scalar(0x2D)   // \-
        case 0x31...0x39: throw fail("backreferences are not allowed in a character class", at: at)
        default:
            if let set = try classEscape() { return .set(set) }
            return .scalar(try characterEscape(escapeStart: at))
        }
    }
}

extension RegexNode {
    /// The first construct the matcher cannot run, if any.
    var firstUnsupported: String? {
        switch self {
        case let .unsupported(what): return what
        case let .concat(xs), let .alternation(xs):
            for x in xs { if let u = x.firstUnsupported { return u } }
            return nil
        case let .group(x), let .repetition(x, _, _): return x.firstUnsupported
        default: return nil
        }
    }
}
