/// RFC 3986 URI references: splitting into components, resolving a reference against a base
/// (for `$id` and `$ref`), and strict syntax checks (for `format: uri` and friends).
struct URIReference: Sendable, Equatable {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    /// Splits `text` with the regular expression of RFC 3986 appendix B; never fails.
    init(_ text: String) {
        var rest = Substring(text)
        fragment = nil
        if let h = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: h)...])
            rest = rest[..<h]
        }
        query = nil
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        scheme = nil
        if let c = rest.firstIndex(of: ":"), !rest[..<c].contains("/"), c != rest.startIndex {
            scheme = String(rest[..<c])
            rest = rest[rest.index(after: c)...]
        }
        authority = nil
        if rest.hasPrefix("//") {
            let a = rest.dropFirst(2)
            let end = a.firstIndex(of: "/") ?? a.endIndex
            authority = String(a[..<end])
            rest = a[end...]
        }
        path = String(rest)
    }

    init(scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    var text: String {
        var s = ""
        if let scheme { s += scheme + ":" }
        if let authority { s += "//" + authority }
        s += path
        if let query { s += "?" + query }
        if let fragment { s += "#" + fragment }
        return s
    }

    /// The reference without its fragment.
    var withoutFragment: URIReference {
        var c = self
        c.fragment = nil
        return c
    }

    /// RFC 3986 section 5.2.2: `self` resolved against `base`.
    func resolved(against base: URIReference) -> URIReference {
        if scheme != nil {
            return URIReference(scheme: scheme, authority: authority, path: Self.removeDotSegments(path), query: query, fragment: fragment)
        }
        if authority != nil {
            return URIReference(scheme: base.scheme, authority: authority, path: Self.removeDotSegments(path), query: query, fragment: fragment)
        }
        if path.isEmpty {
            return URIReference(scheme: base.scheme, authority: base.authority, path: base.path, query: query ?? base.query, fragment: fragment)
        }
        let merged: String
        if path.hasPrefix("/") {
            merged = path
        } else if base.authority != nil && base.path.isEmpty {
            merged = "/" + path
        } else if let slash = base.path.lastIndex(of: "/") {
            merged = base.path[...slash] + path
        } else {
            merged = path
        }
        return URIReference(scheme: base.scheme, authority: base.authority, path: Self.removeDotSegments(merged), query: query, fragment: fragment)
    }

    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        var out = ""
        // A straightforward transcription of the RFC's loop, on segments.
        while !input.isEmpty {
            if input.hasPrefix("../") { input = input.dropFirst(3) }
            else if input.hasPrefix("./") { input = input.dropFirst(2) }
            else if input.hasPrefix("/./") { input = input.dropFirst(2) }
            else if input == "/." { input = "/" }
            else if input.hasPrefix("/../") {
                input = input.dropFirst(3)
                if !output.isEmpty { output.removeLast() }
            } else if input == "/.." {
                input = "/"
                if !output.isEmpty { output.removeLast() }
            } else if input == "." || input == ".." {
                input = ""
            } else {
                var end = input.index(after: input.startIndex)
                if input.first != "/" { end = input.startIndex }
                let next = input[end...].firstIndex(of: "/") ?? input.endIndex
                output.append(input[..<next])
                input = input[next...]
            }
        }
        for seg in output { out += seg }
        return out
    }
}

/// Resolves `reference` against `base`, both as text.
func resolveURI(_ reference: String, against base: String) -> String {
    URIReference(reference).resolved(against: URIReference(base)).text
}

/// Splits `uri` into the part before `#` and the (still percent-encoded) fragment.
func splitFragment(_ uri: String) -> (String, String) {
    guard let h = uri.firstIndex(of: "#") else { return (uri, "") }
    return (String(uri[..<h]), String(uri[uri.index(after: h)...]))
}

