import HotswapCore

/// The JSON parser proper: one pass over the raw bytes, no recursion.
///
/// Nesting is kept on an explicit stack of open containers, so a hostile document can only
/// make it hit `maxDepth`, never overflow the thread's stack. Line numbers are tracked while
/// skipping whitespace (the only place a line break may appear in JSON). Columns count Unicode
/// scalars; since bytes outside ASCII can only occur inside strings, each string adds its
/// UTF-8 continuation bytes to a per-line tally, and a node's column is plain arithmetic.
/// Errors, which may point inside a string, count exactly from the line start instead.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private let maxDepth: Int
    private let rejectDuplicates: Bool

    private var pos = 0
    private var line = 1
    private var lineStart = 0
    /// UTF-8 continuation bytes on the current line before `pos` (all inside finished strings).
    private var lineContinuations = 0
    /// Reused for strings that contain escapes.
    private var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, options: ParseOptions, rejectDuplicates: Bool) {
        self.bytes = bytes
        self.file = options.fileName
        self.maxDepth = options.maxDepth
        self.rejectDuplicates = rejectDuplicates
        // RFC 8259 §8.1: a parser MAY ignore a leading byte order mark. Editors write them.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            pos = 3
            lineStart = 3
        }
    }

    // MARK: Entry points

    mutating func parseDocument() throws(ConfigError) -> Value {
        skipWhitespace()
        if pos == bytes.count {
            throw error(.syntax, "empty input: expected a JSON value")
        }
        let value = try parseValue()
        skipWhitespace()
        if pos != bytes.count {
            throw error(.syntax, "unexpected \(describeHere()) after the JSON value; a document holds exactly one value")
        }
        return value
    }

    mutating func parseSequence() throws(ConfigError) -> [Value] {
        var values: [Value] = []
        skipWhitespace()
        while pos < bytes.count {
            values.append(try parseValue())
            skipWhitespace()
        }
        return values
    }

    // MARK: Structure

    /// One open array or object. Its members wait on the shared `values` and `keys` stacks
    /// until it closes, so each container is allocated once, at its final size.
    private struct Frame {
        var isObject: Bool
        var origin: Origin
        var valueStart: Int
        var keyStart: Int
        /// The keys seen so far, once an object is too large for a linear duplicate scan.
        var seen: Set<String>? = nil
    }

    /// Objects up to this many members are checked for repeated keys by a linear scan,
    /// which is cheaper than hashing for the small objects configurations are made of.
    private static let linearScanLimit = 12

    private mutating func parseValue() throws(ConfigError) -> Value {
        var stack: [Frame] = []
        let values = PendingValues()
        var keys: [String] = []
        while true {
            // Expecting a value; whitespace before it is already skipped.
            var value: Value
            guard pos < bytes.count else { throw error(.syntax, "unexpected end of input: expected a value") }
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let origin = here()
                if stack.count >= maxDepth {
                    throw ConfigError(.limit, "nesting deeper than \(maxDepth) levels (the maxDepth limit)", at: origin)
                }
                pos += 1
                skipWhitespace()
                if c == UInt8(ascii: "[") {
                    if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
                        pos += 1
                        value = Value(.array([]), origin: origin)
                    } else {
                        stack.append(Frame(isObject: false, origin: origin, valueStart: values.count, keyStart: keys.count))
                        continue
                    }
                } else {
                    if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
                        pos += 1
                        value = Value(.object(Object()), origin: origin)
                    } else {
                        stack.append(Frame(isObject: true, origin: origin, valueStart: values.count, keyStart: keys.count))
                        try readKey(frame: &stack[stack.count - 1], keys: &keys)
                        continue
                    }
                }
            case UInt8(ascii: "\""):
                let origin = here()
                value = Value(.string(try parseString()), origin: origin)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let origin = here()
                value = Value(try parseNumber(), origin: origin)
            case UInt8(ascii: "t"):
                value = Value(.bool(true), origin: try literal("true"))
            case UInt8(ascii: "f"):
                value = Value(.bool(false), origin: try literal("false"))
            case UInt8(ascii: "n"):
                value = Value(.null, origin: try literal("null"))
            default:
                throw unexpected(expected: "a value")
            }

            // A complete value: hand it to the enclosing containers, closing those that end.
            while true {
                guard let top = stack.indices.last else { return value }
                values.append(consume value)
                skipWhitespace()
                let next: UInt8 = pos < bytes.count ? bytes[pos] : 0
                if stack[top].isObject {
                    if next == UInt8(ascii: ",") {
                        pos += 1
                        try readKey(frame: &stack[top], keys: &keys)
                        break
                    } else if next == UInt8(ascii: "}") {
                        pos += 1
                        let frame = stack.removeLast()
                        let object = values.popObject(from: frame.valueStart, keys: keys[frame.keyStart...], unique: rejectDuplicates)
                        keys.removeSubrange(frame.keyStart...)
                        value = Value(.object(object), origin: frame.origin)
                    } else {
                        throw unexpected(expected: "',' or '}' after an object member")
                    }
                } else {
                    if next == UInt8(ascii: ",") {
                        pos += 1
                        skipWhitespace()
                        break
                    } else if next == UInt8(ascii: "]") {
                        pos += 1
                        let frame = stack.removeLast()
                        value = Value(.array(values.popArray(from: frame.valueStart)), origin: frame.origin)
                    } else {
                        throw unexpected(expected: "',' or ']' after an array element")
                    }
                }
            }
        }
    }

    /// Reads `"key" :` and leaves the position at the member's value.
    private mutating func readKey(frame: inout Frame, keys: inout [String]) throws(ConfigError) {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
            throw unexpected(expected: "a string key (object keys must be double-quoted strings)")
        }
        let keyStart = pos
        let key = try parseString()
        if rejectDuplicates {
            var repeated = false
            if frame.seen != nil {
                repeated = !frame.seen!.insert(key).inserted
            } else if keys.count - frame.keyStart < Self.linearScanLimit {
                repeated = keys[frame.keyStart...].contains(key)
            } else {
                frame.seen = Set(keys[frame.keyStart...])
                repeated = !frame.seen!.insert(key).inserted
            }
            if repeated {
                throw ConfigError(.duplicateKey, "duplicate key \(quoted(key)) in object", at: origin(at: keyStart))
            }
        }
        keys.append(key)
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
            throw unexpected(expected: "':' after the object key \(quoted(key))")
        }
        pos += 1
        skipWhitespace()
    }

    private mutating func literal(_ word: StaticString) throws(ConfigError) -> Origin {
        let origin = here()
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        var i = 0
        while i < n {
            guard pos + i < bytes.count, bytes[pos + i] == w[i] else {
                throw unexpected(expected: "a value")
            }
            i += 1
        }
        pos += n
        return origin
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09:
                pos += 1
            case 0x0A:
                pos += 1
                newLine()
            case 0x0D:
                pos += 1
                // CR LF is one line break; a lone CR counts as one too.
                if pos < bytes.count && bytes[pos] == 0x0A { pos += 1 }
                newLine()
            default:
                return
            }
        }
    }

    @inline(__always)
    private mutating func newLine() {
        line += 1
        lineStart = pos
        lineContinuations = 0
    }

    // MARK: Strings

    /// Parses a string literal starting at the opening quote.
    private mutating func parseString() throws(ConfigError) -> String {
        pos += 1
        let start = pos
        var i = pos
        var ascii = true
        let count = bytes.count
        // Fast path: a run without escapes, eight bytes at a time while they are plain ASCII.
        while true {
            while i + 8 <= count {
                let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if Self.isPlainASCII(word) { i += 8 } else { break }
            }
            guard i < count else {
                pos = i
                throw ConfigError(.syntax, "unterminated string: end of input before the closing '\"'", at: origin(at: start - 1))
            }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                break
            } else if b == UInt8(ascii: "\\") {
                return try parseEscapedString(start: start, escapeAt: i, ascii: ascii)
            } else if b < 0x20 {
                pos = i
                throw controlCharacter(b)
            } else {
                if b >= 0x80 { ascii = false }
                i += 1
            }
        }
        let run = UnsafeBufferPointer(rebasing: bytes[start..<i])
        if !ascii {
            try validateUTF8(from: start, to: i)
            countContinuations(run)
        }
        pos = i + 1
        return String(decoding: run, as: UTF8.self)
    }

    /// True when none of the eight bytes is a quote, a backslash, a control character or
    /// non-ASCII (classic SWAR tests; see "Bit Twiddling Hacks", "determine if a word has a
    /// byte less than n").
    @inline(__always)
    private static func isPlainASCII(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let slash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasSlash = (slash &- ones) & ~slash & highs
        let hasControl = (w &- ones &* 0x20) & ~w & highs
        return (hasQuote | hasSlash | hasControl | (w & highs)) == 0
    }

    private mutating func parseEscapedString(start: Int, escapeAt: Int, ascii: Bool) throws(ConfigError) -> String {
        scratch.removeAll(keepingCapacity: true)
        let prefix = UnsafeBufferPointer(rebasing: bytes[start..<escapeAt])
        if !ascii {
            try validateUTF8(from: start, to: escapeAt)
            countContinuations(prefix)
        }
        scratch.append(contentsOf: prefix)
        var i = escapeAt
        let count = bytes.count
        var runStart = i
        while true {
            guard i < count else {
                pos = i
                throw ConfigError(.syntax, "unterminated string: end of input before the closing '\"'", at: origin(at: start - 1))
            }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                try flushRun(runStart, i)
                break
            } else if b == UInt8(ascii: "\\") {
                try flushRun(runStart, i)
                guard i + 1 < count else {
                    pos = i
                    throw ConfigError(.syntax, "unterminated string: end of input in an escape sequence", at: origin(at: i))
                }
                let e = bytes[i + 1]
                switch e {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    i = try unicodeEscape(at: i)
                    runStart = i
                    continue
                default:
                    pos = i
                    throw error(.syntax, "invalid escape '\\\(printable(e))' in string; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX")
                }
                i += 2
                runStart = i
            } else if b < 0x20 {
                pos = i
                throw controlCharacter(b)
            } else {
                i += 1
            }
        }
        pos = i + 1
        return String(decoding: scratch, as: UTF8.self)

        func flushRun(_ from: Int, _ to: Int) throws(ConfigError) {
            guard from < to else { return }
            let run = UnsafeBufferPointer(rebasing: bytes[from..<to])
            if run.contains(where: { $0 >= 0x80 }) {
                try validateUTF8(from: from, to: to)
                countContinuations(run)
            }
            scratch.append(contentsOf: run)
        }
    }

    /// Decodes `\uXXXX` (and the low half of a surrogate pair) at `i`; returns the index
    /// after it.
    private mutating func unicodeEscape(at i: Int) throws(ConfigError) -> Int {
        let high = try hex4(at: i)
        var scalar = high
        var next = i + 6
        if (0xD800...0xDBFF).contains(high) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u") else {
                pos = i
                throw error(.encoding, "lone surrogate \\u\(hexString(high)) in string: a high surrogate must be followed by a \\u escape of a low surrogate")
            }
            let low = try hex4(at: next)
            guard (0xDC00...0xDFFF).contains(low) else {
                pos = i
                throw error(.encoding, "lone surrogate \\u\(hexString(high)) in string: it is followed by \\u\(hexString(low)), not a low surrogate")
            }
            scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            next += 6
        } else if (0xDC00...0xDFFF).contains(high) {
            pos = i
            throw error(.encoding, "lone surrogate \\u\(hexString(high)) in string: a low surrogate without a high surrogate before it")
        }
        // Encode the scalar as UTF-8.
        if scalar < 0x80 {
            scratch.append(UInt8(scalar))
        } else if scalar < 0x800 {
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        } else {
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
        return next
    }

    /// The four hex digits of the `\u` escape at `i` (which points at the backslash).
    private mutating func hex4(at i: Int) throws(ConfigError) -> UInt32 {
        var v: UInt32 = 0
        for k in 2..<6 {
            guard i + k < bytes.count else {
                pos = i
                throw error(.syntax, "incomplete \\u escape: expected four hex digits")
            }
            let d = bytes[i + k]
            let digit: UInt32
            switch d {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(d - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(d - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(d - 0x41 + 10)
            default:
                pos = i
                throw error(.syntax, "invalid \\u escape: expected four hex digits")
            }
            v = v << 4 | digit
        }
        return v
    }

    /// Checks that `bytes[from..<to]` is well-formed UTF-8 (no overlong forms, no encoded
    /// surrogates, nothing above U+10FFFF), pointing at the first bad byte otherwise.
    private mutating func validateUTF8(from: Int, to: Int) throws(ConfigError) {
        var i = from
        while i < to {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            switch utf8Sequence(bytes, at: i, end: to) {
            case let .valid(length):
                i += length
            case .badLead:
                pos = i
                throw error(.encoding, "invalid UTF-8: byte 0x\(hexString(UInt32(b0), width: 2)) cannot start a character")
            case .truncated, .malformed:
                pos = i
                throw error(.encoding, "invalid UTF-8: truncated or malformed sequence starting with byte 0x\(hexString(UInt32(b0), width: 2))")
            }
        }
    }

    private mutating func controlCharacter(_ b: UInt8) -> ConfigError {
        let name: String
        switch b {
        case 0x00: name = "a NUL byte (write it as \\u0000)"
        case 0x09: name = "a raw tab (write it as \\t)"
        case 0x0A: name = "a raw line break (write it as \\n; is a closing '\"' missing?)"
        case 0x0D: name = "a raw carriage return (write it as \\r)"
        default: name = "the raw control character U+00\(hexString(UInt32(b), width: 2)) (write it as \\u00\(hexString(UInt32(b), width: 2)))"
        }
        return ConfigError(b == 0 ? .encoding : .syntax, "string contains \(name)", at: origin(at: pos))
    }

    // MARK: Numbers

    private static let powersOf10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private mutating func parseNumber() throws(ConfigError) -> Value.Kind {
        let start = pos
        var i = pos
        let count = bytes.count
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }

        // Integer part.
        var mantissa: UInt64 = 0
        var significant = 0       // significant digits accumulated into `mantissa`
        var dropped = 0           // integer digits that did not fit in `mantissa`
        guard i < count, bytes[i] >= 0x30 && bytes[i] <= 0x39 else {
            pos = i
            throw error(.syntax, "invalid number: expected a digit after '-'")
        }
        if bytes[i] == 0x30 {
            i += 1
            if i < count && bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                pos = start
                throw error(.syntax, "invalid number: leading zeros are not allowed")
            }
        } else {
            while i < count, case let d = bytes[i] &- 0x30, d < 10 {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                } else {
                    dropped += 1
                }
                i += 1
            }
        }
        var isFloat = false
        var exponent = dropped

        // Fraction.
        if i < count && bytes[i] == UInt8(ascii: ".") {
            isFloat = true
            i += 1
            guard i < count, bytes[i] >= 0x30 && bytes[i] <= 0x39 else {
                pos = i
                throw error(.syntax, "invalid number: expected a digit after '.'")
            }
            while i < count, case let d = bytes[i] &- 0x30, d < 10 {
                if mantissa == 0 && d == 0 {
                    exponent -= 1          // leading zeros of the fraction are not significant
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                    exponent -= 1
                } else {
                    // Beyond 19 significant digits: exact only in the slow path.
                    dropped += 1
                }
                i += 1
            }
        }

        // Exponent.
        if i < count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            isFloat = true
            i += 1
            var expNegative = false
            if i < count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < count, bytes[i] >= 0x30 && bytes[i] <= 0x39 else {
                pos = i
                throw error(.syntax, "invalid number: expected a digit in the exponent")
            }
            var e = 0
            while i < count, case let d = bytes[i] &- 0x30, d < 10 {
                if e < 1_000_000 { e = e * 10 + Int(d) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        pos = i

        if !isFloat && dropped == 0 {
            if !negative && mantissa <= UInt64(Int64.max) { return .integer(Int64(mantissa)) }
            if negative && mantissa <= UInt64(Int64.max) + 1 { return .integer(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }

        // Clinger's fast path: an exactly representable mantissa and power of ten give a
        // correctly rounded product or quotient.
        if dropped == 0 && mantissa < (1 << 53) && exponent >= -22 && exponent <= 22 {
            var d = Double(mantissa)
            d = exponent >= 0 ? d * Self.powersOf10[exponent] : d / Self.powersOf10[-exponent]
            return .float(negative ? -d : d)
        }
        // Slow path: the standard library's correctly rounded conversion.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let d = Double(text) else {
            pos = start
            throw error(.syntax, "invalid number '\(text)'")
        }
        if d.isInfinite {
            pos = start
            throw error(.syntax, "number \(text.count > 40 ? String(text.prefix(40)) + "…" : text) is too large for a 64-bit float")
        }
        return .float(d)
    }

    // MARK: Locations and messages

    /// The origin of a node starting at `pos` (never inside a string).
    @inline(__always)
    private func here() -> Origin {
        Origin(file: file, line: line, column: pos - lineStart - lineContinuations + 1)
    }

    @inline(__always)
    private mutating func countContinuations(_ run: UnsafeBufferPointer<UInt8>) {
        var n = 0
        for b in run where b & 0xC0 == 0x80 { n += 1 }
        lineContinuations += n
    }

    /// The exact origin of byte `offset` on the current line, counted from the line start;
    /// for errors, which may point inside a string.
    private func origin(at offset: Int) -> Origin {
        var column = 1
        var i = lineStart
        while i < offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return Origin(file: file, line: line, column: column)
    }

    private func error(_ code: ConfigError.Code, _ message: String) -> ConfigError {
        ConfigError(code, message, at: origin(at: pos))
    }

    private mutating func unexpected(expected: String) -> ConfigError {
        if pos < bytes.count && bytes[pos] == 0 {
            return error(.encoding, "unexpected NUL byte, expected \(expected)")
        }
        if pos < bytes.count && bytes[pos] >= 0x80 {
            // Point at bad UTF-8 first: it is the more useful message.
            let save = pos
            var end = pos + 1
            while end < bytes.count && end < pos + 4 && bytes[end] & 0xC0 == 0x80 { end += 1 }
            do { try validateUTF8(from: pos, to: end) } catch { return error }
            pos = save
        }
        return error(.syntax, "unexpected \(describeHere()), expected \(expected)")
    }

    /// The token at `pos`, for messages.
    private func describeHere() -> String {
        guard pos < bytes.count else { return "end of input" }
        let b = bytes[pos]
        if b >= 0x21 && b < 0x7F {
            // Show a word, not one letter, for things like `True` or `NaN`.
            var end = pos
            while end < bytes.count && end < pos + 20,
                  case let c = bytes[end], (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x2B || c == 0x2D || c == 0x2E
            {
                end += 1
            }
            if end > pos + 1 {
                return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[pos..<end]), as: UTF8.self) + "'"
            }
            return "'" + String(UnicodeScalar(b)) + "'"
        }
        if b < 0x80 {
            return "character U+00\(hexString(UInt32(b), width: 2))"
        }
        var end = pos + 1
        while end < bytes.count && end < pos + 4 && bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[pos..<end]), as: UTF8.self) + "'"
    }

    private func printable(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "x" + hexString(UInt32(b), width: 2)
    }
}

