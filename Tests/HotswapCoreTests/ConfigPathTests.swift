import HotswapCore
import Testing

@Suite struct ConfigPathTests {
    @Test(arguments: [
        ("", [String]()),
        ("server.port", ["server", "port"]),
        ("servers.0.host", ["servers", "0", "host"]),
        ("/servers/0/host", ["servers", "0", "host"]),
        ("/a~1b/c~0d", ["a/b", "c~d"]),
        ("/a.b", ["a.b"]),
        ("/", [""]),
        ("//x", ["", "x"]),
        ("port", ["port"]),
    ])
    func parsing_acceptsDottedPathsAndPointers(_ text: String, _ tokens: [String]) throws {
        #expect(try ConfigPath(parsing: text).tokens == tokens)
    }

    @Test(arguments: ["a..b", ".a", "a.", "/a~2", "/a~"])
    func parsing_rejectsMalformedPaths(_ text: String) {
        #expect(throws: ConfigError(.path, "")) { try ConfigPath(parsing: text) }
    }

    @Test func description_isDottedWhenItRoundTrips_elsePointer() throws {
        #expect(ConfigPath(tokens: ["a", "b"]).description == "a.b")
        #expect(ConfigPath(tokens: ["a.b", "c"]).description == "/a.b/c")
        #expect(ConfigPath(tokens: ["", "c"]).description == "//c")
        #expect(ConfigPath(tokens: ["a/b"]).pointer == "/a~1b")
        for text in ["a.b", "/a.b/c", "/a~1b", "/x/~0"] {
            let p = try ConfigPath(parsing: text)
            #expect(try ConfigPath(parsing: p.description) == p)
            #expect(try ConfigPath(pointer: p.pointer) == p)
        }
    }

    @Test(arguments: [("0", 0), ("12", 12), ("01", nil), ("-1", nil), ("", nil), ("1a", nil), ("99999999999999999999", nil)] as [(String, Int?)])
    func arrayIndex_followsRFC6901(_ token: String, _ index: Int?) {
        #expect(ConfigPath.arrayIndex(token) == index)
    }

    static let doc: Value = ["server": ["port": 8080, "hosts": ["a", "b"]], "0": "zero", "a.b": 1]

    @Test(arguments: [
        ("server.port", Value.integer(8080)),
        ("server.hosts.1", "b"),
        ("/server/hosts/0", "a"),
        ("0", "zero"),
        ("/a.b", 1),
        ("", doc),
    ])
    func lookup_findsNodes(_ path: String, _ expected: Value) throws {
        #expect(Self.doc.value(at: try ConfigPath(parsing: path)) == expected)
    }

    @Test(arguments: ["server.missing", "server.hosts.2", "server.hosts.01", "server.port.x", "a.b", "server.hosts.-1"])
    func lookup_returnsNilForPathsThatDoNotResolve(_ path: String) throws {
        #expect(Self.doc.value(at: try ConfigPath(parsing: path)) == nil)
    }

    @Test func setting_replacesCreatesAndAppends() throws {
        var v = Self.doc
        v = try v.setting(9090, at: ConfigPath(parsing: "server.port"))
        v = try v.setting("x", at: ConfigPath(parsing: "new.deep.key"))
        v = try v.setting("c", at: ConfigPath(parsing: "server.hosts.2"))
        v = try v.setting("d", at: ConfigPath(parsing: "/server/hosts/-"))
        v = try v.setting("A", at: ConfigPath(parsing: "server.hosts.0"))
        #expect(v["server"]?["port"] == 9090)
        #expect(v["new"]?["deep"]?["key"] == "x")
        #expect(v["server"]?["hosts"] == ["A", "b", "c", "d"])
        #expect(try v.setting(1, at: .root) == 1)
        // Order of existing keys is kept.
        #expect(v.objectValue?.keys == ["server", "0", "a.b", "new"])
    }

    @Test func setting_turnsANullPlaceholderIntoAnObject() throws {
        let v: Value = ["server": nil]
        #expect(try v.setting(1, at: ConfigPath(parsing: "server.port")) == ["server": ["port": 1]])
    }

    @Test(arguments: ["server.port.x", "server.hosts.5", "server.hosts.x"])
    func setting_throughAScalarOrPastTheEnd_throws(_ path: String) {
        #expect(throws: ConfigError(.path, "")) { try Self.doc.setting(1, at: ConfigPath(parsing: path)) }
    }

    @Test func removing_deletesMembersAndElements() throws {
        var v = try Self.doc.removing(at: ConfigPath(parsing: "server.hosts.0"))
        v = try v.removing(at: ConfigPath(parsing: "/a.b"))
        #expect(v["server"]?["hosts"] == ["b"])
        #expect(v["a.b"] == nil)
        #expect(throws: ConfigError(.path, "")) { try v.removing(at: ConfigPath(parsing: "nope")) }
        #expect(throws: ConfigError(.path, "")) { try v.removing(at: .root) }
        #expect(throws: ConfigError(.path, "")) { try v.removing(at: ConfigPath(parsing: "server.port.x")) }
    }
}
