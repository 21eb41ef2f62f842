import HotswapCore
import HotswapFormats
import Testing

private func parse(_ s: String, _ options: ParseOptions = ParseOptions(fileName: "t.yaml")) throws(ConfigError) -> Value {
    try YAML.parse(Array(s.utf8), options: options)
}

/// The value of `v: <text>`, the way a scalar appears in a configuration file.
private func scalar(_ text: String) throws(ConfigError) -> Value {
    guard let v = try parse("v: " + text)["v"] else { throw ConfigError(.syntax, "no v") }
    return v
}

@Suite struct YAMLParserTests {
    // MARK: Core schema

    static let plainScalars: [(String, Value)] = [
        // null
        ("", nil), ("~", nil), ("null", nil), ("Null", nil), ("NULL", nil),
        ("nULL", "nULL"), ("none", "none"), ("None", "None"),
        // bool: only true and false
        ("true", true), ("True", true), ("TRUE", true),
        ("false", false), ("False", false), ("FALSE", false),
        ("tRUE", "tRUE"), ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"),
        ("y", "y"), ("n", "n"), ("Yes", "Yes"), ("NO", "NO"),
        // int
        ("0", 0), ("42", 42), ("-17", -17), ("+12", 12), ("007", 7), ("0644", 644),
        ("0o17", 15), ("0x1F", 31), ("0xff", 255), ("0x7FFFFFFFFFFFFFFF", .integer(.max)),
        ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .float(9223372036854775808.0)),
        ("0o", "0o"), ("0x", "0x"), ("0o8", "0o8"), ("0xG", "0xG"), ("-0x10", "-0x10"),
        ("1_000", "1_000"), ("0b101", "0b101"), ("1,000", "1,000"), ("12:30", "12:30"),
        // float
        ("1.0", .float(1)), ("-1.5", .float(-1.5)), ("+0.5", .float(0.5)), (".5", .float(0.5)),
        ("1.", .float(1)), ("1e3", .float(1000)), ("1E-2", .float(0.01)), ("6.02e+23", .float(6.02e23)),
        ("-0.0", .float(-0.0)), ("2.5e", "2.5e"), (".", "."), ("1.2.3", "1.2.3"), ("e3", "e3"),
        (".inf", .float(.infinity)), (".Inf", .float(.infinity)), (".INF", .float(.infinity)),
        ("+.inf", .float(.infinity)), ("-.inf", .float(-.infinity)), ("-.Inf", .float(-.infinity)),
        (".nan", .float(.nan)), (".NaN", .float(.nan)), (".NAN", .float(.nan)),
        (".iNf", ".iNf"), ("inf", "inf"), ("nan", "nan"), ("-.nan", "-.nan"),
        // strings, including what YAML 1.1 would have read otherwise
        ("hello world", "hello world"), ("2001-12-14", "2001-12-14"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        ("=", "="), ("<<", "<<"), ("a:b", "a:b"), ("c#d", "c#d"), ("http://x.y/z?q=1#f", "http://x.y/z?q=1#f"),
    ]

    @Test(arguments: plainScalars)
    func resolvesPlainScalarsByTheCoreSchema(_ text: String, _ expected: Value) throws {
        let v = try scalar(text)
        #expect(v == expected, "\(text) -> \(v)")
        if case let .float(d) = expected.kind, !d.isNaN {
            #expect(v.numberValue?.bitPattern == d.bitPattern && v.integerValue == nil, "\(text)")
        }
    }

    static let nonPlainScalars: [(String, Value)] = [
        ("'true'", "true"), ("\"123\"", "123"), ("''", ""), ("\"\"", ""), ("'~'", "~"),
        ("\"null\"", "null"), ("'0x10'", "0x10"), ("\".inf\"", ".inf"),
        ("\"a\\tb\\n\\u00e9\\x41\\0\"", "a\tb\né\u{41}\u{0}"), ("'it''s'", "it's"),
        ("|\n  line 1\n  line 2\n", "line 1\nline 2\n"), ("|-\n  12\n", "12"), (">\n  folded\n  text\n", "folded text\n"),
    ]

