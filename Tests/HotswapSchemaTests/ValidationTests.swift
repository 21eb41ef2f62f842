import HotswapCore
@testable import HotswapSchema
import Testing

/// A realistic application schema, the one docs/schema.md walks through.
let appSchema = """
$schema: https://json-schema.org/draft/2020-12/schema
type: object
additionalProperties: false
required: [server, upstreams]
properties:
  server:
    type: object
    additionalProperties: false
    required: [host]
    properties:
      host: { type: string, format: hostname }
      port: { type: integer, minimum: 1, maximum: 65535, default: 8080 }
      timeout_ms: { type: integer, minimum: 0, default: 5000 }
      tls:
        type: object
        properties:
          enabled: { type: boolean, default: false }
          cert: { type: string }
  log_level:
    enum: [debug, info, warning, error]
    default: info
  upstreams:
    type: array
    minItems: 1
    items: { $ref: "#/$defs/upstream" }
  admin_password:
    type: string
    minLength: 12
    writeOnly: true
$defs:
  upstream:
    type: object
    additionalProperties: false
    required: [url]
    properties:
      url: { type: string, format: uri }
      weight: { type: integer, minimum: 1, default: 1 }
      token: { type: string, x-secret: true }
"""

struct ValidationTests {
    @Test func reportsEveryViolationWithPathOriginAndSchemaLocation() throws {
        let s = try schema(appSchema)
        let doc = try yaml("""
        server:
          host: "bad host"
          port: 70000
          timout_ms: 10
        log_level: verbose
        upstreams:
          - url: http://a.example
            weight: 0
          - weight: 2
        """, file: "etc/app/default.yaml")
        let v = s.validate(doc)
        let byPath = Dictionary(grouping: v, by: { $0.path.description })
        #expect(v.count == 6, "\(v.map(\.description))")

        let host = try #require(byPath["server.host"]?.first)
        #expect(host.keyword == "format")
        #expect(host.origin?.description == "etc/app/default.yaml:2:9")
        #expect(host.schemaLocation == "schema.yaml#/properties/server/properties/host/format")
        #expect(host.schemaOrigin?.file == "schema.yaml")
        #expect(host.schemaOrigin?.line == 11)

        let port = try #require(byPath["server.port"]?.first)
        #expect(port.keyword == "maximum")
        #expect(port.message == "must be at most 65535, not 70000 (a number)")
        #expect(port.origin?.description == "etc/app/default.yaml:3:9")

        let typo = try #require(byPath["server.timout_ms"]?.first)
        #expect(typo.keyword == "additionalProperties")
        #expect(typo.message == "unknown key `timout_ms`; did you mean `timeout_ms`?")
        #expect(typo.origin?.line == 4)

        let level = try #require(byPath["log_level"]?.first)
        #expect(level.keyword == "enum")
        #expect(level.message.contains("must be one of \"debug\", \"info\", \"warning\", \"error\""))

        let weight = try #require(byPath["upstreams.0.weight"]?.first)
        #expect(weight.keyword == "minimum")
        #expect(weight.schemaLocation == "schema.yaml#/$defs/upstream/properties/weight/minimum")

        let url = try #require(byPath["upstreams.1.url"]?.first)
        #expect(url.keyword == "required")
        #expect(url.message == "is required but missing")
        #expect(url.origin?.description == "etc/app/default.yaml:9:5", "the object that lacks the key")

        #expect(s.isValid(doc) == false)
    }

    @Test func descriptionReadsFileLineColumnThenPathThenMessage() throws {
        let s = try schema(appSchema)
        let doc = try yaml("server: { host: h, port: 0 }\nupstreams: [{url: 'http://x'}]\n", file: "etc/app.yaml")
        let v = s.validate(doc)
        #expect(v.count == 1)
        #expect(v.first?.description == "etc/app.yaml:1:26: server.port: must be at least 1, not 0 (a number) [schema.yaml#/properties/server/properties/port/minimum]")
        #expect(v.first?.configError.description == "etc/app.yaml:1:26: server.port: must be at least 1, not 0 (a number)")
    }

    @Test func misspelledEnumValueGetsASuggestion() throws {
        let s = try schema("enum: [debug, info, warning, error]")
        let v = s.validate(.string("warnig"))
        #expect(v.first?.message.hasSuffix("did you mean \"warning\"?") == true)
    }

