import HotswapCore
import HotswapSchema
import Testing

/// Schemas and documents built to hurt: none may hang or crash; each fails with a clear
/// violation or compile error.
struct HostileInputTests {
    /// A backtracking engine needs ~2^n steps for `(a+)+$` on "aaa…a!"; ours is linear.
    @Test func catastrophicPatternOnLongInputFinishes() throws {
        let s = try schema("type: string\npattern: '(a+)+$'")
        let input = String(repeating: "a", count: 100_000) + "!"
        #expect(!s.isValid(.string(input)))
        #expect(s.isValid(.string(input.dropLast() + "")))
        let v = s.validate(.string(input))
        #expect(v.first?.keyword == "pattern")
    }

    @Test func catastrophicPatternPropertiesFinish() throws {
        let s = try schema("patternProperties: { '^(a|aa)+$': { type: integer } }")
        let key = String(repeating: "a", count: 20_000) + "b"
        #expect(s.isValid(.object(Object([(key, Value.string("not checked"))]))))
    }

    @Test func refCycleIsRejectedAtLoad() throws {
        let e = try #require(try compileError("""
        $defs:
          a: { $ref: "#/$defs/b" }
          b: { anyOf: [{ $ref: "#/$defs/c" }, { type: string }] }
          c: { not: { $ref: "#/$defs/a" } }
        properties: { x: { $ref: "#/$defs/a" } }
        """))
        #expect(e.message.contains("loops forever"))
    }

    /// A loop only `$dynamicRef` resolution can create (statically the reference points at
    /// a harmless definition) is caught while validating, not by the stack.
    @Test func dynamicReferenceLoopIsStoppedAtRunTime() throws {
        let b = try yaml("""
        $id: https://example.com/b.json
        $defs: { d: { $dynamicAnchor: x } }
        $dynamicRef: "#x"
        """)
        let s = try Schema.compile(try yaml("""
        $id: https://example.com/a.json
        $dynamicAnchor: x
        $ref: b.json
        """), uri: "https://example.com/a.json") { (uri: String) throws(ConfigError) -> Value? in uri == "https://example.com/b.json" ? b : nil }
        let v = s.validate(1)
        #expect(v.count == 1)
        #expect(v.first?.message.contains("applies itself to the same value forever") == true, "\(v)")
        #expect(!s.isValid(1))
    }

    @Test func hundredThousandMemberEnum() throws {
        let members = (0..<100_000).map { Value.string("value-\($0)") }
        let s = try Schema.compile(.object(Object([("enum", .array(members))])), uri: "file:///big.json")
        #expect(s.isValid("value-99999"))
        #expect(s.isValid("value-0"))
        #expect(!s.isValid("value-100000"))
        let v = s.validate("value-x")
        #expect(v.first?.message.hasPrefix("must be one of the 100000 allowed values (\"value-0\", ") == true)
        // Every member checked against the enum: linear in total, not quadratic.
        let arr = try Schema.compile(["items": .object(Object([("enum", .array(members))]))], uri: "file:///big.json")
        #expect(arr.isValid(.array(members)))
    }

    @Test func hundredThousandUniqueItems() throws {
        let s = try schema("uniqueItems: true")
        let items = (0..<100_000).map { Value.integer(Int64($0)) }
        #expect(s.isValid(.array(items)))
        #expect(!s.isValid(.array(items + [.float(500)])))
    }

    @Test func deeplyNestedDocumentIsRefusedNotRecursedInto() throws {
        var v: Value = .null
        for _ in 0..<10_000 { v = .array([v]) }   // deeper than maxDepth; HotswapCore cannot free ~100k levels
        let s = try schema("items: { $ref: '#' }")
        let violations = s.validate(v)
        #expect(violations.count == 1)
        #expect(violations.first?.message.contains("nested more than") == true)
        #expect(!s.isValid(v))
        #expect(!s.apply(to: v).isValid)
    }

    /// Recursion to the depth the parsers allow (256) is fine on a test thread.
    @Test func recursiveSchemaOnDeepButLegalDocument() throws {
        var v: Value = ["leaf": 1]
        for _ in 0..<250 { v = ["child": v] }
        let s = try schema("""
        $defs:
          node:
            type: object
            properties: { child: { $ref: "#/$defs/node" }, leaf: { type: integer } }
            additionalProperties: false
        $ref: "#/$defs/node"
        """)
        #expect(s.isValid(v))
        #expect(s.validate(v).isEmpty)
        #expect(s.apply(to: v).isValid)
    }

    /// Two evaluations per level (`items` → `$ref`), 300 levels: within the document limit but
    /// past the evaluation depth limit, which stops well before the stack would.
    @Test func evaluationDepthLimitStopsRecursionWithAClearMessage() throws {
        var v: Value = 1
        for _ in 0..<300 { v = .array([v]) }
        let s = try schema("items: { $ref: '#' }")
        let violations = s.validate(v)
        #expect(violations.count == 1)
        #expect(violations.first?.message.hasPrefix("validation stopped: subschemas nested more than 512 levels deep") == true)
        #expect(!s.isValid(v))
    }

    @Test func workLimitStopsValidationWithAClearMessage() throws {
        let s = try schema("items: { type: integer }", options: Schema.Options(maxSteps: 1000))
        let v = s.validate(.array((0..<10_000).map { .integer(Int64($0)) }))
        #expect(v.count == 1)
        #expect(v.first?.message.hasPrefix("validation stopped after 1000 steps") == true)
    }

    @Test func exponentialAnyOfNestingIsBoundedByTheWorkLimit() throws {
        // 12 levels of anyOf over two failing alternatives: 2^12 re-evaluations for causes.
        var text = "type: integer"
        for _ in 0..<12 { text = "anyOf: [{ \(text) }, { \(text) }]" }
        let s = try schema(text, options: Schema.Options(maxSteps: 5_000))
        let v = s.validate("x")
        #expect(v.contains { $0.message.hasPrefix("validation stopped") })
    }

    @Test func hugeStringsAgainstFormatsAndLengths() throws {
        let s = try schema("type: string\nformat: hostname\nmaxLength: 10")
        let big = String(repeating: "a.", count: 500_000) + "a"
        let v = s.validate(.string(big))
        #expect(v.map(\.keyword) == ["maxLength", "format"])
    }
}
