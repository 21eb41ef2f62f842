import HotswapCore
import HotswapSchema
import Testing

/// `$ref` between files of the schema directory, through the caller's resolver.
struct ReferenceTests {
    let common = """
    $defs:
      port: { type: integer, minimum: 1, maximum: 65535 }
      host:
        $anchor: host
        type: string
        format: hostname
    """

    @Test func refsResolveAgainstTheSchemaFileAndLoadEachFileOnce() throws {
        var asked: [String] = []
        let commonValue = try yaml(common, file: "/etc/app/common.yaml")
        let s = try schema("""
        type: object
        properties:
          port: { $ref: "common.yaml#/$defs/port" }
          host: { $ref: "./common.yaml#host" }
          admin: { $ref: "sub/../common.yaml#/$defs/port" }
        """) { (uri: String) throws(ConfigError) -> Value? in
            asked.append(uri)
            return uri == "file:///etc/app/common.yaml" ? commonValue : nil
        }
        #expect(asked == ["file:///etc/app/common.yaml"])
        #expect(s.isValid(try yaml("port: 80\nhost: example.com\nadmin: 8080")))
        let v = s.validate(try yaml("port: 0\nhost: 'not a host'", file: "app.yaml"))
        #expect(v.count == 2)
        #expect(v.first?.schemaLocation == "/etc/app/common.yaml#/$defs/port/minimum")
        #expect(v.first?.schemaOrigin?.description == "/etc/app/common.yaml:2:35")
        #expect(v.last?.schemaLocation == "/etc/app/common.yaml#/$defs/host/format")
    }

    @Test func idAndAnchorWorkWithinOneDocument() throws {
        let s = try schema("""
        $id: https://example.com/schemas/app.json
        type: object
        properties:
          a: { $ref: "item.json" }
          b: { $ref: "#positive" }
        $defs:
          item:
            $id: item.json
            type: string
          positive:
            $anchor: positive
            exclusiveMinimum: 0
        """)
        #expect(s.isValid(try yaml("a: x\nb: 1")))
        #expect(!s.isValid(try yaml("a: 1")))
        #expect(!s.isValid(try yaml("b: 0")))
    }

    @Test func bundledMetaSchemaValidatesSchemas() throws {
        let s = try schema("$ref: https://json-schema.org/draft/2020-12/schema")
        #expect(s.isValid(try yaml("type: integer\nminimum: 3")))
        #expect(!s.isValid(try yaml("type: integr")))
        #expect(!s.isValid(try yaml("minLength: -1")))
        #expect(!s.isValid(try yaml("properties: { a: { required: 3 } }")))
    }
}
