import HotswapCore
import HotswapFormats
import Testing

private func parseTOML(_ text: String, _ options: ParseOptions = ParseOptions(fileName: "t.toml")) throws(ConfigError) -> Value {
    try TOML.parse(Array(text.utf8), options: options)
}

private func parseTOML(bytes: [UInt8], _ options: ParseOptions = ParseOptions(fileName: "t.toml")) throws(ConfigError) -> Value {
    try TOML.parse(bytes, options: options)
}

/// Runs `body`, which must throw, and returns the error (nil, with a recorded issue, if not).
private func failure(_ body: () throws(ConfigError) -> Value, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let v = try body()
        Issue.record("expected an error, got \(v)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

private func dt(_ kind: DateTime.Kind, _ y: Int = 0, _ mo: Int = 0, _ d: Int = 0, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0,
                ns: Int = 0, digits: Int = 0, offset: Int = 0) -> Value
{
    .dateTime(DateTime(kind: kind, year: y, month: mo, day: d, hour: h, minute: mi, second: s,
                       nanosecond: ns, fractionDigits: digits, offsetMinutes: offset))
}

struct TOMLValidCase: Sendable, CustomTestStringConvertible {
    var name: String
    var toml: String
    var expected: Value
    var testDescription: String { name }
}

struct TOMLErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var code: ConfigError.Code
    var line: Int
    var column: Int
    /// A fragment the message must contain: what an operator needs to see.
    var message: String
    var testDescription: String { name }

    init(_ name: String, _ toml: String, _ code: ConfigError.Code, _ line: Int, _ column: Int, _ message: String) {
        self.init(name, bytes: Array(toml.utf8), code, line, column, message)
    }

    init(_ name: String, bytes: [UInt8], _ code: ConfigError.Code, _ line: Int, _ column: Int, _ message: String) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.line = line
        self.column = column
        self.message = message
    }
}

