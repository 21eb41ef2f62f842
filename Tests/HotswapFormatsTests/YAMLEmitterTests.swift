import Foundation
import HotswapCore
import HotswapFormats
import HotswapTestSupport
import Testing

private func roundTrip(_ value: Value) throws -> Value {
    try YAML.parse(Array(YAML.emit(value).utf8))
}

@Suite struct YAMLEmitterTests {
    static let exact: [(Value, String)] = [
        (nil, "null\n"),
        (true, "true\n"),
        (42, "42\n"),
        (.float(1), "1.0\n"),
        (.float(-0.5), "-0.5\n"),
        (.float(1e300), "1e+300\n"),
        (.float(.infinity), ".inf\n"),
        (.float(-.infinity), "-.inf\n"),
        (.float(.nan), ".nan\n"),
        ("plain text", "plain text\n"),
        ("", "\"\"\n"),
        ("true", "\"true\"\n"),
        ("123", "\"123\"\n"),
        ("null", "\"null\"\n"),
        ("~", "\"~\"\n"),
        ("no", "\"no\"\n"),
        ("on", "\"on\"\n"),
        ("1.5", "\"1.5\"\n"),
        (".inf", "\".inf\"\n"),
        ("- item", "\"- item\"\n"),
        ("a: b", "\"a: b\"\n"),
        ("x # y", "\"x # y\"\n"),
        (" padded ", "\" padded \"\n"),
        ("tab\there", "\"tab\\there\"\n"),
        ("nul\u{0}bell\u{7}", "\"nul\\0bell\\a\"\n"),
        ("é😀", "é😀\n"),
        ([], "[]\n"),
        ([:], "{}\n"),
        ([1, "a", nil], "- 1\n- a\n- null\n"),
        (["a": 1, "b": ["c": "d"]], "a: 1\nb:\n  c: d\n"),
        (["list": [1, [2, 3], ["k": "v", "w": [:]]], "e": []],
         "list:\n  - 1\n  - - 2\n    - 3\n  - k: v\n    w: {}\ne: []\n"),
        (["true": 1, "": 2, "<<": 3, "a b": 4], "\"true\": 1\n\"\": 2\n\"<<\": 3\na b: 4\n"),
        (["text": "line 1\nline 2\n"], "text: |\n  line 1\n  line 2\n"),
        (["text": "no final break\nok"], "text: |-\n  no final break\n  ok\n"),
        (["text": "kept\n\n"], "text: |+\n  kept\n\n"),
        (["text": "  indented\nfirst\n"], "text: |2\n    indented\n  first\n"),
        (["s": ["a\nb"]], "s:\n  - |-\n    a\n    b\n"),
        ("top\nlevel", "|-\n  top\n  level\n"),
        ("  top\nlevel", "\"  top\\nlevel\"\n"),
        (["trailing": "space \nhere"], "trailing: \"space \\nhere\"\n"),
    ]

    @Test(arguments: exact)
    func emits(_ value: Value, _ text: String) throws {
        #expect(YAML.emit(value) == text)
        #expect(try YAML.parse(Array(text.utf8)) == value)
    }

    @Test func dateTimesAreQuotedStrings() throws {
        let d = DateTime(kind: .offsetDateTime, year: 1979, month: 5, day: 27, hour: 7, minute: 32)
        #expect(YAML.emit(["at": .dateTime(d)]) == "at: \"1979-05-27T07:32:00Z\"\n")
        #expect(try roundTrip(["at": .dateTime(d)]) == ["at": "1979-05-27T07:32:00Z"])
    }