    @Test(arguments: nonPlainScalars)
    func quotedAndBlockScalarsAreStrings(_ text: String, _ expected: Value) throws {
        #expect(try scalar(text) == expected)
    }

    static let tagged: [(String, Value)] = [
        ("!!str 123", "123"), ("!!str true", "true"), ("!!str", ""), ("! 12", "12"),
        ("!!int 12", 12), ("!!int \"12\"", 12), ("!!int 0x10", 16),
        ("!!float 1", .float(1)), ("!!float '2.5'", .float(2.5)), ("!!float .inf", .float(.infinity)),
        ("!!bool true", true), ("!!bool 'false'", false),
        ("!!null null", nil), ("!!null ''", nil), ("!!null", nil),
        ("!!seq [1]", [1]), ("!!map {a: 1}", ["a": 1]), ("! [1]", [1]),
        ("!<tag:yaml.org,2002:int> 7", 7),
    ]

    @Test(arguments: tagged)
    func honoursCoreTags(_ text: String, _ expected: Value) throws {
        #expect(try scalar(text) == expected)
    }

    static let badTags: [(String, ConfigError.Code)] = [
        ("!!int x", .type), ("!!int 1.5", .type), ("!!float abc", .type), ("!!bool yes", .type),
        ("!!null 0", .type), ("!!map [1]", .type), ("!!seq {a: 1}", .type), ("!!str [1]", .type),
        ("!!map x", .type), ("!!int 0x10000000000000000", .syntax),
        ("!foo x", .unsupported), ("!include other.yaml", .unsupported), ("!!binary aGk=", .unsupported),
        ("!!set {a}", .unsupported), ("!!omap [a: 1]", .unsupported), ("!!timestamp 2001-12-14", .unsupported),
        ("!<tag:example.com,2000:x> 1", .unsupported),
    ]

    @Test(arguments: badTags)
    func rejectsMismatchedAndUnknownTags(_ text: String, _ code: ConfigError.Code) {
        let error = #expect(throws: ConfigError.self) { try scalar(text) }
        #expect(error?.code == code, "\(text): \(String(describing: error))")
        #expect(error?.origin?.line == 1 && error?.origin?.column == 4, "\(text): \(String(describing: error))")
    }

    @Test func outOfRangeNumbersAreErrors() {
        #expect(throws: ConfigError(.syntax, "")) { try scalar("1e400") }
        #expect(throws: ConfigError(.syntax, "")) { try scalar("0x10000000000000000") }
        #expect(throws: ConfigError(.syntax, "")) { try scalar("0o2000000000000000000000") }
    }

    // MARK: Structure and origins

    @Test func readsNestedStructureWithOrigins() throws {
        let text = """
            server:
              host: example.com   # comment
              ports: [80, 443]
            list:
              - a
              - name: é
                on: yes
            """
        let v = try parse(text)
        #expect(v == ["server": ["host": "example.com", "ports": [80, 443]], "list": ["a", ["name": "é", "on": "yes"]]])
        #expect(v.objectValue?.keys == ["server", "list"])
        #expect(v.origin == Origin(file: "t.yaml", line: 1, column: 1))
        #expect(v["server"]?.origin == Origin(file: "t.yaml", line: 2, column: 3))
        #expect(v["server"]?["host"]?.origin == Origin(file: "t.yaml", line: 2, column: 9))
        #expect(v["server"]?["ports"]?.origin == Origin(file: "t.yaml", line: 3, column: 10))
        #expect(v["server"]?["ports"]?[1]?.origin == Origin(file: "t.yaml", line: 3, column: 15))
        #expect(v["list"]?[1]?.origin == Origin(file: "t.yaml", line: 6, column: 5))
        #expect(v["list"]?[1]?["on"]?.origin == Origin(file: "t.yaml", line: 7, column: 9))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let v = try parse("ключ: значение\nk: [é, ü, x]")
        #expect(v["ключ"]?.origin?.column == 7)
        #expect(v["k"]?[2]?.origin?.column == 11)
    }

