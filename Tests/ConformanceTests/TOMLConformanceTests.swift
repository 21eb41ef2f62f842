import Foundation
import HotswapCore
import HotswapFormats
import HotswapTestSupport
import Testing

/// toml-test, TOML 1.0.0 subset, run as /work/shared/conformance/SOURCES.md describes: every
/// path in `tests/files-toml-1.0.0`; valid files must decode to the tagged JSON of the `.json`
/// beside them (upstream comparison rules), invalid files must be rejected.
@Suite struct TOMLConformanceTests {
    static let testsDir = TestPaths.conformance.appendingPathComponent("toml-test/tests")

    /// Cases we knowingly fail. Empty: the requirement is 100% of both lists. A case added
    /// here needs a comment saying why.
    static let expectedFailures: Set<String> = []

    static func fileList() -> (valid: [String], invalid: [String]) {
        let list = String(decoding: readBytes(testsDir.appendingPathComponent("files-toml-1.0.0")), as: UTF8.self)
        let paths = list.split(whereSeparator: \.isNewline).map(String.init).filter { $0.hasSuffix(".toml") }
        return (paths.filter { $0.hasPrefix("valid/") }, paths.filter { $0.hasPrefix("invalid/") })
    }

    @Test func decodesEveryValidFileAndRejectsEveryInvalidFile() throws {
        let (valid, invalid) = Self.fileList()
        #expect(valid.count == 210, "the TOML 1.0.0 list should name 210 valid files")
        #expect(invalid.count == 499, "the TOML 1.0.0 list should name 499 invalid files")

        var failures: [String] = []
        var validPassed = 0
        for path in valid {
            let input = readBytes(Self.testsDir.appendingPathComponent(path))
            let jsonPath = String(path.dropLast(".toml".count)) + ".json"
            let expected = try TestJSON.parse(readBytes(Self.testsDir.appendingPathComponent(jsonPath)))
            do {
                let tagged = try TOML.taggedJSON(try TOML.parse(input, options: ParseOptions(fileName: path)))
                if let difference = TaggedJSONComparison.difference(got: tagged, want: expected, at: "") {
                    failures.append("\(path): \(difference)")
                } else {
                    validPassed += 1
                }
            } catch {
                failures.append("\(path): rejected: \(error)")
            }
        }
        var invalidPassed = 0
        for path in invalid {
            let input = readBytes(Self.testsDir.appendingPathComponent(path))
            do {
                let value = try TOML.parse(input, options: ParseOptions(fileName: path))
                failures.append("\(path): accepted, decoded as \(value)")
            } catch {
                invalidPassed += 1
            }
        }
        print("TOML 1.0 conformance: valid \(validPassed)/\(valid.count), invalid \(invalidPassed)/\(invalid.count)")
        let unexpected = failures.filter { f in !Self.expectedFailures.contains(where: { f.hasPrefix($0 + ":") }) }
        #expect(unexpected.isEmpty, "\(unexpected.count) unexpected failures:\n\(unexpected.joined(separator: "\n"))")
    }

