/// A set of code points: sorted, merged ranges plus Unicode property tests, possibly inverted.
///
/// Properties stay symbolic (a predicate on the scalar) rather than being expanded into
/// ranges, because the property tables live in the standard library and expanding them would
/// cost memory for every pattern that says `\p{L}`.
struct CharSet: Sendable {
    private(set) var ranges: [ClosedRange<UInt32>] = []
    private(set) var properties: [UnicodeProperty] = []
    /// Members given as complements: `\D`, `\S`, `\W`, `\P{…}` inside a class, or the whole
    /// class of `[^…]`. A scalar belongs when it is NOT in one of these.
    private(set) var invertedMembers: [CharSet] = []
    /// Membership of the ASCII range, precomputed by `finalized()`.
    private var asciiLow: UInt64 = 0, asciiHigh: UInt64 = 0
    private var hasASCIICache = false

    init() {}
    init(ranges: [ClosedRange<UInt32>]) { for r in ranges { add(r) } }
    init(properties: [UnicodeProperty]) { self.properties = properties }

    static let digits = CharSet(ranges: [0x30...0x39])
    static let word = CharSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// ECMA-262 WhiteSpace and LineTerminator: the fixed list plus every `Zs` code point.
    static let whitespace = CharSet(ranges: [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
        0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])

    var inverted: CharSet {
        var c = CharSet()
        c.invertedMembers = [self]
        return c
    }

    mutating func add(_ r: ClosedRange<UInt32>) {
        // Insert keeping the list sorted and merged; classes are small, so linear is fine.
        var lo = r.lowerBound, hi = r.upperBound
        var out: [ClosedRange<UInt32>] = []
        var placed = false
        for x in ranges {
            if x.upperBound &+ 1 < lo {
                out.append(x)
            } else if hi &+ 1 < x.lowerBound {
                if !placed { out.append(lo...hi); placed = true }
                out.append(x)
            } else {
                lo = min(lo, x.lowerBound)
                hi = max(hi, x.upperBound)
            }
        }
        if !placed { out.append(lo...hi) }
        ranges = out
    }

    mutating func formUnion(_ other: CharSet) {
        for r in other.ranges { add(r) }
        properties += other.properties
        invertedMembers += other.invertedMembers
    }

    /// A copy with the ASCII membership table filled in, for the matcher's fast path.
    func finalized() -> CharSet {
        var c = self
        var lo: UInt64 = 0, hi: UInt64 = 0
        for v in UInt32(0)..<128 where c.slowContains(v) {
            if v < 64 { lo |= 1 << UInt64(v) } else { hi |= 1 << UInt64(v - 64) }
        }
        c.asciiLow = lo
        c.asciiHigh = hi
        c.hasASCIICache = true
        return c
    }

    func contains(_ v: UInt32) -> Bool {
        if hasASCIICache && v < 128 {
            return v < 64 ? (asciiLow >> UInt64(v)) & 1 == 1 : (asciiHigh >> UInt64(v - 64)) & 1 == 1
        }
        return slowContains(v)
    }

    private func slowContains(_ v: UInt32) -> Bool {
        var found = inRanges(v)
        if !found, !properties.isEmpty, let u = Unicode.Scalar(v) {
            found = properties.contains { $0.matches(u) }
        }
        if !found { found = invertedMembers.contains { !$0.contains(v) } }
        return found
    }

    private func inRanges(_ v: UInt32) -> Bool {
        var lo = 0, hi = ranges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if v < ranges[mid].lowerBound { hi = mid - 1 } else if v > ranges[mid].upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }
}

/// A Unicode property usable in `\p{…}`: a general category (or a group of them) or one of
/// the binary properties the standard library knows.
enum UnicodeProperty: Sendable {
    case categories(UInt32)   // bit mask over `categoryOrder`
    case any, ascii, assigned
    case alphabetic, whiteSpace, uppercase, lowercase, math, dash, hexDigit, asciiHexDigit
    case ideographic, idStart, idContinue, xidStart, xidContinue, emoji, emojiPresentation
    case noncharacter, defaultIgnorable, diacritic, extender, quotationMark, terminalPunctuation
    case whiteSpaceOrControl

