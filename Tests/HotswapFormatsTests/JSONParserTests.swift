import HotswapCore
import HotswapFormats
import Testing

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

private func parse(_ s: String, _ options: ParseOptions = ParseOptions(fileName: "t.json")) throws(ConfigError) -> Value {
    try JSON.parse(bytes(s), options: options)
}

@Suite struct JSONParserTests {
    // MARK: Accepted documents

    static let accepted: [(String, Value)] = [
        ("null", nil),
        ("true", true),
        ("false", false),
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("-17", -17),
        ("9223372036854775807", .integer(.max)),
        ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .float(9223372036854775808.0)),
        ("-9223372036854775809", .float(-9223372036854775809.0)),
        ("123456789012345678901234567890", .float(1.2345678901234568e29)),
        ("1.0", .float(1.0)),
        ("-0.0", .float(-0.0)),
        ("1e2", .float(100)),
        ("1E+2", .float(100)),
        ("1.5e-3", .float(0.0015)),
        ("0.1", .float(0.1)),
        ("3.141592653589793", .float(3.141592653589793)),
        ("2.2250738585072014e-308", .float(2.2250738585072014e-308)),
        ("1.7976931348623157e308", .float(1.7976931348623157e308)),
        ("4.9e-324", .float(4.9e-324)),
        ("1e-400", .float(0)),
        ("0.30000000000000004", .float(0.30000000000000004)),
        ("123456789012345678.5", .float(123456789012345678.5)),
        (#""""#, ""),
        (#""abc""#, "abc"),
        (#""\" \\ \/ \b \f \n \r \t""#, "\" \\ / \u{08} \u{0C} \n \r \t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\u0000""#, "\u{0}"),
        ("\"Grüße 😀\"", "Grüße 😀"),
        ("[]", []),
        ("{}", [:]),
        ("[1, \"a\", null, true, [], {}]", [1, "a", nil, true, [], [:]]),
        (#"{"a": {"b": [1, 2]}, "c": "d"}"#, ["a": ["b": [1, 2]], "c": "d"]),
        ("  \t\r\n[ 1 ,\n 2 ]\r\n ", [1, 2]),
        ("\u{FEFF}{\"bom\": true}", ["bom": true]),
    ]

    @Test(arguments: accepted)
    func accepts(_ text: String, _ expected: Value) throws {
        let value = try parse(text)
        #expect(value == expected)
        if case let .float(d) = expected.kind {
            // Same bits, so -0.0 stays negative and nothing is off by one ulp.
            #expect(value.numberValue?.bitPattern == d.bitPattern, "\(text)")
            #expect(value.integerValue == nil, "\(text) must be a float")
        }
    }

    @Test func integersAndFloatsStayDistinct() throws {
        #expect(try parse("1").kind.isInteger)
        #expect(try !parse("1.0").kind.isInteger)
        #expect(try !parse("1e0").kind.isInteger)
    }

    @Test func keepsKeyOrder() throws {
        let v = try parse(#"{"z": 1, "a": 2, "m": 3}"#)
        #expect(v.objectValue?.keys == ["z", "a", "m"])
    }

    @Test func largeObjectsUseTheSetForDuplicates() throws {
        let members = (0..<100).map { "\"k\($0)\": \($0)" }
        let v = try parse("{" + members.joined(separator: ",") + "}")
        #expect(v.objectValue?.count == 100)
        #expect(v["k99"] == 99)
        let error = #expect(throws: ConfigError.self) {
            try parse("{" + members.joined(separator: ",") + ", \"k42\": 0}")
        }
        #expect(error?.code == .duplicateKey)
    }

    // MARK: Origins

    @Test func everyNodeCarriesItsOrigin() throws {
        let text = "{\n  \"a\": [1, \"é\", true],\n  \"b\": {\"c\": null}\n}"
        let v = try parse(text)
        #expect(v.origin == Origin(file: "t.json", line: 1, column: 1))
        #expect(v["a"]?.origin == Origin(file: "t.json", line: 2, column: 8))
        #expect(v["a"]?[0]?.origin == Origin(file: "t.json", line: 2, column: 9))
        #expect(v["a"]?[1]?.origin == Origin(file: "t.json", line: 2, column: 12))
        // Columns count Unicode scalars, not bytes: "é" is one column.
        #expect(v["a"]?[2]?.origin == Origin(file: "t.json", line: 2, column: 17))
        #expect(v["b"]?.origin == Origin(file: "t.json", line: 3, column: 8))
        #expect(v["b"]?["c"]?.origin == Origin(file: "t.json", line: 3, column: 14))
    }

    @Test func crlfCountsAsOneLineBreak() throws {
        let v = try parse("[\r\n1,\r\n2]")
        #expect(v[1]?.origin?.line == 3)
        #expect(v[1]?.origin?.column == 1)
    }

    @Test func byteOrderMarkIsNotAColumn() throws {
        let v = try parse("\u{FEFF}[7]")
        #expect(v.origin?.column == 1)
        #expect(v[0]?.origin?.column == 2)
    }

    // MARK: Rejected documents, with locations

    static let rejected: [(text: String, code: ConfigError.Code, line: Int, column: Int)] = [
        ("", .syntax, 1, 1),
        ("   ", .syntax, 1, 4),
        ("[1, 2", .syntax, 1, 6),
        ("[1 2]", .syntax, 1, 4),
        ("[1,]", .syntax, 1, 4),
        ("{\"a\":1,}", .syntax, 1, 8),
        ("{\"a\" 1}", .syntax, 1, 6),
        ("{a: 1}", .syntax, 1, 2),
        ("{'a': 1}", .syntax, 1, 2),
        ("[01]", .syntax, 1, 2),
        ("[-]", .syntax, 1, 3),
        ("[1.]", .syntax, 1, 4),
        ("[.5]", .syntax, 1, 2),
        ("[1e]", .syntax, 1, 4),
        ("[+1]", .syntax, 1, 2),
        ("[NaN]", .syntax, 1, 2),
        ("[Infinity]", .syntax, 1, 2),
        ("[1e400]", .syntax, 1, 2),
        ("[True]", .syntax, 1, 2),
        ("[nul]", .syntax, 1, 2),
        ("[1] [2]", .syntax, 1, 5),
        ("// comment\n1", .syntax, 1, 1),
        ("[1] // comment", .syntax, 1, 5),
        ("\"abc", .syntax, 1, 1),
        ("\"a\\x\"", .syntax, 1, 3),
        ("\"\\u12\"", .syntax, 1, 2),
        ("\"\\uZZZZ\"", .syntax, 1, 2),
        ("[\"tab\there\"]", .syntax, 1, 6),
        ("[\"line\nbreak\"]", .syntax, 1, 7),
        // Columns count characters, before and inside strings with non-ASCII text.
        ("[\"éé\tx\"]", .syntax, 1, 5),
        ("[\"é😀\", x]", .syntax, 1, 8),
        ("[\"é\\n😀\\q\"]", .syntax, 1, 7),
        ("{\"a\": 1,\n \"a\": 2}", .duplicateKey, 2, 2),
        ("[{\"x\": {\"k\": 1, \"k\": 2}}]", .duplicateKey, 1, 17),
        // Lone surrogates cannot be represented in a Swift string: rejected.
        ("[\"\\ud800\"]", .encoding, 1, 3),
        ("[\"\\udc00\"]", .encoding, 1, 3),
        ("[\"\\ud800\\u0041\"]", .encoding, 1, 3),
        ("[\"\\ud800x\"]", .encoding, 1, 3),
        // Raw NUL bytes, inside and outside strings.
        ("[\"a\u{0}b\"]", .encoding, 1, 4),
        ("[1,\u{0}2]", .encoding, 1, 4),
        ("\u{0}", .encoding, 1, 1),
        ("\u{FEFF}", .syntax, 1, 1),
    ]

    @Test(arguments: rejected)
    func rejectsWithLocation(_ text: String, _ code: ConfigError.Code, _ line: Int, _ column: Int) {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.code == code, "\(String(describing: error))")
        #expect(error?.origin?.line == line && error?.origin?.column == column, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("t.json:\(line):\(column): ") == true, "\(String(describing: error))")
    }

    @Test func duplicateKeyMessageNamesTheKey() {
        let error = #expect(throws: ConfigError.self) { try parse("{\"port\": 1, \"port\": 2}") }
        #expect(error?.description == "t.json:1:13: duplicate key \"port\" in object")
    }

    @Test func messagesSayWhatWasExpected() {
        let error = #expect(throws: ConfigError.self) { try parse("{\"a\": 1 \"b\": 2}") }
        #expect(error?.message.contains("expected ',' or '}'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("'\"'") == true, "\(String(describing: error))")
    }

    static let invalidUTF8: [([UInt8], Int)] = [
        ([0x22, 0xFF, 0x22], 2),                   // never valid
        ([0x22, 0xC3, 0x22], 2),                   // truncated sequence
        ([0x22, 0xC0, 0xAF, 0x22], 2),             // overlong '/'
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 2),       // encoded surrogate U+D800
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2), // above U+10FFFF
        ([0x22, 0x61, 0x80, 0x22], 3),             // lone continuation byte
        ([0x5B, 0xE9, 0x5D], 2),                   // Latin-1 outside a string
    ]

