import HotswapCore
import HotswapSchema
import Testing

/// `Schema.apply(to:)`: coercion of string-sourced values, defaults, secrets.
struct ApplyTests {
    static let coercions: [(String, String, Value?)] = [
        ("{type: integer}", "8080", 8080),
        ("{type: integer}", "-12", -12),
        ("{type: integer}", "+7", 7),
        ("{type: integer}", "8080.0", 8080),
        ("{type: integer}", "1.5", nil),
        ("{type: integer}", "0x1F", nil),
        ("{type: integer}", "99999999999999999999", nil),
        ("{type: number}", "1.5", 1.5),
        ("{type: number}", "8080", 8080),
        ("{type: number}", "1e3", 1000.0),
        ("{type: number}", "inf", nil),
        ("{type: boolean}", "true", true),
        ("{type: boolean}", "FALSE", false),
        ("{type: boolean}", "yes", nil),
        ("{type: 'null'}", "null", .null),
        ("{type: [integer, boolean]}", "true", true),
        ("{type: [integer, boolean]}", "3", 3),
        ("{type: [string, integer]}", "3", nil),
        ("{enum: [1, 2, 3]}", "2", 2),
        ("{anyOf: [{type: integer}, {const: auto}]}", "auto", nil),
        ("{anyOf: [{type: integer}, {type: boolean}]}", "true", true),
        ("{allOf: [{$ref: '#/$defs/p'}]}", "42", 42),
        ("{type: string}", "42", nil),
        ("{}", "42", nil),
    ]

    /// A string from the environment becomes the schema's type when the text spells exactly
    /// that; otherwise it is left alone (and validation reports it).
    @Test(arguments: coercions)
    func stringSourcedValuesAreCoercedWhenUnambiguous(property: String, text: String, expected: Value?) throws {
        let s = try schema("type: object\nproperties:\n  x: \(property)\n$defs:\n  p: {type: integer}\n")
        let doc = Value.object(Object([("x", env(text))]))
        let out = s.apply(to: doc).value["x"]!
        #expect(out == (expected ?? .string(text)), "\(out)")
        #expect(out.origin == env(text).origin, "coercion keeps the origin")
    }

    @Test func valuesFromTypedFilesAreNeverCoerced() throws {
        let s = try schema("type: object\nproperties: { port: { type: integer } }")
        let r = s.apply(to: try yaml("port: \"8080\"", file: "etc/app.yaml"))
        #expect(r.value["port"] == .string("8080"))
        #expect(r.violations.count == 1)
        #expect(r.violations.first?.origin?.description == "etc/app.yaml:1:7")
    }

    @Test func unconvertibleEnvironmentValueIsReportedWithItsOrigin() throws {
        let s = try schema("type: object\nproperties: { server: { properties: { port: { type: integer } } } }")
        let doc = Value.object(Object([("server", .object(Object([("port", env("80x"))])))]))
        let r = s.apply(to: doc)
        #expect(r.violations.count == 1)
        #expect(r.violations.first?.origin?.file == "<env>")
        #expect(r.violations.first?.path.description == "server.port")
        #expect(r.violations.first?.message == "must be an integer, not \"80x\" (a string)")
    }

    @Test func callerDecidesWhatIsCoercible() throws {
        let s = try schema("type: object\nproperties: { n: { type: integer } }")
        let doc = try yaml("n: '5'")
        #expect(s.apply(to: doc).value["n"] == .string("5"))
        #expect(s.apply(to: doc, coercible: { _ in true }).value["n"] == 5)
    }

    @Test func defaultsFillMissingPropertiesWithSchemaOrigins() throws {
        let s = try schema(appSchema)
        let r = s.apply(to: try yaml("server: { host: api.example.com }\nupstreams: [{ url: 'http://a' }, { url: 'http://b', weight: 5 }]\n"))
        #expect(r.isValid, "\(r.violations)")
        #expect(r.value["server"]?["port"] == 8080)
        #expect(r.value["server"]?["timeout_ms"] == 5000)
        #expect(r.value["log_level"] == "info")
        #expect(r.value["upstreams"]?[0]?["weight"] == 1)
        #expect(r.value["upstreams"]?[1]?["weight"] == 5, "present values are kept")
        let port = try #require(r.value["server"]?["port"]?.origin)
        #expect(port.file == Schema.defaultOriginFile)
        #expect(port.source == "schema schema.yaml")
        #expect(port.line == 12 && port.column == 67, "\(port)")
        #expect(r.value["server"]?["host"]?.origin?.file == "app.yaml")
    }