    private static let categoryOrder: [Unicode.GeneralCategory] = [
        .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark,
        .decimalNumber, .letterNumber, .otherNumber,
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation,
        .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
        .spaceSeparator, .lineSeparator, .paragraphSeparator,
        .control, .format, .surrogate, .privateUse, .unassigned,
    ]

    private static func mask(_ cats: Unicode.GeneralCategory...) -> UInt32 {
        var m: UInt32 = 0
        for c in cats { if let i = categoryOrder.firstIndex(of: c) { m |= 1 << UInt32(i) } }
        return m
    }

    private static let categoryNames: [String: UInt32] = {
        var t: [String: UInt32] = [:]
        func put(_ names: [String], _ m: UInt32) { for n in names { t[n] = m } }
        put(["L", "Letter"], mask(.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter))
        put(["LC", "Cased_Letter"], mask(.uppercaseLetter, .lowercaseLetter, .titlecaseLetter))
        put(["Lu", "Uppercase_Letter"], mask(.uppercaseLetter))
        put(["Ll", "Lowercase_Letter"], mask(.lowercaseLetter))
        put(["Lt", "Titlecase_Letter"], mask(.titlecaseLetter))
        put(["Lm", "Modifier_Letter"], mask(.modifierLetter))
        put(["Lo", "Other_Letter"], mask(.otherLetter))
        put(["M", "Mark", "Combining_Mark"], mask(.nonspacingMark, .spacingMark, .enclosingMark))
        put(["Mn", "Nonspacing_Mark"], mask(.nonspacingMark))
        put(["Mc", "Spacing_Mark"], mask(.spacingMark))
        put(["Me", "Enclosing_Mark"], mask(.enclosingMark))
        put(["N", "Number"], mask(.decimalNumber, .letterNumber, .otherNumber))
        // "digit" is not an ECMA-262 name, but the JSON Schema test suite uses it for Nd.
        put(["Nd", "Decimal_Number", "digit"], mask(.decimalNumber))
        put(["Nl", "Letter_Number"], mask(.letterNumber))
        put(["No", "Other_Number"], mask(.otherNumber))
        put(["P", "Punctuation", "punct"], mask(.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                                                 .initialPunctuation, .finalPunctuation, .otherPunctuation))
        put(["Pc", "Connector_Punctuation"], mask(.connectorPunctuation))
        put(["Pd", "Dash_Punctuation"], mask(.dashPunctuation))
        put(["Ps", "Open_Punctuation"], mask(.openPunctuation))
        put(["Pe", "Close_Punctuation"], mask(.closePunctuation))
        put(["Pi", "Initial_Punctuation"], mask(.initialPunctuation))
        put(["Pf", "Final_Punctuation"], mask(.finalPunctuation))
        put(["Po", "Other_Punctuation"], mask(.otherPunctuation))
        put(["S", "Symbol"], mask(.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol))
        put(["Sm", "Math_Symbol"], mask(.mathSymbol))
        put(["Sc", "Currency_Symbol"], mask(.currencySymbol))
        put(["Sk", "Modifier_Symbol"], mask(.modifierSymbol))
        put(["So", "Other_Symbol"], mask(.otherSymbol))
        put(["Z", "Separator"], mask(.spaceSeparator, .lineSeparator, .paragraphSeparator))
        put(["Zs", "Space_Separator"], mask(.spaceSeparator))
        put(["Zl", "Line_Separator"], mask(.lineSeparator))
        put(["Zp", "Paragraph_Separator"], mask(.paragraphSeparator))
        put(["C", "Other"], mask(.control, .format, .surrogate, .privateUse, .unassigned))
        put(["Cc", "Control", "cntrl"], mask(.control))
        put(["Cf", "Format"], mask(.format))
        put(["Cs", "Surrogate"], mask(.surrogate))
        put(["Co", "Private_Use"], mask(.privateUse))
        put(["Cn", "Unassigned"], mask(.unassigned))
        return t
    }()

