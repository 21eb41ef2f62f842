import HotswapCore
import HotswapFormats
import Testing

private func reparse(_ text: String) throws(ConfigError) -> Value {
    try TOML.parse(Array(text.utf8), options: ParseOptions(fileName: "emitted.toml"))
}

struct TOMLRoundTripCase: Sendable, CustomTestStringConvertible {
    var name: String
    var value: Value
    var testDescription: String { name }
}

struct TOMLEmitCase: Sendable, CustomTestStringConvertible {
    var name: String
    var value: Value
    var text: String
    var testDescription: String { name }
}

private func dt(_ kind: DateTime.Kind, _ y: Int = 0, _ mo: Int = 0, _ d: Int = 0, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0,
                ns: Int = 0, digits: Int = 0, offset: Int = 0) -> Value
{
    .dateTime(DateTime(kind: kind, year: y, month: mo, day: d, hour: h, minute: mi, second: s,
                       nanosecond: ns, fractionDigits: digits, offsetMinutes: offset))
}

@Suite struct TOMLEmitterTests {
    static let emitCases: [TOMLEmitCase] = [
        .init(name: "empty document", value: [:], text: ""),
        .init(name: "plain pairs first, then tables, then arrays of tables",
              value: ["title": "x", "server": ["port": 8080, "tls": ["cert": "c"]], "peers": [["name": "a"], ["name": "b"]],
                      "ratio": 0.5, "tags": ["a", "b"]],
              text: """
              title = "x"
              ratio = 0.5
              tags = ["a", "b"]

              [server]
              port = 8080

              [server.tls]
              cert = "c"

              [[peers]]
              name = "a"

              [[peers]]
              name = "b"

              """),
        .init(name: "a table holding only tables gets no header of its own",
              value: ["a": ["b": ["c": 1]]], text: "[a.b]\nc = 1\n"),
        .init(name: "empty tables keep their header", value: ["a": [:], "b": ["c": [:]]], text: "[a]\n\n[b.c]\n"),
        .init(name: "keys are quoted only when they must be",
              value: ["bare-Key_09": 1, "": 2, "a.b": 3, "a b": 4, "é": 5, "q\"k": 6],
              text: "bare-Key_09 = 1\n\"\" = 2\n\"a.b\" = 3\n\"a b\" = 4\n\"é\" = 5\n\"q\\\"k\" = 6\n"),
        .init(name: "quoted keys in headers", value: ["a.b": ["c d": ["x": 1]]], text: "[\"a.b\".\"c d\"]\nx = 1\n"),
        .init(name: "strings escape what TOML forbids raw",
              value: ["s": "line\nnext\t\"q\" \\ \u{7F}\u{1}\u{8}\u{C}\r é😀"],
              text: "s = \"line\\nnext\\t\\\"q\\\" \\\\ \\u007F\\u0001\\b\\f\\r é😀\"\n"),
        .init(name: "floats keep a point or an exponent; non-finite ones are spelled as TOML",
              value: ["a": 1.0, "b": 1e300, "c": .float(.infinity), "d": .float(-.infinity), "e": .float(.nan), "f": -0.0, "g": 0.1],
              text: "a = 1.0\nb = 1e+300\nc = inf\nd = -inf\ne = nan\nf = -0.0\ng = 0.1\n"),
        .init(name: "integers", value: ["a": .integer(.max), "b": .integer(.min), "c": 0],
              text: "a = 9223372036854775807\nb = -9223372036854775808\nc = 0\n"),
        .init(name: "date-times in their own kind",
              value: ["a": dt(.offsetDateTime, 1979, 5, 27, 7, 32, 0), "b": dt(.offsetDateTime, 1979, 5, 27, 0, 32, 0, ns: 999_000_000, digits: 3, offset: -420),
                      "c": dt(.localDateTime, 1979, 5, 27, 7, 32, 0), "d": dt(.localDate, 1979, 5, 27), "e": dt(.localTime, 0, 0, 0, 7, 32, 0, ns: 5_000, digits: 6)],
              text: "a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00.999-07:00\nc = 1979-05-27T07:32:00\nd = 1979-05-27\ne = 07:32:00.000005\n"),
        .init(name: "objects inside arrays are inline tables",
              value: ["a": [["x": 1], 2], "b": [[["y": ["z": true]]]], "c": [[:]]],
              text: "a = [{ x = 1 }, 2]\nb = [[{ y = { z = true } }]]\n\n[[c]]\n"),
        .init(name: "empty array stays a value", value: ["a": [], "t": ["b": []]], text: "a = []\n\n[t]\nb = []\n"),
        .init(name: "arrays of tables nested in arrays of tables",
              value: ["f": [["n": 1, "v": [["m": 2]], "p": ["c": 3]]]],
              text: "[[f]]\nn = 1\n\n[f.p]\nc = 3\n\n[[f.v]]\nm = 2\n"),
    ]