    /// Strings chosen to break naive emitters: every one must come back unchanged as a
    /// value, as a key, in a sequence and as the whole document.
    static let trickyStrings: [String] = [
        "", " ", "  ", "\t", "\n", "\n\n", " \n", "\n ", "a\n", "a\n\n\n", "\na", "\n\na", " a\nb", "a\n b", "a\n\tb", "\ta\nb",
        "a \nb", "a\t\nb", "a\r\nb", "\r", "a\u{85}b", "a\u{2028}b", "\u{FEFF}bom", "x\u{7F}y", "\u{1}\u{1F}",
        "-", "--", "---", "--- x", "...", "... x", "- ", "-a", "?", "? x", "?x", ":", ":x", "x:", "x: y", "x:y", "#", "# x", "x #y", "x#y",
        "&a", "*a", "!tag", "!!str", "|", ">", "'", "\"", "''", "\"\"", "%YAML", "@x", "`x`", "[", "]", "{", "}", "[a, b]", "{a: b}",
        ",", "a, b", "a,b", "<<", "=", "~", "null", "Null", "NULL", "true", "False", "yes", "No", "ON", "off", "y", "n",
        "0", "-0", "+1", "007", "0o17", "0x1F", "1_000", "1e3", "1.", ".5", "-.inf", ".nan", ".NaN", "1.2.3", "12:30:00",
        "2001-12-14", "2001-12-14T21:59:43Z", "\\", "\\n", "a\\b", "é", "😀", "日本語", "x\u{A0}y", "\u{A0}",
        String(repeating: "long key ", count: 200), String(repeating: "x", count: 1100) + "\nsecond line",
    ]

    @Test(arguments: trickyStrings)
    func trickyStringsRoundTrip(_ s: String) throws {
        let string = Value.string(s)
        for value: Value in [string, ["k": string], [string, string], [s: "value"], ["outer": [s: [string]]], [[s: string]]] {
            let text = YAML.emit(value)
            let back: Value
            do {
                back = try YAML.parse(Array(text.utf8))
            } catch {
                Issue.record("\(s.debugDescription): emitted text does not parse: \(error)\n\(text)")
                continue
            }
            #expect(back == value, "\(s.debugDescription) emitted as:\n\(text)")
        }
    }

    @Test func numbersRoundTripExactly() throws {
        let doubles: [Double] = [0, -0.0, 1, -1, 0.1, 1 / 3, 1e-300, 5e-324, .greatestFiniteMagnitude, 1e16, 123456789.125, -2.5e-7]
        for d in doubles {
            let back = try roundTrip(.float(d))
            #expect(back.numberValue?.bitPattern == d.bitPattern && back.integerValue == nil, "\(d) -> \(YAML.emit(.float(d)))")
        }
        for i: Int64 in [0, 1, -1, .max, .min, 644] {
            #expect(try roundTrip(.integer(i)) == .integer(i))
        }
    }

    /// parse → emit → parse is the identity over everything we load from both suites.
    @Test func roundTripsEveryAcceptedConformanceDocument() throws {
        var checked = 0
        var failures: [String] = []
        func check(_ value: Value, _ name: String) {
            let text = YAML.emit(value)
            do {
                let back = try YAML.parse(Array(text.utf8))
                if back != value { failures.append("\(name): \(value) came back as \(back)\n\(text)") }
            } catch {
                failures.append("\(name): \(error)\n\(text)")
            }
            checked += 1
        }
        let jsonDir = TestPaths.conformance.appendingPathComponent("JSONTestSuite/test_parsing")
        for name in try FileManager.default.contentsOfDirectory(atPath: jsonDir.path).sorted() where name.hasSuffix(".json") {
            if let value = try? JSON.parse(readBytes(jsonDir.appendingPathComponent(name))) {
                check(value, name)
            }
        }
        let yamlDir = TestPaths.conformance.appendingPathComponent("yaml-test-suite/data")
        let fm = FileManager.default
        for id in try fm.contentsOfDirectory(atPath: yamlDir.path).sorted() {
            var dirs = [id]
            for sub in (try? fm.contentsOfDirectory(atPath: yamlDir.appendingPathComponent(id).path)) ?? [] { dirs.append(id + "/" + sub) }
            for dir in dirs {
                let url = yamlDir.appendingPathComponent(dir)
                guard fm.fileExists(atPath: url.appendingPathComponent("in.yaml").path),
                      !fm.fileExists(atPath: url.appendingPathComponent("error").path),
                      let docs = try? YAML.parseDocuments(readBytes(url.appendingPathComponent("in.yaml")))
                else { continue }
                for (i, doc) in docs.enumerated() { check(doc, "\(dir) document \(i)") }
            }
        }
        print("YAML round trip: \(checked - failures.count)/\(checked) documents from JSONTestSuite and yaml-test-suite")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(checked > 300)
    }
}