    private static let binaryNames: [String: UnicodeProperty] = [
        "Any": .any, "ASCII": .ascii, "Assigned": .assigned,
        "Alphabetic": .alphabetic, "Alpha": .alphabetic,
        "White_Space": .whiteSpace, "space": .whiteSpace,
        "Uppercase": .uppercase, "Upper": .uppercase, "Lowercase": .lowercase, "Lower": .lowercase,
        "Math": .math, "Dash": .dash, "Hex_Digit": .hexDigit, "Hex": .hexDigit,
        "ASCII_Hex_Digit": .asciiHexDigit, "AHex": .asciiHexDigit,
        "Ideographic": .ideographic, "Ideo": .ideographic,
        "ID_Start": .idStart, "IDS": .idStart, "ID_Continue": .idContinue, "IDC": .idContinue,
        "XID_Start": .xidStart, "XIDS": .xidStart, "XID_Continue": .xidContinue, "XIDC": .xidContinue,
        "Emoji": .emoji, "Emoji_Presentation": .emojiPresentation, "EPres": .emojiPresentation,
        "Noncharacter_Code_Point": .noncharacter, "NChar": .noncharacter,
        "Default_Ignorable_Code_Point": .defaultIgnorable, "DI": .defaultIgnorable,
        "Diacritic": .diacritic, "Dia": .diacritic, "Extender": .extender, "Ext": .extender,
        "Quotation_Mark": .quotationMark, "QMark": .quotationMark,
        "Terminal_Punctuation": .terminalPunctuation, "Term": .terminalPunctuation,
    ]

    /// Looks up `Name`, `General_Category=Name` or `gc=Name`; nil when unknown or when it
    /// names a script (`Script=Greek`), which the standard library cannot answer.
    init?(name: String) {
        var n = Substring(name)
        if n.hasPrefix("General_Category=") { n = n.dropFirst("General_Category=".count) }
        else if n.hasPrefix("gc=") { n = n.dropFirst(3) }
        if let m = Self.categoryNames[String(n)] { self = .categories(m); return }
        if n.count == name.count, let b = Self.binaryNames[name] { self = b; return }
        return nil
    }

    func matches(_ u: Unicode.Scalar) -> Bool {
        let p = u.properties
        switch self {
        case let .categories(m):
            guard let i = Self.categoryOrder.firstIndex(of: p.generalCategory) else { return false }
            return (m >> UInt32(i)) & 1 == 1
        case .any: return true
        case .ascii: return u.value < 128
        case .assigned: return p.generalCategory != .unassigned
        case .alphabetic: return p.isAlphabetic
        case .whiteSpace: return p.isWhitespace
        case .uppercase: return p.isUppercase
        case .lowercase: return p.isLowercase
        case .math: return p.isMath
        case .dash: return p.isDash
        case .hexDigit: return p.isHexDigit
        case .asciiHexDigit: return p.isASCIIHexDigit
        case .ideographic: return p.isIdeographic
        case .idStart: return p.isIDStart
        case .idContinue: return p.isIDContinue
        case .xidStart: return p.isXIDStart
        case .xidContinue: return p.isXIDContinue
        case .emoji: return p.isEmoji
        case .emojiPresentation: return p.isEmojiPresentation
        case .noncharacter: return p.isNoncharacterCodePoint
        case .defaultIgnorable: return p.isDefaultIgnorableCodePoint
        case .diacritic: return p.isDiacritic
        case .extender: return p.isExtender
        case .quotationMark: return p.isQuotationMark
        case .terminalPunctuation: return p.isTerminalPunctuation
        case .whiteSpaceOrControl: return p.isWhitespace || p.generalCategory == .control
        }
    }
}