/// The members of all open containers, in one buffer. Closing a container moves its
/// members out into their final array or object, with no copy and no reference counting,
/// which `Array`'s slice-copy-then-remove would cost.
final class PendingValues {
    private var base: UnsafeMutablePointer<Value>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 64
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func append(_ value: consuming Value) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Value>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        (base + count).initialize(to: value)
        count += 1
    }

    /// Moves the values from `start` to the end into a new array.
    func popArray(from start: Int) -> [Value] {
        let n = count - start
        let array = [Value](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: base + start, count: n)
            initialized = n
        }
        count = start
        return array
    }

    /// Moves the values from `start` to the end into an object under `keys`, one key per
    /// value. With `unique` false a repeated key keeps its first position and its last value.
    func popObject(from start: Int, keys: ArraySlice<String>, unique: Bool) -> Object {
        if unique {
            let object = Object(uniqueKeys: Array(keys), values: popArray(from: start))
            return object
        }
        var object = Object()
        var i = start
        for key in keys {
            object[key] = (base + i).move()
            i += 1
        }
        count = start
        return object
    }
}

/// `"key"` with JSON escaping, for messages.
func quoted(_ s: String) -> String {
    var out = ""
    JSON.writeString(s, to: &out)
    return out
}

func hexString(_ v: UInt32, width: Int = 4) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