    @Test func absentObjectsAreCreatedToHoldNestedDefaults() throws {
        let s = try schema(appSchema)
        let r = s.apply(to: try yaml("server: { host: h }\nupstreams: [{ url: 'http://a' }]\n"))
        #expect(r.value["server"]?["tls"] == ["enabled": false])
        #expect(r.value["server"]?["tls"]?.origin?.file == Schema.defaultOriginFile)
    }

    @Test func objectsWithUnsatisfiableRequiredKeysAreNotInvented() throws {
        let s = try schema("""
        type: object
        properties:
          db:
            type: object
            required: [url]
            properties: { url: { type: string }, pool: { type: integer, default: 4 } }
        """)
        #expect(s.apply(to: try yaml("{}")).value == [:])
        #expect(s.apply(to: try yaml("db: { url: x }")).value["db"]?["pool"] == 4)
    }

    @Test func defaultsComeThroughRefsAndFromTheTakenConditionalBranch() throws {
        let s = try schema("""
        type: object
        properties:
          mode: { enum: [fast, safe] }
          retries: { $ref: "#/$defs/retries" }
        if: { properties: { mode: { const: safe } } }
        then: { properties: { fsync: { default: true } } }
        else: { properties: { fsync: { default: false } } }
        $defs:
          retries: { type: integer, default: 3 }
        """)
        let safe = s.apply(to: try yaml("mode: safe")).value
        #expect(safe == ["mode": "safe", "retries": 3, "fsync": true])
        let fast = s.apply(to: try yaml("mode: fast")).value
        #expect(fast["fsync"] == false)
    }

    @Test func anyOfBranchesDoNotContributeDefaults() throws {
        let s = try schema("anyOf: [{ properties: { a: { default: 1 } } }, { properties: { a: { default: 2 } } }]")
        #expect(s.apply(to: [:]).value == [:])
    }

    @Test func badDefaultsAreReportedAgainstTheSchema() throws {
        let s = try schema("type: object\nproperties: { port: { type: integer, default: eighty } }")
        let r = s.apply(to: [:])
        #expect(r.violations.count == 1)
        #expect(r.violations.first?.origin?.file == Schema.defaultOriginFile)
        #expect(r.violations.first?.origin?.line == 2)
    }

    @Test func secretsAreListedWithConcreteArrayIndices() throws {
        let s = try schema(appSchema)
        let r = s.apply(to: try yaml("""
        server: { host: h }
        admin_password: correct-horse-battery
        upstreams:
          - { url: 'http://a', token: t1 }
          - { url: 'http://b' }
          - { url: 'http://c', token: t3 }
        """))
        #expect(r.isValid, "\(r.violations)")
        #expect(r.secrets.map(\.description) == ["admin_password", "upstreams.0.token", "upstreams.2.token"])
    }

    @Test func secretObjectsAndSecretsBehindRefsAndDefaults() throws {
        let s = try schema("""
        type: object
        properties:
          db: { $ref: "#/$defs/credentials" }
          api: { properties: { key: { x-secret: true, default: changeme } } }
        $defs:
          credentials: { type: object, writeOnly: true }
        """)
        let r = s.apply(to: try yaml("db: { user: u, password: p }\napi: {}"))
        #expect(r.secrets.map(\.description) == ["api.key", "db"])
    }

    @Test func applyReportsExactlyWhatValidateReportsOnTheResult() throws {
        let s = try schema(appSchema)
        let r = s.apply(to: try yaml("server: { host: h, port: 0 }\nupstreams: []"))
        #expect(r.violations == s.validate(r.value))
        #expect(r.violations.count == 2)
    }
}