/// Decodes `%XX` escapes; nil when an escape is malformed or the bytes are not UTF-8.
func percentDecode(_ s: String) -> String? {
    guard s.contains("%") else { return s }
    var bytes: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let b = it.first {
        it = it.dropFirst()
        if b == UInt8(ascii: "%") {
            guard it.count >= 2, let hi = hexDigitValue(it[it.startIndex]), let lo = hexDigitValue(it[it.startIndex + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            it = it.dropFirst(2)
        } else {
            bytes.append(b)
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

func hexDigitValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
    default: return nil
    }
}

// MARK: - strict syntax (format: uri, uri-reference, iri, iri-reference)

enum URISyntax {
    /// `URI` of RFC 3986 (absolute, fragment allowed). With `iri`, non-ASCII code points
    /// are allowed where RFC 3987 allows `ucschar`.
    static func isURI(_ s: String, iri: Bool = false) -> Bool {
        let u = Array(s.unicodeScalars)
        guard let colon = u.firstIndex(of: ":"), isScheme(u[..<colon]) else { return false }
        return isRelativeOrHierPart(u[(colon + 1)...], iri: iri, afterScheme: true)
    }

    /// `URI-reference`: a URI or a relative reference.
    static func isURIReference(_ s: String, iri: Bool = false) -> Bool {
        let u = Array(s.unicodeScalars)
        if let colon = u.firstIndex(of: ":"), !u[..<colon].contains("/"), !u[..<colon].contains("?"), !u[..<colon].contains("#") {
            guard isScheme(u[..<colon]) else { return false }
            return isRelativeOrHierPart(u[(colon + 1)...], iri: iri, afterScheme: true)
        }
        return isRelativeOrHierPart(u[...], iri: iri, afterScheme: false)
    }

    private static func isScheme(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let f = s.first, isAlpha(f) else { return false }
        return s.allSatisfy { isAlpha($0) || isDigit($0) || $0 == "+" || $0 == "-" || $0 == "." }
    }

    /// hier-part / relative-part, then `?query` and `#fragment`.
    private static func isRelativeOrHierPart(_ s: ArraySlice<Unicode.Scalar>, iri: Bool, afterScheme: Bool) -> Bool {
        var rest = s
        var fragment: ArraySlice<Unicode.Scalar>? = nil
        if let h = rest.firstIndex(of: "#") {
            fragment = rest[(h + 1)...]
            rest = rest[..<h]
        }
        var query: ArraySlice<Unicode.Scalar>? = nil
        if let q = rest.firstIndex(of: "?") {
            query = rest[(q + 1)...]
            rest = rest[..<q]
        }
        if let f = fragment, !isQueryOrFragment(f, iri: iri) { return false }
        if let q = query, !isQueryOrFragment(q, iri: iri, query: true) { return false }
        if rest.starts(with: ["/", "/"]) {
            let a = rest.dropFirst(2)
            let end = a.firstIndex(of: "/") ?? a.endIndex
            guard isAuthority(a[..<end], iri: iri) else { return false }
            return isPath(a[end...], iri: iri)
        }
        if !afterScheme, let firstSlash = rest.firstIndex(of: "/") ?? Optional(rest.endIndex),
           rest[..<firstSlash].contains(":") {
            return false   // a relative path's first segment may not contain ':'
        }
        return isPath(rest, iri: iri)
    }

    private static func isAuthority(_ s: ArraySlice<Unicode.Scalar>, iri: Bool) -> Bool {
        var host = s
        if let at = s.lastIndex(of: "@") {
            let userinfo = s[..<at]
            guard isEncodedRun(userinfo, iri: iri, extra: .colon) else { return false }
            host = s[(at + 1)...]
        }
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return false }
            let literal = String(String.UnicodeScalarView(host[(host.startIndex + 1)..<close]))
            guard isIPv6(literal) || isIPvFuture(literal) else { return false }
            let after = host[(close + 1)...]
            if after.isEmpty { return true }
            guard after.first == ":" else { return false }
            return after.dropFirst().allSatisfy(isDigit)
        }
        var name = host
        if let colon = host.lastIndex(of: ":") {
            guard host[(colon + 1)...].allSatisfy(isDigit) else { return false }
            name = host[..<colon]
        }
        return isEncodedRun(name, iri: iri, extra: [])
    }

    private static func isIPvFuture(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        guard u.count >= 4, u[0] == "v" || u[0] == "V", let dot = u.firstIndex(of: "."), dot > 1 else { return false }
        guard u[1..<dot].allSatisfy({ hexDigitValue(UInt8(truncatingIfNeeded: $0.value)) != nil && $0.isASCII }) else { return false }
        let tail = u[(dot + 1)...]
        return !tail.isEmpty && tail.allSatisfy { isUnreserved($0) || isSubDelim($0) || $0 == ":" }
    }

    private static func isPath(_ s: ArraySlice<Unicode.Scalar>, iri: Bool) -> Bool {
        isEncodedRun(s, iri: iri, extra: [.colon, .at, .slash])
    }

    private static func isQueryOrFragment(_ s: ArraySlice<Unicode.Scalar>, iri: Bool, query: Bool = false) -> Bool {
        isEncodedRun(s, iri: iri, extra: [.colon, .at, .slash, .question], privateUse: iri && query)
    }

    /// unreserved / pct-encoded / sub-delims / extra (and ucschar for IRIs, and RFC 3987
    /// `iprivate` in an IRI's query).
    /// Delimiters a component allows beyond unreserved characters and sub-delims.
    struct Extra: OptionSet {
        let rawValue: UInt8
        static let colon = Extra(rawValue: 1), at = Extra(rawValue: 2), slash = Extra(rawValue: 4), question = Extra(rawValue: 8)
    }

    private static func isEncodedRun(_ s: ArraySlice<Unicode.Scalar>, iri: Bool, extra: Extra, privateUse: Bool = false) -> Bool {
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "%" {
                guard i + 2 < s.endIndex, isHex(s[i + 1]), isHex(s[i + 2]) else { return false }
                i += 3
                continue
            }
            let allowedExtra = (c == ":" && extra.contains(.colon)) || (c == "@" && extra.contains(.at))
                || (c == "/" && extra.contains(.slash)) || (c == "?" && extra.contains(.question))
            if !(isUnreserved(c) || isSubDelim(c) || allowedExtra || (iri && isUCSChar(c)) || (privateUse && isPrivateUse(c))) {
                return false
            }
            i += 1
        }
        return true
    }

    static func isAlpha(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isHex(_ c: Unicode.Scalar) -> Bool { isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F") }
    static func isUnreserved(_ c: Unicode.Scalar) -> Bool {
        isAlpha(c) || isDigit(c) || c == "-" || c == "." || c == "_" || c == "~"
    }
    static func isSubDelim(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=": return true
        default: return false
        }
    }
    private static func isPrivateUse(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0xE000...0xF8FF).contains(v) || (0xF0000...0xFFFFD).contains(v) || (0x100000...0x10FFFD).contains(v)
    }
    private static func isUCSChar(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0xA0...0xD7FF).contains(v) || (0xF900...0xFDCF).contains(v) || (0xFDF0...0xFFEF).contains(v)
            || (v >= 0x10000 && v <= 0xEFFFD && (v & 0xFFFF) < 0xFFFE)
    }
}
