import HotswapCore

/// A realistic schema and a matching document of a chosen size, for `make bench` (and for
/// comparing with other validators on the same input: emit both with `JSON.emit`).
///
/// The document describes an application with `services` keyed by name, each service an
/// object of a dozen members (host name, port, timeouts, weights, tags, a health check, an
/// owner e-mail, a UUID); the schema checks them with `$ref`, `required`,
/// `additionalProperties: false`, `propertyNames` with a pattern, enums, bounds and the
/// hostname, email, uuid, duration and uri formats. "Keys" counts every object member in the
/// document, at every depth.
///
/// Usage: `let f = SchemaBenchmarkFixture(keys: 10_000)`, compile `f.schema` once, then time
/// `schema.validate(f.document)` (or `isValid`, or `apply(to:)`) in a loop. The document is
/// valid, so every keyword runs on every value and nothing short-circuits.
public struct SchemaBenchmarkFixture: Sendable {
    public let schema: Value
    public let document: Value
    /// The number of object members in `document`.
    public let keyCount: Int

    public init(keys: Int = 10_000) {
        schema = Self.makeSchema()
        var services = Object()
        var count = 3 + 4   // top-level members and server's members
        var i = 0
        while count < keys {
            let name = "svc-\(i)"
            let port = Int64(9000 + i % 1000)
            let service: Value = [
                "id": .string(Self.uuid(i)),
                "host": .string("\(name).internal.example.com"),
                "port": .integer(port),
                "timeout_ms": .integer(Int64(250 + i % 5000)),
                "retries": .integer(Int64(i % 5)),
                "weight": .float(Double(i % 20) * 0.5 + 0.5),
                "enabled": .bool(i % 7 != 0),
                "tags": [.string("tier-\(i % 3)"), .string("zone-\(i % 4)")],
                "health": ["path": "/healthz", "interval": .string("PT\(5 + i % 55)S"),
                           "url": .string("http://\(name).internal.example.com:\(port)/healthz")],
                "owner": .string("team-\(i % 40)@example.com"),
            ]
            services[name] = service
            count += 1 + 10 + 3
            i += 1
        }
        keyCount = count
        document = [
            "server": ["host": "api.example.com", "port": 8443, "timeout_ms": 5000, "log_level": "info"],
            "log_level": "info",
            "services": .object(services),
        ]
    }

    private static func uuid(_ i: Int) -> String {
        let hex = Array("0123456789abcdef")
        var s = ""
        var x = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15
        for k in 0..<32 {
            if k == 8 || k == 12 || k == 16 || k == 20 { s += "-" }
            s.append(hex[Int(x & 15)])
            x = (x >> 4) | (x << 60)
        }
        return s
    }

    private static func makeSchema() -> Value {
        let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://example.com/bench/app.json",
          "type": "object",
          "additionalProperties": false,
          "required": ["server", "services"],
          "properties": {
            "server": {
              "type": "object",
              "additionalProperties": false,
              "required": ["host", "port"],
              "properties": {
                "host": {"type": "string", "format": "hostname"},
                "port": {"$ref": "#/$defs/port"},
                "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000},
                "log_level": {"$ref": "#/$defs/level"}
              }
            },
            "log_level": {"$ref": "#/$defs/level"},
            "services": {
              "type": "object",
              "propertyNames": {"pattern": "^[a-z][a-z0-9-]{0,62}$"},
              "additionalProperties": {"$ref": "#/$defs/service"}
            }
          },
          "$defs": {
            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "level": {"enum": ["debug", "info", "warning", "error"]},
            "service": {
              "type": "object",
              "additionalProperties": false,
              "required": ["id", "host", "port"],
              "properties": {
                "id": {"type": "string", "format": "uuid"},
                "host": {"type": "string", "format": "hostname", "maxLength": 253},
                "port": {"$ref": "#/$defs/port"},
                "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000},
                "retries": {"type": "integer", "minimum": 0, "maximum": 10},
                "weight": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5},
                "enabled": {"type": "boolean"},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true, "maxItems": 16},
                "health": {
                  "type": "object",
                  "required": ["path"],
                  "properties": {
                    "path": {"type": "string", "pattern": "^/"},
                    "interval": {"type": "string", "format": "duration"},
                    "url": {"type": "string", "format": "uri"}
                  }
                },
                "owner": {"type": "string", "format": "email"}
              }
            }
          }
        }
        """#
        guard let v = MiniJSON.parse(text) else { preconditionFailure("benchmark schema is malformed") }
        return v
    }
}