    @Test(arguments: emitCases)
    func writesTheExpectedText(_ c: TOMLEmitCase) throws {
        let text = try TOML.emit(c.value)
        #expect(text == c.text)
        #expect(try reparse(text) == c.value)
    }

    static let roundTripCases: [TOMLRoundTripCase] = [
        .init(name: "every scalar kind", value: [
            "b": true, "i": -42, "f": 3.25, "s": "x", "tiny": 5e-324, "big": 1.7976931348623157e308, "third": .float(1.0 / 3.0),
            "odt": dt(.offsetDateTime, 2024, 2, 29, 23, 59, 60, ns: 123_456_789, digits: 9, offset: 330),
            "ldt": dt(.localDateTime, 1, 1, 1, 0, 0, 0), "ld": dt(.localDate, 9999, 12, 31), "lt": dt(.localTime, 0, 0, 0, 23, 59, 59),
        ]),
        .init(name: "deeply mixed structure", value: [
            "a": ["b": ["c": [["d": [1, [2, ["e": [["f": 3]]]]]], ["g": [:]]]]],
            "h": [[], [[]], [["i": []]]],
        ]),
        .init(name: "keys that look like other things", value: [
            "true": 1, "1.5": 2, "[x]": 3, "#": 4, "=": 5, " ": 6, "\n": 7, "\u{0}": 8, "a\"b'c": 9,
            "t": ["x.y": ["z": 1]], "arr.ay": [["k": 1], ["k": 2]],
        ]),
        .init(name: "strings that look like other things", value: [
            "a": "true", "b": "1979-05-27", "c": "[1]", "d": "\"\"\"", "e": "'''", "f": "\\u0041", "g": "# not a comment", "h": "",
        ]),
        .init(name: "an array of tables after a sibling table", value: ["t": ["x": 1], "arr": [["a": 1], ["b": ["c": 2]]], "z": 3]),
        .init(name: "a table whose only member is an array of tables", value: ["outer": ["list": [["a": 1], ["a": 2]]]]),
    ]

    @Test(arguments: roundTripCases)
    func parsesBackEqual(_ c: TOMLRoundTripCase) throws {
        let text = try TOML.emit(c.value)
        #expect(try reparse(text) == c.value, "emitted:\n\(text)")
    }

    @Test func keepsNanosecondsEvenWhenFractionDigitsSayFewer() throws {
        let value: Value = ["t": dt(.localTime, 0, 0, 0, 1, 2, 3, ns: 120_000_000, digits: 0)]
        let text = try TOML.emit(value)
        #expect(text == "t = 01:02:03.12\n")
    }