    @Test func suggestionLooksThroughRefAndAllOf() throws {
        let s = try schema("""
        $defs:
          base: { properties: { retry_count: { type: integer } } }
        allOf: [{ $ref: "#/$defs/base" }]
        properties: { name: { type: string } }
        unevaluatedProperties: false
        """)
        let v = s.validate(try yaml("retry_cuont: 3\nname: x\n"))
        #expect(v.count == 1)
        #expect(v.first?.message == "unknown key `retry_cuont`; did you mean `retry_count`?")
    }

    @Test func farFetchedKeysGetNoSuggestion() throws {
        let s = try schema("properties: { timeout_ms: {} }\nadditionalProperties: false")
        #expect(s.validate(try yaml("colour: red")).first?.message == "unknown key `colour`")
    }

    static let numberCases: [(String, String, Bool)] = [
        ("type: integer", "1.0", true),
        ("type: integer", "1.5", false),
        ("enum: [1, 2]", "2.0", true),
        ("const: 1.0", "1", true),
        ("uniqueItems: true", "[1, 1.0]", false),
        ("uniqueItems: true", "[1, true]", true),
        ("enum: [0]", "false", false),
        ("maximum: 9223372036854775807", "9223372036854775807", true),
        ("exclusiveMaximum: 9223372036854775807", "9223372036854775807", false),
        ("minimum: 9007199254740993", "9007199254740992.0", false),
        ("multipleOf: 0.1", "0.3", true),
        ("multipleOf: 0.01", "19.99", true),
        ("multipleOf: 0.1", "0.35", false),
        ("multipleOf: 0.5", "1e308", true),
        ("multipleOf: 0.123456789", "1e308", false),
        ("multipleOf: 3", "9223372036854775806", true),
        ("multipleOf: 1e-300", "1", true),
        ("maximum: 1e308", "1.7976931348623157e308", false),
    ]

    /// JSON Schema has one number line: 1 and 1.0 are the same number, big integers compare
    /// exactly, and float multipleOf tolerates representation error without overflowing.
    @Test(arguments: numberCases)
    func numbersCompareByValue(schemaText: String, instance: String, valid: Bool) throws {
        let s = try schema(schemaText)
        #expect(s.isValid(try json(instance)) == valid)
        #expect(s.validate(try json(instance)).isEmpty == valid)
    }

