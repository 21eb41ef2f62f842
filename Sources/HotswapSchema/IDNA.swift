/// Host names: RFC 1123 for ASCII names, IDNA 2008 (RFC 5890–5893) for A-labels (`xn--…`)
/// and, for `idn-hostname`, U-labels.
///
/// IDNA 2008's derived property table is approximated from the standard library's Unicode
/// data (general category, NFKC case-fold stability, default-ignorable) plus the RFC 5892
/// exception list and contextual rules; scripts and Bidi classes, which the standard library
/// does not expose, are approximated by code point blocks. This is exact for the JSON Schema
/// test suite and for every name an operator is likely to write.
enum IDNA {
    /// `format: hostname`: ASCII letters, digits and hyphens; labels of 1–63 octets that do
    /// not begin or end with a hyphen; at most 253 octets; `xn--` labels must be valid
    /// A-labels.
    static func isHostname(_ s: String) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 253 else { return false }
        // One pass over the bytes; only `xn--` labels need more.
        var labelStart = u.startIndex
        var i = u.startIndex
        while true {
            if i == u.endIndex || u[i] == UInt8(ascii: ".") {
                let label = u[labelStart..<i]
                let n = label.count
                guard n >= 1, n <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
                if n >= 4 {
                    var p = label.makeIterator()
                    let a = p.next()! | 0x20, b = p.next()! | 0x20, c = p.next()!, d = p.next()!
                    if a == UInt8(ascii: "x"), b == UInt8(ascii: "n"), c == UInt8(ascii: "-"), d == UInt8(ascii: "-") {
                        guard let payload = String(validating: label.dropFirst(4), as: UTF8.self), isALabelPayload(payload) else { return false }
                    }
                }
                if i == u.endIndex { return true }
                labelStart = u.index(after: i)
            } else {
                let b = u[i]
                let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
                if !ok { return false }
            }
            i = u.index(after: i)
        }
    }

    private static func isLDHLabel(_ l: ArraySlice<UInt8>) -> Bool {
        guard (1...63).contains(l.count), l.first != UInt8(ascii: "-"), l.last != UInt8(ascii: "-") else { return false }
        return l.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
        }
    }

    /// The part of an A-label after `xn--`: it must decode, re-encode to itself, contain
    /// something non-ASCII, and decode to a valid U-label.
    private static func isALabelPayload(_ payload: String) -> Bool {
        let lower = String(payload.lowercased())
        guard let decoded = Punycode.decode(lower), Punycode.encode(decoded) == lower else { return false }
        guard decoded.contains(where: { $0 >= 0x80 }) else { return false }
        return isULabel(decoded)
    }

    /// `format: idn-hostname`: labels separated by `.` or its ideographic/full-width forms,
    /// each an LDH label, an A-label or a U-label, within the length limits once converted to
    /// A-labels; the Bidi rule applies to the whole name when it contains right-to-left text.
    static func isIDNHostname(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        var labels: [[UInt32]] = [[]]
        for u in s.unicodeScalars {
            switch u.value {
            case 0x2E, 0x3002, 0xFF0E, 0xFF61: labels.append([])
            default: labels[labels.count - 1].append(u.value)
            }
        }
        var total = 0
        var unicodeLabels: [[UInt32]] = []
        for label in labels {
            guard !label.isEmpty else { return false }
            if label.allSatisfy({ $0 < 0x80 }) {
                let bytes = label.map { UInt8($0) }[...]
                guard isLDHLabel(bytes) else { return false }
                if label.count >= 4, label.prefix(4).map({ $0 | 0x20 }) == "xn--".unicodeScalars.map(\.value) {
                    let payload = String(decoding: bytes.dropFirst(4), as: UTF8.self)
                    guard isALabelPayload(payload), let d = Punycode.decode(payload.lowercased()) else { return false }
                    unicodeLabels.append(d)
                } else {
                    unicodeLabels.append(label)
                }
                total += label.count + 1
            } else {
                guard isULabel(label) else { return false }
                let encoded = "xn--" + Punycode.encode(label)
                guard encoded.utf8.count <= 63 else { return false }
                unicodeLabels.append(label)
                total += encoded.utf8.count + 1
            }
        }
        guard total - 1 <= 253 else { return false }
        if unicodeLabels.contains(where: { $0.contains(where: isRTL) }) {
            for l in unicodeLabels where !satisfiesBidiRule(l) { return false }
        }
        return true
    }

    // MARK: U-label rules (RFC 5891 section 5.4, RFC 5892)

    private static func isULabel(_ l: [UInt32]) -> Bool {
        guard !l.isEmpty, l.first != 0x2D, l.last != 0x2D else { return false }
        if l.count >= 4, l[2] == 0x2D, l[3] == 0x2D { return false }
        if let f = l.first, let u = Unicode.Scalar(f) {
            switch u.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return false
            default: break
            }
        }
        var hasArabicIndic = false, hasExtendedArabicIndic = false
        for (i, c) in l.enumerated() {
            switch status(c) {
            case .pvalid: break
            case .disallowed: return false
            case .contextJ:
                guard contextJ(l, i) else { return false }
            case .contextO:
                switch c {
                case 0x00B7:
                    guard i > 0, i < l.count - 1, l[i - 1] == 0x6C, l[i + 1] == 0x6C else { return false }
                case 0x0375:
                    guard i < l.count - 1, isGreek(l[i + 1]) else { return false }
                case 0x05F3, 0x05F4:
                    guard i > 0, isHebrew(l[i - 1]) else { return false }
                case 0x30FB:
                    guard l.contains(where: { $0 != 0x30FB && (isHiragana($0) || isKatakana($0) || isHan($0)) }) else { return false }
                case 0x0660...0x0669: hasArabicIndic = true
                case 0x06F0...0x06F9: hasExtendedArabicIndic = true
                default: return false
                }
            }
        }
        return !(hasArabicIndic && hasExtendedArabicIndic)
    }

    private enum Status { case pvalid, contextJ, contextO, disallowed }

    private static func status(_ c: UInt32) -> Status {
        switch c {
        case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007: return .pvalid   // RFC 5892 2.6 exceptions
        case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031...0x3035, 0x303B: return .disallowed
        case 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, 0x0660...0x0669, 0x06F0...0x06F9: return .contextO
        case 0x200C, 0x200D: return .contextJ
        default: break
        }
        if c < 0x80 {
            return (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D ? .pvalid : .disallowed
        }
        guard let u = Unicode.Scalar(c) else { return .disallowed }
        let p = u.properties
        if p.changesWhenNFKCCaseFolded || p.isDefaultIgnorableCodePoint || p.isWhitespace || p.isNoncharacterCodePoint {
            return .disallowed
        }
        // Old Hangul jamo are disallowed (RFC 5892 2.9).
        if (0x1100...0x11FF).contains(c) || (0xA960...0xA97F).contains(c) || (0xD7B0...0xD7FF).contains(c) { return .disallowed }
        switch p.generalCategory {
        case .lowercaseLetter, .otherLetter, .decimalNumber, .modifierLetter, .nonspacingMark, .spacingMark:
            return .pvalid
        default:
            return .disallowed
        }
    }

    /// RFC 5892 appendix A.1 and A.2.
    private static func contextJ(_ l: [UInt32], _ i: Int) -> Bool {
        if i > 0, let prev = Unicode.Scalar(l[i - 1]), prev.properties.canonicalCombiningClass.rawValue == 9 { return true }
        guard l[i] == 0x200C else { return false }
        // (Joining_Type:{L,D})(Joining_Type:T)* ZWNJ (Joining_Type:T)*(Joining_Type:{R,D})
        var k = i - 1
        while k >= 0, joiningType(l[k]) == .transparent { k -= 1 }
        guard k >= 0, [.left, .dual].contains(joiningType(l[k])) else { return false }
        k = i + 1
        while k < l.count, joiningType(l[k]) == .transparent { k += 1 }
        return k < l.count && [.right, .dual].contains(joiningType(l[k]))
    }

    private enum Joining { case left, right, dual, transparent, none }

    /// Approximate Joining_Type: Arabic-script and Syriac letters join on both sides, except
    /// the right-joining letters listed; marks and format characters are transparent.
    private static func joiningType(_ c: UInt32) -> Joining {
        guard let u = Unicode.Scalar(c) else { return .none }
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return .transparent
        default: break
        }
        let rightJoining: Set<UInt32> = [0x0622, 0x0623, 0x0624, 0x0625, 0x0627, 0x0629, 0x062F, 0x0630, 0x0631,
                                         0x0632, 0x0648, 0x0671, 0x0672, 0x0673, 0x0675, 0x0676, 0x0677, 0x0688,
                                         0x0689, 0x068A, 0x068B, 0x068C, 0x068D, 0x068E, 0x068F, 0x0690, 0x0691,
                                         0x0692, 0x0693, 0x0694, 0x0695, 0x0696, 0x0697, 0x0698, 0x0699, 0x06C0,
                                         0x06C3, 0x06C4, 0x06C5, 0x06C6, 0x06C7, 0x06C8, 0x06C9, 0x06CA, 0x06CB,
                                         0x06CD, 0x06CF, 0x06D2, 0x06D3, 0x06D5, 0x06EE, 0x06EF]
        if rightJoining.contains(c) { return .right }
        if (0x0620...0x064A).contains(c) || (0x066E...0x06D3).contains(c) || (0x06FA...0x06FC).contains(c)
            || (0x0710...0x074F).contains(c) || (0x0750...0x077F).contains(c) || (0x08A0...0x08C9).contains(c) {
            return u.properties.generalCategory == .otherLetter ? .dual : .none
        }
        return .none
    }

    private static func isGreek(_ c: UInt32) -> Bool { (0x0370...0x03FF).contains(c) && c != 0x0375 || (0x1F00...0x1FFF).contains(c) }
    private static func isHebrew(_ c: UInt32) -> Bool { (0x0591...0x05F4).contains(c) || (0xFB1D...0xFB4F).contains(c) }
    private static func isHiragana(_ c: UInt32) -> Bool { (0x3041...0x309F).contains(c) || c == 0x1B001 || c == 0x1F200 }
    private static func isKatakana(_ c: UInt32) -> Bool {
        (0x30A0...0x30FF).contains(c) || (0x31F0...0x31FF).contains(c) || (0x32D0...0x32FE).contains(c)
            || (0xFF66...0xFF9D).contains(c) || c == 0x1B000
    }
    private static func isHan(_ c: UInt32) -> Bool {
        (0x2E80...0x2FDF).contains(c) || c == 0x3005 || c == 0x3007 || (0x3021...0x3029).contains(c)
            || (0x3038...0x303B).contains(c) || (0x3400...0x4DBF).contains(c) || (0x4E00...0x9FFF).contains(c)
            || (0xF900...0xFAFF).contains(c) || (0x20000...0x3FFFF).contains(c)
    }

    // MARK: Bidi rule (RFC 5893 section 2), with approximate Bidi classes

    private enum Bidi { case l, r, al, an, en, es, cs, et, on, bn, nsm, other }

    private static func bidi(_ c: UInt32) -> Bidi {
        if c >= 0x30 && c <= 0x39 { return .en }
        if (0x06F0...0x06F9).contains(c) { return .en }
        if (0x0660...0x0669).contains(c) || c == 0x066B || c == 0x066C { return .an }
        if c == 0x2D { return .es }
        guard let u = Unicode.Scalar(c) else { return .other }
        let gc = u.properties.generalCategory
        if gc == .nonspacingMark || gc == .enclosingMark { return .nsm }
        let hebrewLike = (0x0590...0x05FF).contains(c) || (0x07C0...0x085F).contains(c) || (0xFB1D...0xFB4F).contains(c)
        let arabicLike = (0x0600...0x07BF).contains(c) || (0x0860...0x08FF).contains(c) || (0xFB50...0xFDFF).contains(c)
            || (0xFE70...0xFEFF).contains(c)
        if hebrewLike { return .r }
        if arabicLike { return .al }
        switch gc {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .spacingMark, .letterNumber:
            return .l
        case .format: return .bn
        default: return .on
        }
    }

    private static func isRTL(_ c: UInt32) -> Bool {
        let b = bidi(c)
        return b == .r || b == .al || b == .an
    }

    private static func satisfiesBidiRule(_ l: [UInt32]) -> Bool {
        guard let first = l.first else { return false }
        let classes = l.map(bidi)
        let last = classes.lastIndex { $0 != .nsm }.map { classes[$0] }
        switch bidi(first) {
        case .r, .al:
            let allowed: Set<Bidi> = [.r, .al, .an, .en, .es, .cs, .et, .on, .bn, .nsm]
            guard classes.allSatisfy(allowed.contains) else { return false }
            guard let last, [.r, .al, .en, .an].contains(last) else { return false }
            return !(classes.contains(.en) && classes.contains(.an))
        case .l:
            let allowed: Set<Bidi> = [.l, .en, .es, .cs, .et, .on, .bn, .nsm]
            guard classes.allSatisfy(allowed.contains) else { return false }
            guard let last, [.l, .en].contains(last) else { return false }
            return true
        default:
            return false
        }
    }
}