    @Test func handlesDocumentsNestedToTheDefaultLimit() throws {
        // 256 levels: the document, then 255 arrays or inline tables.
        let arrays = "a = " + String(repeating: "[", count: 255) + String(repeating: "]", count: 255)
        let tables = "a = " + String(repeating: "{b = ", count: 255) + "1" + String(repeating: "}", count: 255)
        let headers = "[" + Array(repeating: "t", count: 255).joined(separator: ".") + "]\nk = 1"
        for text in [arrays, tables, headers] {
            let v = try reparse(text)
            let emitted = try TOML.emit(v)
            #expect(try reparse(emitted) == v)
            _ = try TOML.taggedJSON(v)
        }
    }

    // MARK: What TOML cannot express

    @Test func nullIsRejectedWithItsKeyPath() {
        let cases: [(Value, String)] = [
            (["a": nil], "'a'"),
            (["a": ["b": [1, nil]]], "'a.b.1'"),
            (["list": [["x": ["y": nil]]]], "'list.0.x.y'"),
            (["m": [[["k": nil]]]], "'m.0.0.k'"),
            (["t": ["u.v": nil]], "'/t/u.v'"),
        ]
        for (value, path) in cases {
            do {
                let text = try TOML.emit(value)
                Issue.record("expected an error, got \(text)")
            } catch {
                #expect(error.code == .unsupported)
                #expect(error.message.contains("no null") && error.message.contains(path), "\(error.message)")
            }
        }
    }

    @Test func nonObjectRootIsRejected() {
        for value: Value in [[1, 2], 1, "s", nil, true] {
            do {
                let text = try TOML.emit(value)
                Issue.record("expected an error, got \(text)")
            } catch {
                #expect(error.code == .unsupported)
                #expect(error.message.contains("needs a table at the top"), "\(error.message)")
            }
        }
    }

    @Test func dateTimesTOMLCannotWriteAreRejected() {
        let bad: [DateTime] = [
            DateTime(kind: .localDate, year: 10_000, month: 1, day: 1),
            DateTime(kind: .localDate, year: -1, month: 1, day: 1),
            DateTime(kind: .localDate, year: 2023, month: 2, day: 29),
            DateTime(kind: .localTime, hour: 24),
            DateTime(kind: .offsetDateTime, year: 2000, month: 1, day: 1, offsetMinutes: 24 * 60),
        ]
        for d in bad {
            do {
                let text = try TOML.emit(["when": .dateTime(d)])
                Issue.record("expected an error, got \(text)")
            } catch {
                #expect(error.code == .unsupported)
                #expect(error.message.contains("'when'"), "\(error.message)")
            }
        }
    }

    // MARK: toml-test tagged JSON

    @Test func taggedJSONWrapsEveryLeafWithItsType() throws {
        let v = try TOML.parse(Array("""
            i = 0x2A
            f = 1.5
            n = nan
            ni = -inf
            s = "s"
            b = true
            odt = 1979-05-27T00:32:00-07:00
            ldt = 1979-05-27T07:32:00.5
            ld = 1979-05-27
            lt = 07:32:00
            arr = [1, {x = "y"}]
            e = {}
            [[t]]
            """.utf8))
        func leaf(_ type: String, _ value: String) -> Value { ["type": .string(type), "value": .string(value)] }
        let expected: Value = [
            "i": leaf("integer", "42"), "f": leaf("float", "1.5"), "n": leaf("float", "nan"), "ni": leaf("float", "-inf"),
            "s": leaf("string", "s"), "b": leaf("bool", "true"),
            "odt": leaf("datetime", "1979-05-27T00:32:00-07:00"), "ldt": leaf("datetime-local", "1979-05-27T07:32:00.5"),
            "ld": leaf("date-local", "1979-05-27"), "lt": leaf("time-local", "07:32:00"),
            "arr": [leaf("integer", "1"), ["x": leaf("string", "y")]], "e": [:], "t": [[:]],
        ]
        #expect(try TOML.taggedJSON(v) == expected)
    }

    @Test func taggedJSONRejectsNull() {
        do {
            let v = try TOML.taggedJSON(["a": [1, nil]])
            Issue.record("expected an error, got \(v)")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("'a.1'"))
        }
    }
}