    @Test func mappingKeysAreTheirText() throws {
        let v = try parse("1: a\ntrue: b\n~: c\n0x10: d\n\"quoted\": e\n? explicit\n: f")
        #expect(v.objectValue?.keys == ["1", "true", "~", "0x10", "quoted", "explicit"])
    }

    @Test func complexKeysAreRejected() {
        for text in ["[a, b]: 1", "{a: 1}: 2", "? - a\n: 1", "x: &k [1]\ny:\n  *k : 2"] {
            let error = #expect(throws: ConfigError.self) { try parse(text) }
            #expect(error?.code == .unsupported, "\(text): \(String(describing: error))")
        }
    }

    static let duplicates: [(String, Int, Int)] = [
        ("a: 1\na: 2", 2, 1),
        ("a: 1\nb: 2\n\"a\": 3", 3, 1),
        ("x:\n  k: 1\n  k: 2", 3, 3),
        ("{a: 1, a: 2}", 1, 8),
        ("? a\n: 1\n? a\n: 2", 3, 3),
        ("<<: {x: 1}\n<<: {y: 2}", 2, 1),
    ]

    @Test(arguments: duplicates)
    func duplicateKeysAreErrorsAtTheSecondOccurrence(_ text: String, _ line: Int, _ column: Int) {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.code == .duplicateKey, "\(String(describing: error))")
        #expect(error?.origin == Origin(file: "t.yaml", line: line, column: column), "\(String(describing: error))")
    }

    @Test func duplicatesInLargeMappingsAreFound() {
        let keys = (0..<200).map { "k\($0): \($0)" }
        #expect(throws: Never.self) { try parse(keys.joined(separator: "\n")) }
        let error = #expect(throws: ConfigError.self) { try parse((keys + ["k150: 0"]).joined(separator: "\n")) }
        #expect(error?.code == .duplicateKey)
        #expect(error?.origin?.line == 201)
    }

    // MARK: Anchors, aliases and merge keys

    @Test func aliasesRepeatTheAnchoredValue() throws {
        let v = try parse("a: &x {k: [1, 2]}\nb: *x\nc: &s text\nd: *s\n*s : key from alias")
        #expect(v["b"] == ["k": [1, 2]])
        #expect(v["d"] == "text")
        #expect(v["text"] == "key from alias")
        // The alias carries the origin of the text that defined the value (a node starts
        // with its properties: the anchor).
        #expect(v["b"]?.origin == Origin(file: "t.yaml", line: 1, column: 4))
    }

    @Test func anchorsCanBeRedefined() throws {
        let v = try parse("- &a 1\n- *a\n- &a 2\n- *a")
        #expect(v == [1, 1, 2, 2])
    }

    @Test func undefinedAndRecursiveAliasesAreErrors() {
        for (text, column) in [("a: *nope", 4), ("a: &r [1, *r]", 11)] {
            let error = #expect(throws: ConfigError.self) { try parse(text) }
            #expect(error?.code == .syntax)
            #expect(error?.origin?.column == column, "\(String(describing: error))")
        }
    }

    @Test func mergeKeysMergeMappings() throws {
        let text = """
            base: &base {host: localhost, port: 80, tls: false}
            extra: &extra {port: 8080, debug: true}
            single:
              <<: *base
              port: 443
            many:
              name: svc
              <<: [*extra, *base]
            inline:
              <<: {a: 1}
              b: 2
            """
        let v = try parse(text)
        #expect(v["single"] == ["host": "localhost", "port": 443, "tls": false])
        // Explicit keys win wherever they are; earlier mappings in the list win over later ones.
        #expect(v["many"] == ["name": "svc", "port": 8080, "debug": true, "host": "localhost", "tls": false])
        #expect(v["inline"] == ["a": 1, "b": 2])
        // Merged members take the place of '<<', in order; explicit keys keep theirs.
        #expect(v["single"]?.objectValue?.keys == ["host", "tls", "port"])
        #expect(v["many"]?.objectValue?.keys == ["name", "port", "debug", "host", "tls"])
        // A merged value keeps the origin of the text that defined it.
        #expect(v["single"]?["host"]?.origin?.line == 1)
    }

    @Test func onlyAPlainMergeKeyMerges() throws {
        let v = try parse("\"<<\": {a: 1}\nb: 2")
        #expect(v == ["<<": ["a": 1], "b": 2])
        let tagged = try parse("!!merge <<: {a: 1}\nb: 2")
        #expect(tagged == ["a": 1, "b": 2])
    }

    @Test func mergeValuesMustBeMappings() {
        for text in ["<<: 1", "<<: [a]", "<<: [{a: 1}, 2]", "a: &x [1]\n<<: *x"] {
            let error = #expect(throws: ConfigError.self) { try parse(text) }
            #expect(error?.code == .type, "\(text): \(String(describing: error))")
        }
    }

    // MARK: Documents

    @Test func emptyFilesAreNull() throws {
        for text in ["", "\n\n", "# only a comment\n", "\u{FEFF}"] {
            let v = try parse(text)
            #expect(v == nil, "\(text.debugDescription)")
            #expect(v.origin == Origin(file: "t.yaml", line: 1, column: 1))
        }
        #expect(try parse("---\n") == nil)
        #expect(try parse("--- # nothing\n...\n") == nil)
    }

    @Test func oneDocumentMayHaveMarkers() throws {
        #expect(try parse("---\na: 1\n...\n") == ["a": 1])
        #expect(try parse("%YAML 1.2\n---\na: 1\n") == ["a": 1])
    }

    @Test func aSecondDocumentIsUnsupportedInParse() {
        let error = #expect(throws: ConfigError.self) { try parse("a: 1\n---\nb: 2\n") }
        #expect(error?.code == .unsupported)
        #expect(error?.origin == Origin(file: "t.yaml", line: 2, column: 1))
        #expect(error?.message.contains("one document per file") == true)
    }

    @Test func parseDocumentsReadsStreams() throws {
        let docs = try YAML.parseDocuments(Array("--- 1\n--- &a [x]\n---\n...\n--- {b: c}\n".utf8))
        #expect(docs == [1, ["x"], nil, ["b": "c"]])
        #expect(try YAML.parseDocuments([]) == [])
        #expect(try YAML.parseDocuments(Array("# nothing".utf8)) == [])
        // Anchors belong to their document.
        #expect(throws: ConfigError(.syntax, "")) { try YAML.parseDocuments(Array("--- &a 1\n--- *a\n".utf8)) }
    }

    // MARK: Syntax errors from libyaml

    static let syntaxErrors: [(String, Int, Int)] = [
        ("a: [1, 2", 2, 1),
        ("a: b\n c: d", 2, 3),
        ("key: 'unterminated", 1, 19),
        ("- a\nb: c", 2, 1),
        ("\t- a", 1, 1),
        ("a:\n\t- b", 2, 1),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorsCarryLibyamlMarksOneBased(_ text: String, _ line: Int, _ column: Int) {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.code == .syntax, "\(String(describing: error))")
        #expect(error?.origin == Origin(file: "t.yaml", line: line, column: column), "\(String(describing: error))")
        #expect(error?.description.hasPrefix("t.yaml:\(line):\(column): ") == true)
    }

    @Test func tabIndentationGetsAPlainMessage() {
        let error = #expect(throws: ConfigError.self) { try parse("\t- a") }
        #expect(error?.message.contains("tab") == true, "\(String(describing: error))")
    }

    // MARK: Limits and hostile input

    @Test(arguments: [
        String(repeating: "[", count: 100_000),
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        String(repeating: "{a: ", count: 100_000) + "1" + String(repeating: "}", count: 100_000),
        String(repeating: "- ", count: 100_000) + "x",
    ])
    func deepNestingIsALimitError(_ text: String) {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.code == .limit, "\(String(describing: error))")
        #expect(error?.message.contains("256") == true)
    }

    @Test func depthLimitIsExact() throws {
        let options = ParseOptions(fileName: "t.yaml", maxDepth: 3)
        _ = try parse("a: {b: [1]}", options)
        _ = try parse("- - - x", options)
        #expect(throws: ConfigError(.limit, "")) { try parse("a: {b: [[1]]}", options) }
        #expect(throws: ConfigError(.limit, "")) { try parse("- - - - x", options) }
    }

    static let billionLaughs = """
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        """

    @Test func aliasBombIsRejectedQuicklyWithoutExpanding() {
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: ConfigError.self) { try parse(Self.billionLaughs) }
        #expect(error?.code == .limit)
        #expect(error?.message.contains("billion laughs") == true)
        // The limit is crossed on line 7 (9^6 > 1,000,000 nodes), long before the end.
        #expect(error?.origin?.line == 7, "\(String(describing: error))")
        #expect(clock.now - start < .seconds(5))
    }

    @Test func aliasExpansionIsCountedInNodes() throws {
        // [*a, *a] where a has 1 + 3 nodes: 8 nodes of expansion.
        let text = "a: &a [1, 2, 3]\nb: [*a, *a]"
        _ = try parse(text, ParseOptions(maxAliasExpansion: 8))
        #expect(throws: ConfigError(.limit, "")) { try parse(text, ParseOptions(maxAliasExpansion: 7)) }
        // Merge keys expand too.
        let merged = "a: &a {x: 1, y: 2}\nb: {<<: *a}\nc: {<<: *a}"
        _ = try parse(merged, ParseOptions(maxAliasExpansion: 10))
        #expect(throws: ConfigError(.limit, "")) { try parse(merged, ParseOptions(maxAliasExpansion: 9)) }
    }

    @Test func inputLargerThanTheLimitIsRejectedBeforeParsing() {
        var huge = [UInt8](repeating: UInt8(ascii: "#"), count: 100_000_000)
        huge[huge.count - 1] = 0x0A
        let error = #expect(throws: ConfigError.self) { try YAML.parse(huge, options: ParseOptions(fileName: "big.yaml")) }
        #expect(error?.code == .limit)
        #expect(error?.description.hasPrefix("big.yaml: input is 100000000 bytes") == true)
    }

    static let badBytes: [([UInt8], ConfigError.Code, Int, Int)] = [
        (Array("a: b\u{0}".utf8), .encoding, 1, 5),
        (Array("a: 1\nb: \"x\u{0}y\"".utf8), .encoding, 2, 6),
        ([0x61, 0x3A, 0x20, 0xFF], .encoding, 1, 4),
        ([0x61, 0x3A, 0x20, 0xC3], .encoding, 1, 4),
        ([0x61, 0x3A, 0x0A, 0x20, 0x20, 0xC3, 0xA9, 0xED, 0xA0, 0x80], .encoding, 2, 4),
        (Array("a: \u{7}".utf8), .encoding, 1, 4),
    ]

    @Test(arguments: badBytes)
    func rejectsInvalidUTF8AndNULBytes(_ input: [UInt8], _ code: ConfigError.Code, _ line: Int, _ column: Int) {
        let error = #expect(throws: ConfigError.self) { try YAML.parse(input, options: ParseOptions(fileName: "t.yaml")) }
        #expect(error?.code == code, "\(String(describing: error))")
        #expect(error?.origin == Origin(file: "t.yaml", line: line, column: column), "\(String(describing: error))")
    }
}