    /// parse → emit → parse gives the same value for every valid file of the suite.
    @Test func emitRoundTripsEveryValidFile() throws {
        var failures: [String] = []
        for path in Self.fileList().valid {
            let input = readBytes(Self.testsDir.appendingPathComponent(path))
            do {
                let value = try TOML.parse(input, options: ParseOptions(fileName: path))
                let text = try TOML.emit(value)
                do {
                    let back = try TOML.parse(Array(text.utf8), options: ParseOptions(fileName: "emitted " + path))
                    if back != value {
                        failures.append("\(path): round trip differs\n  in:  \(value)\n  out: \(back)\n  text:\n\(text)")
                    }
                } catch {
                    failures.append("\(path): emitted text does not parse: \(error)\n\(text)")
                }
            } catch {
                failures.append("\(path): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) round-trip failures:\n\(failures.joined(separator: "\n"))")
    }
}

/// The comparison must bite, or 100% means nothing: these pairs are equal or different under
/// toml-test's rules.
@Suite struct TaggedJSONComparisonTests {
    static func leaf(_ type: String, _ value: String) -> Value { ["type": .string(type), "value": .string(value)] }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var got: Value
        var want: Value
        var equal: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "same integer", got: ["a": leaf("integer", "42")], want: ["a": leaf("integer", "42")], equal: true),
        .init(name: "different integer", got: ["a": leaf("integer", "43")], want: ["a": leaf("integer", "42")], equal: false),
        .init(name: "different type", got: ["a": leaf("float", "42")], want: ["a": leaf("integer", "42")], equal: false),
        .init(name: "missing key", got: [:], want: ["a": leaf("integer", "1")], equal: false),
        .init(name: "extra key", got: ["a": leaf("integer", "1"), "b": [:]], want: ["a": leaf("integer", "1")], equal: false),
        .init(name: "floats compare as numbers", got: ["a": leaf("float", "1000000.0")], want: ["a": leaf("float", "1e+06")], equal: true),
        .init(name: "different floats", got: ["a": leaf("float", "0.1")], want: ["a": leaf("float", "0.2")], equal: false),
        .init(name: "nan matches nan of any sign", got: ["a": leaf("float", "nan")], want: ["a": leaf("float", "-nan")], equal: true),
        .init(name: "nan is not inf", got: ["a": leaf("float", "nan")], want: ["a": leaf("float", "inf")], equal: false),
        .init(name: "bools ignore case", got: ["a": leaf("bool", "true")], want: ["a": leaf("bool", "TRUE")], equal: true),
        .init(name: "strings are exact", got: ["a": leaf("string", "a ")], want: ["a": leaf("string", "a")], equal: false),
        .init(name: "offset date-times compare as instants",
              got: ["a": leaf("datetime", "1979-05-27T07:32:00Z")], want: ["a": leaf("datetime", "1979-05-27T00:32:00-07:00")], equal: true),
        .init(name: "different instants",
              got: ["a": leaf("datetime", "1979-05-27T07:32:00Z")], want: ["a": leaf("datetime", "1979-05-27T07:32:00-07:00")], equal: false),
        .init(name: "space and lower case t and z",
              got: ["a": leaf("datetime", "1987-07-05T17:45:00Z")], want: ["a": leaf("datetime", "1987-07-05 17:45:00z")], equal: true),
        .init(name: "milliseconds matter", got: ["a": leaf("time-local", "10:32:00.555")], want: ["a": leaf("time-local", "10:32:00.556")], equal: false),
        .init(name: "trailing zeros do not", got: ["a": leaf("time-local", "10:32:00.5")], want: ["a": leaf("time-local", "10:32:00.500")], equal: true),
        .init(name: "local kinds compare by components",
              got: ["a": leaf("date-local", "1979-05-27")], want: ["a": leaf("date-local", "1979-05-28")], equal: false),
        .init(name: "arrays compare element-wise", got: ["a": [leaf("integer", "1")]], want: ["a": [leaf("integer", "1"), leaf("integer", "2")]], equal: false),
        .init(name: "leaf versus table", got: ["a": ["b": leaf("integer", "1")]], want: ["a": leaf("integer", "1")], equal: false),
    ]

    @Test(arguments: cases)
    func comparesByTheUpstreamRules(_ c: Case) {
        let difference = TaggedJSONComparison.difference(got: c.got, want: c.want, at: "")
        #expect((difference == nil) == c.equal, "\(difference ?? "equal")")
    }

