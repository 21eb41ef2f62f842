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
}