    static let messages: [(String, String, String, String)] = [
        // (schema, instance as JSON, path, message)
        ("propertyNames: { pattern: '^[a-z_]+$' }", #"{"Port": 1}"#, "Port", "the key name must match the pattern /^[a-z_]+$/, but \"Port\" does not"),
        ("dependentRequired: { cert: [key] }", #"{"cert": "c"}"#, "key", "is required when `cert` is present"),
        ("oneOf: [{ type: integer }, { minimum: 0 }]", "5", "", "matches more than one alternative (#1 and #2); exactly one must match"),
        ("not: { type: string }", #""x""#, "", "must not match the schema in `not`"),
        ("prefixItems: [{}, {}]\nitems: false", "[1, 2, 3]", "2", "at most 2 items are allowed"),
        ("contains: { type: integer }\nminContains: 2", #"[1, "a"]"#, "", "must contain at least 2 items matching the `contains` schema, but has 1"),
        ("contains: { type: integer }\nmaxContains: 1", "[1, 2]", "", "must contain at most 1 item matching the `contains` schema, but has 2"),
        ("uniqueItems: true", #"["a", "b", "a"]"#, "", "items 0 and 2 are equal; every item must be unique"),
        ("maxProperties: 1", #"{"a": 1, "b": 2}"#, "", "must have at most 1 key, not 2"),
        ("minItems: 2", "[1]", "", "must have at least 2 items, not 1"),
        ("multipleOf: 5", "7", "", "must be a multiple of 5, not 7 (a number)"),
        ("exclusiveMaximum: 1.5", "1.5", "", "must be less than 1.5, not 1.5 (a number)"),
        ("const: { mode: fast }", #"{"mode": "slow"}"#, "", "must be exactly {\"mode\": \"fast\"}, not an object with 1 key"),
        ("prefixItems: [{}]\nunevaluatedItems: false", "[1, 2]", "1", "unexpected item at position 1: no schema here allows it"),
        ("properties: { legacy: false }", #"{"legacy": 1}"#, "legacy", "`legacy` is not allowed here"),
        ("type: [string, 'null']", "3", "", "must be a string or null, not 3 (a number)"),
        ("maxLength: 3", #""abcd""#, "", "must be at most 3 characters long, not 4"),
    ]

    @Test(arguments: messages)
    func messagesSayWhatIsWrong(schemaText: String, instance: String, path: String, message: String) throws {
        let v = try schema(schemaText).validate(try json(instance))
        #expect(v.count == 1, "\(v)")
        #expect(v.first?.path.description == path)
        #expect(v.first?.message == message)
    }

    @Test func secretValuesNeverAppearInMessages() throws {
        let s = try schema(appSchema)
        let doc = try yaml("server: {host: h}\nupstreams: [{url: 'http://x'}]\nadmin_password: hunter2\n")
        let v = s.validate(doc)
        #expect(v.count == 1)
        #expect(v.first?.message == "must be at least 12 characters long, not 7")
        let p = try schema("type: object\nproperties: { pw: { type: string, pattern: '^[A-Z]', x-secret: true, enum: [Aaaa] } }")
        let pv = p.validate(try yaml("pw: hunter2"))
        #expect(pv.count == 2)
        #expect(!pv.contains { $0.message.contains("hunter2") }, "\(pv)")
    }

    @Test func anyOfFailureExplainsEachAlternative() throws {
        let s = try schema("anyOf: [{ type: integer }, { type: string, pattern: '^[0-9]+ms$' }]")
        let v = s.validate(try yaml("x: 10s")["x"]!)
        #expect(v.count == 1)
        #expect(v.first?.keyword == "anyOf")
        #expect(v.first?.causes.map(\.message) == ["alternative #1: must be an integer, not \"10s\" (a string)",
                                                    "alternative #2: must match the pattern /^[0-9]+ms$/, but \"10s\" does not"])
        #expect(v.first?.description.contains("\n  ") == true)
    }

    @Test func formatsAreAssertedByDefaultAndCanBeAnnotationsOnly() throws {
        let text = "format: ipv4"
        #expect(try schema(text).isValid(.string("10.0.0.256")) == false)
        #expect(try schema(text, options: Schema.Options(assertFormats: false)).isValid(.string("10.0.0.256")) == true)
    }

    static let formatCases: [(String, String, Bool)] = [
        ("hostname", "api.example.com", true), ("hostname", "-api.example.com", false), ("hostname", "xn--bcher-kva.example", true),
        ("ipv4", "192.168.1.1", true), ("ipv4", "192.168.01.1", false),
        ("ipv6", "fe80::1", true), ("ipv6", "fe80::1::2", false), ("ipv6", "::ffff:10.0.0.1", true),
        ("uri", "https://example.com:8443/a?b#c", true), ("uri", "example.com/path", false),
        ("email", "ops@example.com", true), ("email", "ops@@example.com", false),
        ("date-time", "2024-02-29T12:00:00+01:00", true), ("date-time", "2023-02-29T12:00:00Z", false),
        ("date", "2024-12-31", true), ("time", "23:59:60Z", true), ("time", "12:00:00", false),
        ("duration", "PT30S", true), ("duration", "P1DT2H", true), ("duration", "30s", false),
        ("regex", "^[a-z]+(?=x)", true), ("regex", "([a-z]", false),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", true), ("uuid", "123e4567e89b12d3a456426614174000", false),
    ]

    @Test(arguments: formatCases)
    func formatsFollowTheirRFCs(format: String, input: String, valid: Bool) throws {
        #expect(try schema("format: \(format)").isValid(.string(input)) == valid)
    }

    /// A TOML date-time is a string to JSON Schema (its RFC 3339 text).
    @Test func tomlDateTimesAreStrings() throws {
        let s = try schema("type: string\nformat: date-time\nminLength: 20")
        let dt = DateTime(kind: .offsetDateTime, year: 2024, month: 5, day: 1, hour: 12, offsetMinutes: 0)
        #expect(s.isValid(.dateTime(dt)))
        let local = DateTime(kind: .localDateTime, year: 2024, month: 5, day: 1, hour: 12)
        #expect(!s.isValid(.dateTime(local)), "a local date-time has no offset")
    }

    @Test func minLengthCountsCodePoints() throws {
        let s = try schema("minLength: 2\nmaxLength: 2")
        #expect(s.isValid(.string("😀😀")))
        #expect(s.isValid(.string("e\u{301}")), "two code points, one grapheme")
        #expect(!s.isValid(.string("😀")))
    }

    @Test func stringsCompareByCodePointsNotCanonicalEquivalence() throws {
        let s = try schema("const: \"\\u00e9\"")
        #expect(s.isValid(.string("\u{e9}")))
        #expect(!s.isValid(.string("e\u{301}")))
    }
}