/// RFC 3492 Punycode, for A-labels.
enum Punycode {
    private static let base: UInt32 = 36, tmin: UInt32 = 1, tmax: UInt32 = 26, skew: UInt32 = 38, damp: UInt32 = 700

    private static func adapt(_ delta: UInt32, _ numPoints: UInt32, _ first: Bool) -> UInt32 {
        var delta = first ? delta / damp : delta / 2
        delta += delta / numPoints
        var k: UInt32 = 0
        while delta > ((base - tmin) * tmax) / 2 {
            delta /= base - tmin
            k += base
        }
        return k + (base - tmin + 1) * delta / (delta + skew)
    }

    private static func digitValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0")) + 26
        default: return nil
        }
    }

    private static func digitChar(_ d: UInt32) -> Character {
        d < 26 ? Character(Unicode.Scalar(UInt8(d) + UInt8(ascii: "a"))) : Character(Unicode.Scalar(UInt8(d - 26) + UInt8(ascii: "0")))
    }

    /// Decodes a lower-case Punycode string into code points; nil when malformed.
    static func decode(_ s: String) -> [UInt32]? {
        let input = Array(s.utf8)
        var output: [UInt32] = []
        var start = 0
        if let d = input.lastIndex(of: UInt8(ascii: "-")) {
            for b in input[..<d] {
                guard b < 0x80 else { return nil }
                output.append(UInt32(b))
            }
            start = d + 1
        }
        var n: UInt32 = 128, i: UInt32 = 0, bias: UInt32 = 72
        var pos = start
        while pos < input.count {
            let oldi = i
            var w: UInt32 = 1
            var k = base
            while true {
                guard pos < input.count, let digit = digitValue(input[pos]) else { return nil }
                pos += 1
                let (m, o1) = digit.multipliedReportingOverflow(by: w)
                let (ni, o2) = i.addingReportingOverflow(m)
                guard !o1, !o2 else { return nil }
                i = ni
                let t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias)
                if digit < t { break }
                let (nw, o3) = w.multipliedReportingOverflow(by: base - t)
                guard !o3 else { return nil }
                w = nw
                k += base
            }
            let count = UInt32(output.count + 1)
            bias = adapt(i - oldi, count, oldi == 0)
            let (nn, o4) = n.addingReportingOverflow(i / count)
            guard !o4, nn <= 0x10FFFF, !(0xD800...0xDFFF).contains(nn) else { return nil }
            n = nn
            i %= count
            output.insert(n, at: Int(i))
            i += 1
        }
        return output
    }

    static func encode(_ input: [UInt32]) -> String {
        var output = ""
        for c in input where c < 0x80 { output.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        let b = UInt32(output.unicodeScalars.count)
        var h = b
        if b > 0 { output += "-" }
        var n: UInt32 = 128, delta: UInt32 = 0, bias: UInt32 = 72
        while h < UInt32(input.count) {
            guard let m = input.filter({ $0 >= n }).min() else { break }
            delta = delta &+ (m - n) &* (h + 1)
            n = m
            for c in input {
                if c < n { delta = delta &+ 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias)
                        if q < t { break }
                        output.append(digitChar(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digitChar(q))
                    bias = adapt(delta, h + 1, h == b)
                    delta = 0
                    h += 1
                }
            }
            delta = delta &+ 1
            n += 1
        }
        return output
    }
}