    @Test func readsTheExpectedJSONFiles() throws {
        let v = try TestJSON.parse(Array(#"{"a": [{"type": "string", "value": "\u00e9\n\"\ud83d\ude00"}], "b": {}}"#.utf8))
        #expect(v == ["a": [["type": "string", "value": "é\n\"😀"]], "b": [:]])
    }
}

/// toml-test's comparison rules (upstream `json.go`, as SOURCES.md summarises them).
enum TaggedJSONComparison {
    /// nil when equal, else a description of the first difference.
    static func difference(got: Value, want: Value, at path: String) -> String? {
        if let w = leaf(want) {
            guard let g = leaf(got) else { return "\(path): expected a \(w.type) leaf, got \(got)" }
            guard g.type == w.type else { return "\(path): expected type \(w.type), got \(g.type)" }
            return leafsEqual(type: w.type, g.value, w.value) ? nil : "\(path): expected \(w.type) \(w.value), got \(g.value)"
        }
        switch (got.kind, want.kind) {
        case let (.object(g), .object(w)):
            let gk = Set(g.keys), wk = Set(w.keys)
            guard gk == wk else {
                return "\(path): keys differ: missing \(wk.subtracting(gk).sorted()), unexpected \(gk.subtracting(wk).sorted())"
            }
            for key in w.keys {
                if let d = difference(got: g[key]!, want: w[key]!, at: path + "." + key) { return d }
            }
            return nil
        case let (.array(g), .array(w)):
            guard g.count == w.count else { return "\(path): expected \(w.count) elements, got \(g.count)" }
            for i in w.indices {
                if let d = difference(got: g[i], want: w[i], at: path + "[\(i)]") { return d }
            }
            return nil
        default:
            return "\(path): expected \(want), got \(got)"
        }
    }

    static func leaf(_ v: Value) -> (type: String, value: String)? {
        guard let o = v.objectValue, o.count == 2, let t = o["type"]?.stringValue, let s = o["value"]?.stringValue else {
            return nil
        }
        return (t, s)
    }

    static func leafsEqual(type: String, _ a: String, _ b: String) -> Bool {
        switch type {
        case "bool":
            return a.lowercased() == b.lowercased()
        case "float":
            guard let x = Double(a), let y = Double(b) else { return false }
            return x == y || (x.isNaN && y.isNaN)
        case "datetime", "datetime-local", "date-local", "time-local":
            guard let x = Stamp(a), let y = Stamp(b) else { return false }
            return type == "datetime" ? x.instant == y.instant : x == y
        default:
            return a == b
        }
    }

    /// An RFC 3339 date, time or both, at millisecond precision (all toml-test checks).
    struct Stamp: Equatable {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0
        var offsetMinutes: Int?

        init?(_ text: String) {
            var s = Array(text.uppercased().utf8)
            if s.count > 10 && s[10] == 0x20 { s[10] = 0x54 }   // "1979-05-27 07:32:00" → T
            var i = 0
            func number(_ n: Int) -> Int? {
                guard i + n <= s.count else { return nil }
                var v = 0
                for k in 0..<n {
                    guard (0x30...0x39).contains(s[i + k]) else { return nil }
                    v = v * 10 + Int(s[i + k] - 0x30)
                }
                i += n
                return v
            }
            func expect(_ c: UInt8) -> Bool {
                guard i < s.count, s[i] == c else { return false }
                i += 1
                return true
            }
            let hasDate = s.count >= 5 && s[4] == 0x2D
            if hasDate {
                guard let y = number(4), expect(0x2D), let mo = number(2), expect(0x2D), let d = number(2) else { return nil }
                (year, month, day) = (y, mo, d)
                if i == s.count { return }
                guard expect(0x54) else { return nil }
            }
            guard let h = number(2), expect(0x3A), let mi = number(2), expect(0x3A), let sec = number(2) else { return nil }
            (hour, minute, second) = (h, mi, sec)
            if expect(0x2E) {
                var digits = 0
                while i < s.count, (0x30...0x39).contains(s[i]) {
                    if digits < 3 { millisecond = millisecond * 10 + Int(s[i] - 0x30) }
                    digits += 1
                    i += 1
                }
                for _ in min(digits, 3)..<3 { millisecond *= 10 }
            }
            if expect(0x5A) {
                offsetMinutes = 0
            } else if i < s.count, s[i] == 0x2B || s[i] == 0x2D {
                let sign = s[i] == 0x2D ? -1 : 1
                i += 1
                guard let oh = number(2), expect(0x3A), let om = number(2) else { return nil }
                offsetMinutes = sign * (oh * 60 + om)
            }
            guard i == s.count else { return nil }
        }

        /// Milliseconds since 1970-01-01T00:00Z (days from the civil calendar, H. Hinnant's method).
        var instant: Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - (offsetMinutes ?? 0) * 60
            return seconds * 1_000 + millisecond
        }
    }
}

/// A small JSON reader for toml-test's expected files (objects, arrays and strings; numbers,
/// booleans and null for completeness), so this test does not depend on the parser under test
/// or on the project's JSON parser.
enum TestJSON {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ bytes: [UInt8]) throws -> Value {
        var reader = Reader(bytes: bytes)
        let value = try reader.value()
        reader.skipSpace()
        guard reader.i == bytes.count else { throw Failure(description: "trailing data at byte \(reader.i)") }
        return value
    }

    struct Reader {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value() throws -> Value {
            skipSpace()
            guard i < bytes.count else { throw Failure(description: "unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var o = Object()
                skipSpace()
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    guard bytes[i] == UInt8(ascii: ":") else { throw Failure(description: "expected ':' at byte \(i)") }
                    i += 1
                    o[key] = try value()
                    skipSpace()
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { throw Failure(description: "expected '}' at byte \(i)") }
                    i += 1
                    return .object(o)
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [Value] = []
                skipSpace()
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    a.append(try value())
                    skipSpace()
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "]") else { throw Failure(description: "expected ']' at byte \(i)") }
                    i += 1
                    return .array(a)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            default:
                let start = i
                while i < bytes.count, !",]} \t\r\n".utf8.contains(bytes[i]) { i += 1 }
                let word = String(decoding: bytes[start..<i], as: UTF8.self)
                switch word {
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "null": return .null
                default:
                    if let n = Int64(word) { return .integer(n) }
                    if let d = Double(word) { return .float(d) }
                    throw Failure(description: "unexpected '\(word)' at byte \(start)")
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
                throw Failure(description: "bad \\u escape at byte \(i)")
            }
            i += 4
            return v
        }

        mutating func string() throws -> String {
            guard bytes[i] == UInt8(ascii: "\"") else { throw Failure(description: "expected a string at byte \(i)") }
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw Failure(description: "unterminated string") }
                let b = bytes[i]
                i += 1
                if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard b == UInt8(ascii: "\\") else { out.append(b); continue }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = UnicodeScalar(code) else { throw Failure(description: "bad code point at byte \(i)") }
                    out.append(contentsOf: String(scalar).utf8)
                default: out.append(e)
                }
            }
        }
    }
}
