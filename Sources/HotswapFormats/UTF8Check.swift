/// What starts at a non-ASCII byte of the input: one well-formed UTF-8 sequence, or why not.
///
/// Shared by the JSON and TOML parsers, which check encodings themselves (on raw bytes, for
/// speed) and word their errors for their own formats.
enum UTF8Sequence: Equatable {
    /// A well-formed sequence of this many bytes (2 to 4).
    case valid(length: Int)
    /// The byte cannot start a sequence (a continuation byte, an overlong lead 0xC0/0xC1, or
    /// 0xF5 and above).
    case badLead
    /// The input ends inside the sequence.
    case truncated
    /// A continuation byte is out of range: an overlong form, a UTF-16 surrogate
    /// (U+D800-U+DFFF), or a code point above U+10FFFF.
    case malformed
}

/// Decodes the sequence at `i` (whose byte is 0x80 or above) within `p[..<end]`, following
/// RFC 3629's table of well-formed byte sequences.
@inline(__always)
func utf8Sequence(_ p: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> UTF8Sequence {
    let need: Int
    var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
    switch p[i] {
    case 0xC2...0xDF: need = 1
    case 0xE0: need = 2; lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: need = 2
    case 0xED: need = 2; upper = 0x9F
    case 0xF0: need = 3; lower = 0x90
    case 0xF1...0xF3: need = 3
    case 0xF4: need = 3; upper = 0x8F
    default: return .badLead
    }
    guard i + need < end else { return .truncated }
    let b1 = p[i + 1]
    guard b1 >= lower && b1 <= upper else { return .malformed }
    var k = 2
    while k <= need {
        guard p[i + k] & 0xC0 == 0x80 else { return .malformed }
        k += 1
    }
    return .valid(length: need + 1)
}