@Suite struct TOMLParserTests {
    static let validCases: [TOMLValidCase] = [
        .init(name: "empty document", toml: "", expected: [:]),
        .init(name: "comments and blank lines only", toml: "# a\n\n   # b\t\n", expected: [:]),
        .init(name: "bare, quoted, literal, empty and dotted keys",
              toml: "a = 1\n\"b c\" = 2\n'd.e' = 3\nf.g = 4\n\"\" = 5\n1234 = 6\n-_- = 7\n",
              expected: ["a": 1, "b c": 2, "d.e": 3, "f": ["g": 4], "": 5, "1234": 6, "-_-": 7]),
        .init(name: "whitespace around dots in keys", toml: "a . b\t. c = 1", expected: ["a": ["b": ["c": 1]]]),
        .init(name: "dotted keys extend the same implicit table",
              toml: "fruit.apple.color = \"red\"\nfruit.apple.taste.sweet = true\nfruit.orange = 2",
              expected: ["fruit": ["apple": ["color": "red", "taste": ["sweet": true]], "orange": 2]]),
        .init(name: "decimal integers with signs and underscores",
              toml: "a = +99\nb = -17\nc = 0\nd = 1_000\ne = -0\nf = +0\ng = 5_349_221",
              expected: ["a": 99, "b": -17, "c": 0, "d": 1000, "e": 0, "f": 0, "g": 5_349_221]),
        .init(name: "hexadecimal, octal and binary integers",
              toml: "a = 0xDEAD_beef\nb = 0o755\nc = 0b1101_0110\nd = 0x0\ne = 0o0_1",
              expected: ["a": 0xDEAD_BEEF, "b": 0o755, "c": 0b1101_0110, "d": 0, "e": 1]),
        .init(name: "64-bit integer extremes",
              toml: "max = 9223372036854775807\nmin = -9223372036854775808\nhex = 0x7FFFFFFFFFFFFFFF",
              expected: ["max": .integer(.max), "min": .integer(.min), "hex": .integer(.max)]),
        .init(name: "floats: fractions, exponents, underscores",
              toml: "a = 1.0\nb = -0.01\nc = 5e+22\nd = 6.626e-34\ne = 1e06\nf = 9_224_617.445_991\ng = 1E2\nh = 0e0\ni = 0.0",
              expected: ["a": 1.0, "b": -0.01, "c": 5e22, "d": 6.626e-34, "e": 1e6, "f": 9_224_617.445_991, "g": 100.0,
                         "h": 0.0, "i": 0.0]),
        .init(name: "floats that need more than the fast path",
              toml: "a = 1.7976931348623157e308\nb = 5e-324\nc = 0.30000000000000004\nd = 123456789012345678901234567890.0",
              expected: ["a": 1.7976931348623157e308, "b": 5e-324, "c": 0.30000000000000004, "d": 123456789012345678901234567890.0]),
        .init(name: "special floats", toml: "a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan",
              expected: ["a": .float(.infinity), "b": .float(.infinity), "c": .float(-.infinity),
                         "d": .float(.nan), "e": .float(.nan), "f": .float(.nan)]),
        .init(name: "booleans", toml: "t = true\nf = false", expected: ["t": true, "f": false]),
        .init(name: "basic string escapes",
              toml: #"s = "tab\tq\"b\\s\bf\fn\nr\r u\u00E9 U\U0001F600 end""#,
              expected: ["s": "tab\tq\"b\\s\u{8}f\u{C}n\nr\r u\u{E9} U\u{1F600} end"]),
        .init(name: "basic string keeps raw UTF-8 and tabs", toml: "s = \"héllo\tw€rld 😀\"", expected: ["s": "héllo\tw€rld 😀"]),
        .init(name: "multi-line basic string trims the first newline and joins backslash-ended lines",
              toml: "s = \"\"\"\none \\\n    two \\   \n\n  three\nfour\"\"\"",
              expected: ["s": "one two three\nfour"]),
        .init(name: "multi-line basic string may end with one or two quotes",
              toml: "a = \"\"\"x\"\"\"\"\nb = \"\"\"y\"\"\"\"\"\nc = \"\"\"\"\"\"\nd = \"\"\"\"q\"\"\"\"",
              expected: ["a": "x\"", "b": "y\"\"", "c": "", "d": "\"q\""]),
        .init(name: "literal strings keep backslashes",
              toml: "p = 'C:\\Users\\nodejs'\nq = '<\\i\\c*\\s*>'\nr = ''",
              expected: ["p": "C:\\Users\\nodejs", "q": "<\\i\\c*\\s*>", "r": ""]),
        .init(name: "multi-line literal strings",
              toml: "a = '''\nfirst\n  second\\n'''\nb = ''''x'''''",
              expected: ["a": "first\n  second\\n", "b": "'x''"]),
        .init(name: "CRLF line endings, kept inside multi-line strings",
              toml: "a = 1\r\nb = \"\"\"x\r\ny\"\"\"\r\n[t]\r\nc = 2 # c\r\n",
              expected: ["a": 1, "b": "x\r\ny", "t": ["c": 2]]),
        .init(name: "offset date-times with Z, offsets, lower case and a space",
              toml: "a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00-07:00\nc = 1979-05-27 07:32:00z\nd = 1979-05-27t07:32:00+05:30",
              expected: ["a": dt(.offsetDateTime, 1979, 5, 27, 7, 32, 0),
                         "b": dt(.offsetDateTime, 1979, 5, 27, 0, 32, 0, offset: -420),
                         "c": dt(.offsetDateTime, 1979, 5, 27, 7, 32, 0),
                         "d": dt(.offsetDateTime, 1979, 5, 27, 7, 32, 0, offset: 330)]),
        .init(name: "fractional seconds kept to the nanosecond, longer fractions truncated",
              toml: "a = 1979-05-27T00:32:00.999999-07:00\nb = 07:32:00.5\nc = 07:32:00.123456789123\nd = 1979-05-27T07:32:00.000001",
              expected: ["a": dt(.offsetDateTime, 1979, 5, 27, 0, 32, 0, ns: 999_999_000, digits: 6, offset: -420),
                         "b": dt(.localTime, 0, 0, 0, 7, 32, 0, ns: 500_000_000, digits: 1),
                         "c": dt(.localTime, 0, 0, 0, 7, 32, 0, ns: 123_456_789, digits: 9),
                         "d": dt(.localDateTime, 1979, 5, 27, 7, 32, 0, ns: 1_000, digits: 6)]),
        .init(name: "local date-time, local date, local time",
              toml: "a = 1979-05-27T07:32:00\nb = 1979-05-27\nc = 00:32:00\nd = 1979-05-27 # a date, then a comment",
              expected: ["a": dt(.localDateTime, 1979, 5, 27, 7, 32, 0), "b": dt(.localDate, 1979, 5, 27),
                         "c": dt(.localTime, 0, 0, 0, 0, 32, 0), "d": dt(.localDate, 1979, 5, 27)]),
        .init(name: "leap days and a leap second",
              toml: "a = 2000-02-29\nb = 2024-02-29T23:59:60Z\nc = 0001-01-01\nd = 9999-12-31",
              expected: ["a": dt(.localDate, 2000, 2, 29), "b": dt(.offsetDateTime, 2024, 2, 29, 23, 59, 60),
                         "c": dt(.localDate, 1, 1, 1), "d": dt(.localDate, 9999, 12, 31)]),
        .init(name: "tables and sub-tables",
              toml: "top = 0\n[a]\nx = 1\n[a.b]\ny = 2\n[ c . \"d.e\" ]\nz = 3",
              expected: ["top": 0, "a": ["x": 1, "b": ["y": 2]], "c": ["d.e": ["z": 3]]]),
        .init(name: "a table implied by a header may be defined later",
              toml: "[x.y.z]\nk = 1\n[x]\nj = 2",
              expected: ["x": ["y": ["z": ["k": 1]], "j": 2]]),
        .init(name: "a header may add a sub-table under a dotted-key table",
              toml: "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true",
              expected: ["fruit": ["apple": ["color": "red", "texture": ["smooth": true]]]]),
        .init(name: "empty tables", toml: "[a]\n[b.c]\n[d]\ne = {}", expected: ["a": [:], "b": ["c": [:]], "d": ["e": [:]]]),
        .init(name: "arrays of tables with sub-tables and nested arrays",
              toml: """
              [[fruit]]
              name = "apple"
              [fruit.physical]
              color = "red"
              [[fruit.variety]]
              name = "red delicious"
              [[fruit.variety]]
              name = "granny smith"
              [[fruit]]
              name = "banana"
              [[fruit.variety]]
              name = "plantain"
              """,
              expected: ["fruit": [
                  ["name": "apple", "physical": ["color": "red"],
                   "variety": [["name": "red delicious"], ["name": "granny smith"]]],
                  ["name": "banana", "variety": [["name": "plantain"]]],
              ]]),
        .init(name: "empty array-of-tables elements", toml: "[[a]]\n[[a]]\n", expected: ["a": [[:], [:]]]),
        .init(name: "inline tables, nested and with dotted keys",
              toml: "p = { name.first = \"T\", name.last = \"P\", pt = {x = 1, y = [2]} }\ne = {}\ns = {\"a b\" = 'c'}",
              expected: ["p": ["name": ["first": "T", "last": "P"], "pt": ["x": 1, "y": [2]]], "e": [:], "s": ["a b": "c"]]),
        .init(name: "inline table values may span lines inside arrays and strings",
              toml: "t = { a = [\n  1,\n  2,\n], s = \"\"\"x\ny\"\"\" }",
              expected: ["t": ["a": [1, 2], "s": "x\ny"]]),
        .init(name: "arrays: mixed types, nesting, comments, newlines and a trailing comma",
              toml: "a = [ 1, 2.0, \"x\", true, 1979-05-27, [3, [4]], {k = 5} ]\nb = [\n  1, # one\n  # nothing\n  2,\n]\nc = []\nd = [[], [[]]]",
              expected: ["a": [1, 2.0, "x", true, dt(.localDate, 1979, 5, 27), [3, [4]], ["k": 5]],
                         "b": [1, 2], "c": [], "d": [[], [[]]]]),
        .init(name: "arrays of inline tables are plain arrays", toml: "a = [{x = 1}, {x = 2}]", expected: ["a": [["x": 1], ["x": 2]]]),
        .init(name: "key named like a value", toml: "true = 1\ninf = 2\n2001-01-01 = 3\n0x10 = 4",
              expected: ["true": 1, "inf": 2, "2001-01-01": 3, "0x10": 4]),
        .init(name: "comment right after a value and at end of input without newline",
              toml: "a = 1#c\nb = [1]# c\n[t]# c\nc = \"#\" # c", expected: ["a": 1, "b": [1], "t": ["c": "#"]]),
    ]

