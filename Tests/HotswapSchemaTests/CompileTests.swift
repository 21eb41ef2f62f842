import HotswapCore
import HotswapSchema
import Testing

/// Bad schemas are rejected when they are loaded, with a message that says what and where.
struct CompileTests {
    static let rejected: [(String, String)] = [
        ("type: int", "unknown type 'int' (did you mean 'integer'?)"),
        ("type: [string, nul]", "unknown type 'nul' (did you mean 'null'?)"),
        ("type: 3", "'type' must be a type name"),
        ("pattern: '(abc'", "invalid regular expression '(abc' in 'pattern': unterminated group"),
        ("pattern: '(a)\\1'", "backreferences and lookaround are unavailable"),
        ("patternProperties: { '[a-': {} }", "invalid regular expression '[a-' in 'patternProperties'"),
        ("$ref: '#/$defs/missing'", "cannot resolve $ref '#/$defs/missing': nothing at '/$defs/missing'"),
        ("$ref: 'common.yaml#/$defs/port'", "no schema is known as 'file:///etc/app/common.yaml'"),
        ("$ref: '#nowhere'", "no $anchor 'nowhere'"),
        ("minLength: '3'", "'minLength' must be a non-negative integer, not the string \"3\""),
        ("maxItems: -1", "'maxItems' must be a non-negative integer"),
        ("required: name", "'required' must be an array of strings"),
        ("required: [1]", "'required' must be an array of strings; integer 1 is not a string"),
        ("properties: [a, b]", "'properties' must be an object whose values are schemas"),
        ("properties: { a: 3 }", "a schema must be an object or a boolean, not integer"),
        ("enum: 3", "'enum' must be an array"),
        ("multipleOf: 0", "'multipleOf' must be greater than 0"),
        ("minimum: ten", "'minimum' must be a number"),
        ("allOf: []", "'allOf' must be a non-empty array of schemas"),
        ("items: [{type: string}]", "use 'prefixItems'"),
        ("maxmum: 3", "unknown keyword 'maxmum' (did you mean 'maximum'?); extension keywords must start with 'x-'"),
        ("format: hostnme", "unknown format 'hostnme' (did you mean 'hostname'?)"),
        ("writeOnly: yes please", "'writeOnly' must be true or false"),
        ("$schema: http://json-schema.org/draft-07/schema#", "unsupported $schema"),
        ("$defs: { a: { $ref: '#/$defs/b' }, b: { allOf: [{ $ref: '#/$defs/a' }] } }", "loops forever"),
        ("$ref: '#'", "loops forever"),
    ]

    @Test(arguments: rejected)
    func badSchemasAreRejectedAtLoad(text: String, expected: String) throws {
        let e = try #require(try compileError(text))
        #expect(e.code == .schema)
        #expect(e.message.contains(expected), "\(e.message)")
        #expect(e.origin?.file == "schema.yaml")
    }

    @Test func errorPointsAtTheOffendingLine() throws {
        let e = try #require(try compileError("""
        type: object
        properties:
          port:
            type: integer
            minimum: one
        """))
        #expect(e.description == "schema.yaml:5:14: invalid schema at #/properties/port/minimum: 'minimum' must be a number, not the string \"one\"")
    }

    @Test func loopErrorNamesTheCycle() throws {
        let e = try #require(try compileError("$defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }"))
        #expect(e.message.contains("#/$defs/a → #/$defs/b → #/$defs/a") || e.message.contains("#/$defs/b → #/$defs/a → #/$defs/b"), "\(e.message)")
    }

    @Test func recursionThatDescendsIsNotALoop() throws {
        let s = try schema("""
        $defs:
          node:
            type: object
            properties:
              children: { type: array, items: { $ref: "#/$defs/node" } }
        $ref: "#/$defs/node"
        """)
        #expect(s.isValid(try yaml("children: [{children: []}, {}]")))
        #expect(!s.isValid(try yaml("children: [{children: 3}]")))
    }

    @Test func extensionKeywordsAndAnnotationsAreAccepted() throws {
        let s = try schema("""
        title: app
        description: settings
        $comment: reviewed
        x-owner: platform-team
        deprecated: false
        examples: [{}]
        readOnly: false
        """)
        #expect(s.isValid(.null))
    }

    @Test func unknownKeywordsAreAllowedWhenNotStrict() throws {
        let s = try schema("maxmum: 3\nformat: hostnme", options: Schema.Options(strictKeywords: false))
        #expect(s.isValid(.string("anything")))
    }

    @Test func resolverErrorsPropagate() throws {
        let e = try #require(try compileError("$ref: other.yaml") { (_: String) throws(ConfigError) -> Value? in
            throw ConfigError(.syntax, "bad indentation", at: Origin(file: "other.yaml", line: 3, column: 1))
        })
        #expect(e.code == .syntax)
        #expect(e.description == "other.yaml:3:1: bad indentation")
    }
}