    @Test(arguments: invalidUTF8)
    func rejectsInvalidUTF8(_ input: [UInt8], _ column: Int) {
        let error = #expect(throws: ConfigError.self) { try JSON.parse(input, options: ParseOptions(fileName: "t.json")) }
        #expect(error?.code == .encoding, "\(String(describing: error))")
        #expect(error?.origin?.column == column, "\(String(describing: error))")
    }

    // MARK: Limits and hostile input

    @Test func deepNestingIsALimitErrorNotAStackOverflow() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: ConfigError.self) { try parse(deep) }
        #expect(error?.code == .limit)
        #expect(error?.origin?.column == 257, "the 257th '[' is one level too deep for the default 256")
        #expect(error?.message.contains("256") == true)

        let objects = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(throws: ConfigError(.limit, "")) { try parse(objects) }
    }

    @Test func depthLimitIsExact() throws {
        let options = ParseOptions(fileName: "t.json", maxDepth: 3)
        _ = try parse("[[[1]]]", options)
        _ = try parse("[[{}]]", options)  // an empty container still counts: 3 levels
        #expect(throws: ConfigError(.limit, "")) { try parse("[[[[1]]]]", options) }
    }

    @Test func unclosedDeepNestingWithoutADepthLimitIsASyntaxError() {
        // The parser keeps open containers on the heap: lifting the limit cannot crash it.
        let options = ParseOptions(fileName: "t.json", maxDepth: .max)
        let error = #expect(throws: ConfigError.self) { try parse(String(repeating: "[", count: 100_000), options) }
        #expect(error?.code == .syntax)
    }

    @Test func inputLargerThanTheLimitIsRejectedBeforeParsing() {
        // 100 MB of spaces and a value, against the default 64 MiB limit.
        var huge = [UInt8](repeating: 0x20, count: 100_000_000)
        huge[huge.count - 1] = UInt8(ascii: "1")
        let error = #expect(throws: ConfigError.self) { try JSON.parse(huge, options: ParseOptions(fileName: "big.json")) }
        #expect(error?.code == .limit)
        #expect(error?.description.hasPrefix("big.json: input is 100000000 bytes") == true, "\(String(describing: error))")

        let small = ParseOptions(maxInputBytes: 4)
        #expect(throws: ConfigError(.limit, "")) { try JSON.parse(bytes("12345"), options: small) }
        #expect(throws: Never.self) { try JSON.parse(bytes("1234"), options: small) }
    }

    // MARK: Sequences

    static let sequences: [(String, [Value])] = [
        ("", []),
        (" \n ", []),
        ("1", [1]),
        ("{\"a\": 1}\n{\"b\": 2}\n", [["a": 1], ["b": 2]]),
        ("[] \"x\" null", [[], "x", nil]),
    ]

    @Test(arguments: sequences)
    func parsesSequences(_ text: String, _ expected: [Value]) throws {
        #expect(try JSON.parseSequence(bytes(text)) == expected)
    }

    @Test func sequencesReportErrorsWithLocation() {
        let error = #expect(throws: ConfigError.self) { try JSON.parseSequence(bytes("1\n[2,"), options: ParseOptions(fileName: "s.json")) }
        #expect(error?.origin == Origin(file: "s.json", line: 2, column: 4))
    }
}

private extension Value.Kind {
    var isInteger: Bool { if case .integer = self { return true } else { return false } }
}