    @Test(arguments: validCases)
    func parsesValidDocuments(_ c: TOMLValidCase) throws {
        let v = try parseTOML(c.toml)
        #expect(v == c.expected)
    }

    @Test func keepsTheSignOfNegativeZero() throws {
        let v = try parseTOML("a = -0.0\nb = +0.0")
        #expect(v["a"]?.numberValue?.sign == .minus)
        #expect(v["b"]?.numberValue?.sign == .plus)
    }

    @Test func integersAndFloatsStayDistinct() throws {
        let v = try parseTOML("i = 1\nf = 1.0\ne = 1e0")
        #expect(v["i"]?.integerValue == 1)
        guard case .float = v["f"]?.kind, case .float = v["e"]?.kind else {
            Issue.record("1.0 and 1e0 must be floats: \(v)")
            return
        }
    }

    @Test func byteOrderMarkDoesNotShiftColumns() throws {
        let v = try parseTOML(bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1".utf8))
        #expect(v == ["a": 1])
        #expect(v["a"]?.origin?.column == 5)
        let e = failure { () throws(ConfigError) in try parseTOML(bytes: [0xEF, 0xBB, 0xBF] + Array("a = x".utf8)) }
        #expect(e?.origin?.line == 1 && e?.origin?.column == 5)
    }

    // MARK: Origins

    @Test func everyNodeCarriesItsOrigin() throws {
        let text = """
        title = "x"

        [server]
        port = 8080
        hosts = ["a", "b"]
          [server.tls]
          cert = 'c'
        [[peers]]
        name = "p"
        inline = { k = 1 }
        """
        let v = try parseTOML(text)
        func at(_ node: Value?, _ line: Int, _ column: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(node?.origin == Origin(file: "t.toml", line: line, column: column), sourceLocation: sourceLocation)
        }
        at(v, 1, 1)
        at(v["title"], 1, 9)
        at(v["server"], 3, 1)
        at(v["server"]?["port"], 4, 8)
        at(v["server"]?["hosts"], 5, 9)
        at(v["server"]?["hosts"]?[1], 5, 15)
        at(v["server"]?["tls"], 6, 3)
        at(v["server"]?["tls"]?["cert"], 7, 10)
        at(v["peers"], 8, 1)
        at(v["peers"]?[0], 8, 1)
        at(v["peers"]?[0]?["name"], 9, 8)
        at(v["peers"]?[0]?["inline"], 10, 10)
        at(v["peers"]?[0]?["inline"]?["k"], 10, 16)
    }

    @Test func implicitAndDottedTablesPointAtTheirKey() throws {
        let v = try parseTOML("x.y = 1\n[a.b]")
        #expect(v["x"]?.origin?.line == 1 && v["x"]?.origin?.column == 1)
        #expect(v["a"]?.origin?.line == 2 && v["a"]?.origin?.column == 2)
        #expect(v["a"]?["b"]?.origin?.line == 2 && v["a"]?["b"]?.origin?.column == 1)
    }

    @Test func columnsCountUnicodeScalarsNotBytes() throws {
        let v = try parseTOML("\"é€😀\" = \"ü\"\nnext = 1")
        #expect(v["é€😀"]?.origin?.column == 9)
        #expect(v["next"]?.origin == Origin(file: "t.toml", line: 2, column: 8))
        let e = failure { () throws(ConfigError) in try parseTOML("# ünïcödé\n\"é€\" = 1 x") }
        #expect(e?.origin == Origin(file: "t.toml", line: 2, column: 10))
    }

    @Test func linesAreCountedInsideMultiLineValues() throws {
        let v = try parseTOML("a = \"\"\"\n1\n2\"\"\"\nb = [\n  1,\n  2 ]\nc = '''x\ny'''\nd = 4")
        #expect(v["b"]?[1]?.origin?.line == 6)
        #expect(v["d"]?.origin == Origin(file: "t.toml", line: 9, column: 5))
    }

    // MARK: Errors

    static let errorCases: [TOMLErrorCase] = [
        // Structure
        .init("missing equals", "port 8080", .syntax, 1, 6, "expected '=' after key 'port'"),
        .init("two pairs on one line", "a = 1 b = 2", .syntax, 1, 7, "unexpected 'b' after the value of key 'a'"),
        .init("missing value", "a =", .syntax, 1, 4, "missing value after '=' for key 'a'"),
        .init("missing value before comment", "a = # x", .syntax, 1, 5, "missing value"),
        .init("value on the next line", "a =\n1", .syntax, 1, 4, "missing value"),
        .init("no key", "= 1", .syntax, 1, 1, "expected a key, found '='"),
        .init("non-ASCII bare key", "é = 1", .syntax, 1, 1, "expected a key, found 'é'"),
        .init("multi-line string as key", "\"\"\"a\"\"\" = 1", .syntax, 1, 1, "multi-line string cannot be used as a key"),
        .init("empty dotted part", "a..b = 1", .syntax, 1, 3, "expected a key"),
        .init("unclosed header", "[a", .syntax, 1, 3, "expected ']' to close the table header [a]"),
        .init("unclosed array header", "[[a]", .syntax, 1, 4, "expected ']]'"),
        .init("split array header brackets", "[ [a]]", .syntax, 1, 3, "expected a key"),
        .init("empty header", "[]", .syntax, 1, 2, "expected a key"),
        .init("text after header", "[a] x", .syntax, 1, 5, "after the table header"),
        .init("bad value", "a = yes", .syntax, 1, 5, "expected a value, found 'y'"),
        .init("capitalised boolean", "a = True", .syntax, 1, 5, "expected a value"),
        .init("boolean with trailing letters", "a = truex", .syntax, 1, 5, "invalid value 'truex'"),
        // Redefinition
        .init("duplicate key", "a = 1\na = 2", .duplicateKey, 2, 1, "duplicate key 'a' (first defined at line 1, column 5)"),
        .init("duplicate dotted key", "a.b = 1\na.b = 2", .duplicateKey, 2, 3, "duplicate key 'a.b'"),
        .init("quoted and bare key are the same key", "a = 1\n\"a\" = 2", .duplicateKey, 2, 1, "duplicate key 'a'"),
        .init("table defined twice", "[a]\n[a]", .duplicateKey, 2, 1, "table [a] is defined twice (first defined at line 1, column 1)"),
        .init("header after dotted keys", "a.b = 1\n[a]", .duplicateKey, 2, 1, "created by a dotted key"),
        .init("dotted key into a header table", "[a.b]\nc = 1\n[a]\nb.d = 2", .duplicateKey, 4, 1, "defined by a [header]"),
        .init("header through an inline table", "a = {b = 1}\n[a.c]", .duplicateKey, 2, 2, "already an inline table"),
        .init("dotted key into an inline table", "a = {b = 1}\na.c = 2", .duplicateKey, 2, 1, "inline table, which cannot be extended"),
        .init("array of tables over a static array", "a = [1]\n[[a]]", .duplicateKey, 2, 3, "already an array"),
        .init("table over an array of tables", "[[a]]\n[a]", .duplicateKey, 2, 1, "already an array of tables"),
        .init("array of tables over a table", "[a]\n[[a]]", .duplicateKey, 2, 1, "already a table"),
        .init("table over a value", "a = 1\n[a]", .duplicateKey, 2, 2, "already a value"),
        .init("dotted key through a value", "a = 1\na.b = 2", .duplicateKey, 2, 1, "already a value, not a table"),
        .init("duplicate key in inline table", "a = {x = 1, x = 2}", .duplicateKey, 1, 13, "duplicate key 'x'"),
        .init("key redefines a sub-table", "[a.b]\n[a]\nb = 1", .duplicateKey, 3, 1, "duplicate key 'b'"),
        // Integers
        .init("leading zero", "a = 01", .syntax, 1, 5, "invalid number '01': leading zeros are not allowed"),
        .init("double underscore", "a = 1__2", .syntax, 1, 5, "underscore must sit between two digits"),
        .init("trailing underscore", "a = 1_", .syntax, 1, 5, "underscore"),
        .init("leading underscore", "a = _1", .syntax, 1, 5, "expected a value, found '_'"),
        .init("empty hex", "a = 0x", .syntax, 1, 5, "expected digits after the prefix"),
        .init("bad hex digit", "a = 0xG", .syntax, 1, 5, "hexadecimal"),
        .init("bad octal digit", "a = 0o8", .syntax, 1, 5, "octal"),
        .init("bad binary digit", "a = 0b2", .syntax, 1, 5, "binary"),
        .init("signed hex", "a = +0x1", .syntax, 1, 5, "cannot have a sign"),
        .init("upper-case prefix", "a = 0X1", .syntax, 1, 5, "invalid number '0X1'"),
        .init("too large", "a = 9223372036854775808", .syntax, 1, 5, "does not fit in a 64-bit signed integer"),
        .init("too small", "a = -9223372036854775809", .syntax, 1, 5, "does not fit"),
        .init("hex too large", "a = 0x8000000000000000", .syntax, 1, 5, "does not fit"),
        .init("letters after digits", "a = 12ab", .syntax, 1, 5, "invalid number '12ab'"),
        .init("lone sign", "a = +", .syntax, 1, 5, "sign must be followed"),
        // Floats
        .init("dot without fraction", "a = 1.", .syntax, 1, 5, "decimal point must be followed by digits"),
        .init("dot without integer part", "a = .5", .syntax, 1, 5, "expected a value"),
        .init("empty exponent", "a = 1e", .syntax, 1, 5, "exponent must be followed by digits"),
        .init("dot before exponent", "a = 1.e5", .syntax, 1, 5, "decimal point"),
        .init("leading zero float", "a = 03.14", .syntax, 1, 5, "leading zeros"),
        .init("float out of range", "a = 1e400", .syntax, 1, 5, "too large"),
        .init("capitalised inf", "a = Inf", .syntax, 1, 5, "expected a value"),
        .init("infinity spelled out", "a = infinity", .syntax, 1, 5, "invalid number 'infinity'"),
        // Dates and times
        .init("February 30", "a = 1979-02-30", .syntax, 1, 5, "invalid date '1979-02-30': day 30 does not exist"),
        .init("February 29 in a common year", "a = 2023-02-29", .syntax, 1, 5, "day 29 does not exist"),
        .init("1900 is not a leap year", "a = 1900-02-29", .syntax, 1, 5, "day 29"),
        .init("month 13", "a = 1979-13-01", .syntax, 1, 5, "month must be 01 to 12"),
        .init("day zero", "a = 1979-01-00", .syntax, 1, 5, "day 0"),
        .init("hour 24", "a = 24:00:00", .syntax, 1, 5, "hour must be 00 to 23"),
        .init("minute 60", "a = 12:60:00", .syntax, 1, 5, "minute must be 00 to 59"),
        .init("second 61", "a = 12:00:61", .syntax, 1, 5, "second must be 00 to 60"),
        .init("no seconds", "a = 1979-05-27T07:32", .syntax, 1, 5, "seconds are required in TOML 1.0"),
        .init("no seconds after a space", "a = 1979-05-27 07:32Z", .syntax, 1, 5, "seconds are required"),
        .init("bad offset", "a = 1979-05-27T07:32:00+24:00", .syntax, 1, 5, "offset out of range"),
        .init("short offset", "a = 1979-05-27T07:32:00+7:00", .syntax, 1, 5, "offset must be Z or ±HH:MM"),
        .init("offset on a local time", "a = 07:32:00Z", .syntax, 1, 5, "unexpected 'Z'"),
        .init("fraction without digits", "a = 07:32:00.", .syntax, 1, 5, "decimal point must be followed by digits"),
        .init("five-digit year", "a = 10000-01-01", .syntax, 1, 5, "invalid number"),
        .init("one-digit month", "a = 1979-5-27", .syntax, 1, 5, "invalid date or time"),
        // Strings
        .init("unterminated string", "a = \"abc", .syntax, 1, 5, "unterminated string: reached end of input"),
        .init("line break in a string", "a = \"ab\ncd\"", .syntax, 1, 8, "line break inside a single-line string"),
        .init("unknown escape", "a = \"x\\q\"", .syntax, 1, 7, "invalid escape sequence \\q"),
        .init("TOML 1.1 escape \\e", "a = \"\\e\"", .syntax, 1, 6, "invalid escape sequence \\e"),
        .init("short unicode escape", "a = \"\\u12\"", .syntax, 1, 6, "needs exactly 4 hex digits"),
        .init("surrogate escape", "a = \"\\uD800\"", .syntax, 1, 6, "U+D800 is not a Unicode scalar value"),
        .init("escape beyond U+10FFFF", "a = \"\\U00110000\"", .syntax, 1, 6, "not a Unicode scalar value"),
        .init("backslash-newline in a one-line string", "a = \"x\\\ny\"", .syntax, 1, 7, "only allowed in a multi-line string"),
        .init("whitespace after line-ending backslash then text", "a = \"\"\"x\\  y\"\"\"", .syntax, 1, 9, "invalid escape"),
        .init("unterminated multi-line string", "a = \"\"\"abc\n", .syntax, 1, 5, "unterminated multi-line string"),
        .init("unterminated literal string", "a = 'abc\n", .syntax, 1, 9, "unterminated literal string"),
        .init("six closing quotes", "a = '''x''''''", .syntax, 1, 14, "too many quotes"),
        .init("unterminated multi-line literal", "a = '''abc", .syntax, 1, 5, "unterminated multi-line literal string"),
        // Arrays and inline tables
        .init("missing comma in array", "a = [1 2]", .syntax, 1, 8, "expected ',' or ']' after an array element, found '2'"),
        .init("unterminated array", "a = [1,", .syntax, 1, 8, "unterminated array"),
        .init("empty array element", "a = [,]", .syntax, 1, 6, "expected a value, found ','"),
        .init("double comma", "a = [1,,2]", .syntax, 1, 8, "expected a value, found ','"),
        .init("trailing comma in inline table", "a = {b = 1,}", .syntax, 1, 12, "trailing comma"),
        .init("line break in inline table", "a = {b = 1\n}", .syntax, 1, 11, "must close on the line it opens"),
        .init("missing comma in inline table", "a = {b = 1 c = 2}", .syntax, 1, 12, "expected ',' or '}' after the value of key 'b'"),
        .init("missing value in inline table", "a = {b = }", .syntax, 1, 10, "missing value after '=' for key 'b' in inline table"),
        .init("unterminated inline table", "a = {b = 1", .syntax, 1, 11, "expected ',' or '}'"),
        // Encoding
        .init("invalid UTF-8 byte", bytes: Array("a = \"".utf8) + [0xFF] + Array("\"".utf8), .encoding, 1, 6, "invalid UTF-8"),
        .init("invalid UTF-8 in a comment", bytes: Array("a = 1 # ".utf8) + [0xC3, 0x28], .encoding, 1, 9, "invalid UTF-8"),
        .init("truncated UTF-8 sequence", bytes: Array("a = \"".utf8) + [0xE2, 0x82], .encoding, 1, 6, "truncated"),
        .init("overlong encoding", bytes: Array("a = \"".utf8) + [0xC0, 0x80, 0x22], .encoding, 1, 6, "invalid UTF-8"),
        .init("encoded surrogate", bytes: Array("a = \"".utf8) + [0xED, 0xA0, 0x80, 0x22], .encoding, 1, 6, "invalid UTF-8"),
        .init("NUL byte in a string", bytes: Array("a = \"x".utf8) + [0x00] + Array("\"".utf8), .encoding, 1, 7, "control character U+0000"),
        .init("NUL byte between lines", bytes: Array("a = 1\n".utf8) + [0x00], .encoding, 2, 1, "U+0000"),
        .init("DEL in a comment", bytes: Array("# x".utf8) + [0x7F], .encoding, 1, 4, "U+007F"),
        .init("raw control character in a string", bytes: Array("a = \"".utf8) + [0x1B] + Array("\"".utf8), .encoding, 1, 6, "U+001B"),
        .init("lone carriage return", bytes: Array("a = 1\rb = 2".utf8), .encoding, 1, 6, "carriage return must be followed by a line feed"),
        .init("byte order mark not at the start", bytes: Array("a = 1\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b = 2".utf8), .syntax, 2, 1, "expected a key"),
        .init("UTF-16 input", bytes: [0xFF, 0xFE, 0x61, 0x00], .encoding, 1, 1, "invalid UTF-8"),
    ]

    @Test(arguments: errorCases)
    func rejectsBadInputWithALocatedError(_ c: TOMLErrorCase) {
        let e = failure { () throws(ConfigError) in try parseTOML(bytes: c.bytes) }
        guard let e else { return }
        #expect(e.code == c.code, "code \(e.code) for \(e)")
        #expect(e.origin == Origin(file: "t.toml", line: c.line, column: c.column), "origin of \(e)")
        #expect(e.message.contains(c.message), "message: \(e.message)")
        #expect(e.description.hasPrefix("t.toml:\(c.line):\(c.column): "))
    }

    // MARK: Limits and hostile input

    @Test func rejectsInputOverTheSizeLimitBeforeParsing() {
        let options = ParseOptions(fileName: "big.toml", maxInputBytes: 100)
        let ok = Array(("a = \"" + String(repeating: "x", count: 94) + "\"").utf8)
        #expect(ok.count == 100)
        #expect(throws: Never.self) { _ = try TOML.parse(ok, options: options) }
        // One byte over: rejected even though the excess is garbage that would not parse.
        let e = failure { () throws(ConfigError) in try TOML.parse(ok + [0xFF], options: options) }
        #expect(e?.code == .limit)
        #expect(e?.message.contains("101 bytes, more than the limit of 100 bytes") == true)
        #expect(e?.origin?.file == "big.toml")
    }

    @Test func rejectsA100MBInputAgainstTheDefaultLimit() {
        let huge = [UInt8](repeating: 0x61, count: 100 << 20)
        let e = failure { () throws(ConfigError) in try TOML.parse(huge) }
        #expect(e?.code == .limit)
    }

    static let deep = 100_000

    @Test func deeplyNestedArraysGiveALimitError() {
        let text = "a = " + String(repeating: "[", count: Self.deep) + String(repeating: "]", count: Self.deep)
        let e = failure { () throws(ConfigError) in try parseTOML(text) }
        #expect(e?.code == .limit)
        // The document is level 1, so the 256th bracket is the first one over the default
        // limit of 256 levels.
        #expect(e?.origin == Origin(file: "t.toml", line: 1, column: 5 + 255))
        #expect(e?.message.contains("limit of 256") == true)
    }

    @Test func deeplyNestedInlineTablesGiveALimitError() {
        let text = "a = " + String(repeating: "{b=", count: Self.deep) + "1" + String(repeating: "}", count: Self.deep)
        let e = failure { () throws(ConfigError) in try parseTOML(text) }
        #expect(e?.code == .limit)
        #expect(e?.origin?.line == 1)
    }

    @Test func unclosedDeepNestingGivesALimitErrorNotACrash() {
        let e = failure { () throws(ConfigError) in try parseTOML("a = " + String(repeating: "[{x=", count: Self.deep)) }
        #expect(e?.code == .limit)
    }

    @Test func deeplyNestedHeadersAndDottedKeysGiveALimitError() {
        let path = Array(repeating: "a", count: Self.deep).joined(separator: ".")
        for text in ["[\(path)]", "[[\(path)]]", "\(path) = 1", "x = {\(path) = 1}"] {
            let e = failure { () throws(ConfigError) in try parseTOML(text) }
            #expect(e?.code == .limit, "\(text.prefix(20))…: \(String(describing: e?.description.prefix(300)))")
            #expect((e?.description.count ?? 0) < 300, "an operator gets one readable line")
        }
    }

    @Test func nestingExactlyAtTheLimitIsAccepted() throws {
        // Five levels: the document and four containers below it (JSON counts the same way).
        let options = ParseOptions(fileName: "t.toml", maxDepth: 5)
        #expect(try parseTOML("a = [[[[1]]]]", options)["a"] == [[[[1]]]])
        #expect(try parseTOML("[a.b.c.d]\ne = 1", options)["a"]?["b"]?["c"]?["d"]?["e"] == 1)
        #expect(try parseTOML("a.b.c.d.e = 1", options)["a"]?["b"]?["c"]?["d"]?["e"] == 1)
        #expect(try parseTOML("a = {b = {c = {d = {e = 1}}}}", options)["a"]?["b"]?["c"]?["d"]?["e"] == 1)
        #expect(try parseTOML("[[a]]\nb.c = [1]", options)["a"]?[0]?["b"]?["c"] == [1])
        for text in ["a = [[[[[1]]]]]", "[a.b.c.d.e]\nf = 1", "a.b.c.d.e.f = 1", "a = {b = {c = {d = {e = {f = 1}}}}}",
                     "[a.b.c.d]\ne = [1]", "[[a.b]]\nc.d.e = 1"]
        {
            let e = failure { () throws(ConfigError) in try parseTOML(text, options) }
            #expect(e?.code == .limit, "\(text): \(String(describing: e))")
        }
    }

    @Test func manyLinesOfGarbageFailFastAtTheFirstOne() {
        let text = String(repeating: "= = = =\n", count: 200_000)
        let e = failure { () throws(ConfigError) in try parseTOML(text) }
        #expect(e?.origin?.line == 1)
    }

    @Test func findsAForbiddenByteAtAnyPositionOfALongLine() {
        // The input check skips eight bytes at a time; a bad byte must be found wherever it sits.
        let forbidden: [UInt8] = Array(0x00...0x08) + Array(0x0B...0x1F) + [0x7F, 0x80, 0xFF]
        for b in forbidden {
            for position in 0..<17 {
                var line = Array("# ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 24)
                line[2 + position] = b
                let e = failure { () throws(ConfigError) in try parseTOML(bytes: Array("a = 1\n".utf8) + line + [0x0A]) }
                #expect(e?.code == .encoding, "byte \(b) at \(position)")
                #expect(e?.origin == Origin(file: "t.toml", line: 2, column: 3 + position), "byte \(b) at \(position)")
            }
        }
    }

    @Test func acceptsEveryPrintableCharacterTabAndLineBreakInComments() throws {
        let printable = String(decoding: Array(0x20...0x7E) as [UInt8], as: UTF8.self)
        let text = "# \(printable)\t\r\n#\t\t\t\t\t\t\t\t\t\t\n# é€😀 \(printable)\na = 1 # \(printable)\n"
        #expect(try parseTOML(text) == ["a": 1])
    }

    @Test func longLinesParseInLinearTimeWithExactColumns() throws {
        // Columns are counted in Unicode scalars along the line; a position asked for out of
        // order (a dotted key's table after its value) must not rescan a huge line each time.
        let pairs = 20_000
        var text = "x = {\"é\" = 0"
        var scalars = text.unicodeScalars.count
        var keyColumns: [Int] = []
        for i in 0..<pairs {
            let pair = ", k\(i).a = [[\(i)]]"
            keyColumns.append(scalars + 3)
            text += pair
            scalars += pair.unicodeScalars.count
        }
        text += "}"
        let clock = ContinuousClock()
        let started = clock.now
        let v = try parseTOML(text)
        // Generous: linear work takes well under a second even in a debug build; quadratic
        // work on this 400 KB line takes minutes.
        #expect(clock.now - started < .seconds(30))
        for i in [0, 1, pairs / 2, pairs - 1] {
            #expect(v["x"]?["k\(i)"]?.origin?.column == keyColumns[i])
            #expect(v["x"]?["k\(i)"]?["a"]?[0]?.origin?.column == keyColumns[i] + "k\(i).a = [".count)
        }
    }

    @Test func invalidUTF8AnywhereIsAnEncodingError() {
        // Every truncation of a valid multi-byte character, at the end and before a quote.
        for scalar in ["é", "€", "😀"] {
            let utf8 = Array(scalar.utf8)
            for cut in 1..<utf8.count {
                for tail in [[], Array("\"".utf8)] {
                    let bytes = Array("a = \"".utf8) + utf8[..<cut] + tail
                    let e = failure { () throws(ConfigError) in try parseTOML(bytes: bytes) }
                    #expect(e?.code == .encoding, "\(bytes)")
                }
            }
        }
    }
}
