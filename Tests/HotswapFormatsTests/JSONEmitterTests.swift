import Foundation
import HotswapCore
import HotswapFormats
import HotswapTestSupport
import Testing

@Suite struct JSONEmitterTests {
    static let compact: [(Value, String)] = [
        (nil, "null"),
        (true, "true"),
        (-12, "-12"),
        (.float(1), "1.0"),
        (.float(0.1), "0.1"),
        (.float(1e300), "1e+300"),
        (.float(-0.0), "-0.0"),
        (.float(.nan), "\"nan\""),
        (.float(-.infinity), "\"-inf\""),
        ("a\"b\\c\n\u{1}", #""a\"b\\c\n\u0001""#),
        ("é😀", "\"é😀\""),
        ([], "[]"),
        ([:], "{}"),
        ([1, [2, [:]]], "[1,[2,{}]]"),
        (["b": 1, "a": ["x": nil]], #"{"b":1,"a":{"x":null}}"#),
        (.dateTime(DateTime(kind: .localDate, year: 1979, month: 5, day: 27)), "\"1979-05-27\""),
    ]

    @Test(arguments: compact)
    func emitsCompact(_ value: Value, _ text: String) {
        #expect(JSON.emit(value) == text)
    }

    @Test func emitsPretty() {
        let v: Value = ["name": "x", "list": [1, 2], "empty": [], "nested": ["a": true]]
        #expect(JSON.emit(v, style: .pretty) == """
            {
              "name": "x",
              "list": [
                1,
                2
              ],
              "empty": [],
              "nested": {
                "a": true
              }
            }
            """)
    }

    /// parse(emit(v)) == v for every JSONTestSuite file we accept, in both styles; and the
    /// emitted text is a fixed point (emit(parse(emit(v))) == emit(v)).
    @Test func roundTripsEveryAcceptedConformanceFile() throws {
        let dir = TestPaths.conformance.appendingPathComponent("JSONTestSuite/test_parsing")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        var checked = 0
        for name in names {
            guard let value = try? JSON.parse(readBytes(dir.appendingPathComponent(name))) else { continue }
            for style in [JSON.Style.compact, .pretty] {
                let text = JSON.emit(value, style: style)
                let again = try JSON.parse(Array(text.utf8))
                #expect(again == value, "\(name) \(style)")
                #expect(JSON.emit(again, style: style) == text, "\(name) \(style)")
            }
            checked += 1
        }
        #expect(checked >= 93 + 6)
    }

    /// The same over the yaml-test-suite's `in.json` files (JSON streams, one value per document).
    @Test func roundTripsTheYAMLSuiteExpectations() throws {
        let dir = TestPaths.conformance.appendingPathComponent("yaml-test-suite/data")
        let fm = FileManager.default
        var checked = 0
        for id in try fm.contentsOfDirectory(atPath: dir.path).sorted() {
            var paths = [id + "/in.json"]
            for sub in (try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent(id).path)) ?? [] { paths.append(id + "/" + sub + "/in.json") }
            for path in paths where fm.fileExists(atPath: dir.appendingPathComponent(path).path) {
                let values = try JSON.parseSequence(readBytes(dir.appendingPathComponent(path)))
                for value in values {
                    for style in [JSON.Style.compact, .pretty] {
                        #expect(try JSON.parse(Array(JSON.emit(value, style: style).utf8)) == value, "\(path) \(style)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 280)
    }
}
