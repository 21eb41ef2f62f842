import Foundation
import HotswapTestSupport
import Testing

/// Shared fixture of the control tests: a schema with every scalar type, a secret
/// (`writeOnly`), a default, and a free-form integer map for runtime overrides; a default
/// file (priority 100), an environment-specific file (200) and environment variables (300).
enum ControlFixture {
    static let schema = """
    type: object
    properties:
      server:
        type: object
        properties:
          port: { type: integer, minimum: 1, maximum: 65535 }
          host: { type: string, default: localhost }
          name: { type: string }
          debug: { type: boolean }
          ratio: { type: number }
          tags: { type: array, items: { type: string } }
          limits: { type: object }
          nothing: { type: "null" }
        additionalProperties: false
      database:
        type: object
        properties:
          user: { type: string }
          password: { type: string, writeOnly: true }
      values:
        type: object
        additionalProperties: { type: integer }
    """

    static let app = """
    server:
      port: 8080
      name: demo app
      debug: false
      ratio: 0.1
      tags: [a, b]
      limits: { cpu: 2 }
    database:
      user: app
      password: hunter2
    values: {}

    """

    static let prod = """
    server:
      port: 8081

    """

    /// Writes the fixture into `dir` and starts a daemon on it, with a notify socket that is
    /// drained all the time; returns once READY=1 arrived. Stop both when done.
    static func start(_ dir: URL, app: String = app, extra: String = "", env: [String: String] = ["T_server__debug": "true"],
                      debounce: Int = 20) throws -> (RunningDaemon, NotifyListener)
    {
        try app.write(to: dir.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
        try prod.write(to: dir.appendingPathComponent("prod.yaml"), atomically: true, encoding: .utf8)
        try schema.write(to: dir.appendingPathComponent("schema.yaml"), atomically: true, encoding: .utf8)
        let notify = try NotifyListener(path: dir.appendingPathComponent("drained-notify.sock").path)
        let d = try RunningDaemon(directory: dir, config: """
        schema: schema.yaml
        sources:
          - file: app.yaml
          - file: prod.yaml
          - env: { prefix: T, separator: "__" }
        watch: { debounce_ms: \(debounce) }
        \(extra)
        """, environment: env.merging(notify.environment) { $1 })
        try notify.waitFor("READY=1", daemon: d)
        return (d, notify)
    }
}

/// Checks the contract of a failing hotswapctl run: a non-zero status and exactly one line on
/// stderr that contains every one of `fragments`.
func expectOneLineFailure(_ r: CommandResult, _ fragments: [String], status: Int32? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation)
{
    #expect(r.status != 0, "expected a failure: \(r)", sourceLocation: sourceLocation)
    if let status { #expect(r.status == status, "\(r)", sourceLocation: sourceLocation) }
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines[1].isEmpty, "one line on stderr: \(r.stderr)", sourceLocation: sourceLocation)
    for f in fragments {
        #expect(r.stderr.contains(f), "stderr lacks '\(f)': \(r.stderr)", sourceLocation: sourceLocation)
    }
}

/// Each hotswapctl verb against a real daemon, its `--json` output parsed with Foundation.
@Suite(.serialized) struct ControlEndToEndTests {
    // MARK: status, get, dump, explain

    @Test func status_json_reportsInstanceGenerationHashSourcesAndState() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let s = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect(s["instance"] as? String == d.instance)
            #expect(int(s["generation"]) == Int64(r.generation))
            let hash = try #require(s["content_hash"] as? String)
            #expect(hash.count >= 16 && hash.allSatisfy(\.isHexDigit), "\(hash)")
            #expect(s["degraded"] as? Bool == false)
            #expect((s["published_at"] as? String)?.hasSuffix("Z") == true, "\(s)")
            #expect(s["rollback_to"] is NSNull)
            let sources = try #require(s["sources"] as? [[String: Any]])
            #expect(sources.count == 3)
            #expect(sources.map { int($0["priority"]) } == [100, 200, 300])
            #expect(sources.allSatisfy { $0["state"] as? String == "ok" }, "\(sources)")
            #expect((sources[0]["name"] as? String)?.hasSuffix("app.yaml") == true)
            let last = try #require(s["last_reload"] as? [String: Any])
            #expect(last["cause"] as? String == "start")
            #expect(last["result"] as? String == "published")
            #expect((s["override_paths"] as? [Any])?.isEmpty == true)

            // A rejected reload shows in status with its reason, and the daemon is not degraded
            // (the last good snapshot is live), the failing source is in error.
            try d.write("prod.yaml", "server:\n  port: [\n")
            try n.waitFor("rejected", daemon: d)
            let bad = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect(int(bad["generation"]) == Int64(r.generation))
            let badLast = try #require(bad["last_reload"] as? [String: Any])
            #expect(badLast["result"] as? String == "rejected")
            #expect((badLast["errors"] as? [String])?.first?.contains("prod.yaml:") == true, "\(badLast)")
            let badSources = try #require(bad["sources"] as? [[String: Any]])
            #expect(badSources[1]["state"] as? String == "error", "\(badSources)")
            #expect((badSources[1]["error"] as? String)?.contains("prod.yaml:") == true)

            let text = try d.ctl(["status"])
            #expect(text.status == 0)
            #expect(text.stdout.contains("instance:    \(d.instance)"), "\(text.stdout)")
            #expect(text.stdout.contains("generation:  \(r.generation) (content hash \(hash)"), "\(text.stdout)")
            #expect(text.stdout.contains("rejected"), "\(text.stdout)")
        }
    }

    @Test(arguments: [
        // (path, plain output, --json output)
        ("server.name", "demo app", "\"demo app\""),
        ("server.port", "8080", "8080"),
        ("server.ratio", "0.1", "0.1"),
        ("server.debug", "false", "false"),
        ("server.nothing", "null", "null"),
        ("server.tags", #"["a","b"]"#, #"["a","b"]"#),
        ("server.limits", #"{"cpu":2}"#, #"{"cpu":2}"#),
        ("/server/tags/1", "b", "\"b\""),
        ("server.tags.0", "a", "\"a\""),
        ("/odd/a.b", "dotted key", "\"dotted key\""),
        ("server.quote", "say \"hi\"\tnow", #""say \"hi\"\tnow""#),
    ])
    func get_printsScalarsPlainly_andContainersAsJSON(_ path: String, _ plain: String, _ json: String) throws {
        try withTemporaryDirectory { dir in
            try "server:\n  port: 8080\n".write(to: dir.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
            try #"""
            {"server": {"name": "demo app", "port": 8080, "ratio": 0.1, "big": 1e21, "debug": false, "nothing": null,
                        "tags": ["a", "b"], "limits": {"cpu": 2}, "quote": "say \"hi\"\tnow"},
             "odd": {"a.b": "dotted key"}}
            """#.write(to: dir.appendingPathComponent("all.json"), atomically: true, encoding: .utf8)
            let d = try RunningDaemon(directory: dir, config: "sources:\n  - file: all.json\n")
            defer { d.stop() }
            try d.waitForNotification(containing: "READY=1")
            let p = try d.ctl(["get", path])
            #expect(p.status == 0 && p.stdout == plain + "\n", "\(p)")
            let j = try d.ctl(["get", path, "--json"])
            #expect(j.status == 0 && j.stdout == json + "\n", "\(j)")
        }
    }

    @Test func get_printsFloatsInTheirShortestRoundTripForm() throws {
        try withTemporaryDirectory { dir in
            try #"{"a": 1e21, "b": 0.30000000000000004, "c": -2.5e-8, "d": 123456789.125}"#
                .write(to: dir.appendingPathComponent("f.json"), atomically: true, encoding: .utf8)
            let d = try RunningDaemon(directory: dir, config: "sources:\n  - file: f.json\n")
            defer { d.stop() }
            try d.waitForNotification(containing: "READY=1")
            for (path, value) in [("a", 1e21), ("b", 0.30000000000000004), ("c", -2.5e-8), ("d", 123456789.125)] {
                let out = try d.ctl(["get", path]).stdout.trimmingCharacters(in: .newlines)
                #expect(Double(out) == value, "\(path): \(out)")
                // Shortest: no representation with fewer significant digits reads back the same.
                let mantissa = out.split(separator: "e")[0].filter(\.isNumber).drop { $0 == "0" }
                let digits = String(mantissa.reversed().drop { $0 == "0" }).count
                #expect(digits == Self.shortestDigits(value), "\(path): \(out)")
            }
        }
    }

    /// The number of significant digits of the shortest decimal that reads back as `v`.
    static func shortestDigits(_ v: Double) -> Int {
        (1...17).first { Double(String(format: "%.\($0 - 1)e", v)) == v } ?? 17
    }

    @Test func get_readsTheSegment_evenWhenTheDaemonIsDown_andAMissingKeyFailsInOneLine() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            d.signal(SIGTERM)
            #expect(try d.waitForExit() == 0)
            let r = try d.ctl(["get", "server.port"])
            #expect(r.status == 0 && r.stdout == "8081\n", "\(r)")
            expectOneLineFailure(try d.ctl(["get", "server.nope"]), ["no value at 'server.nope'"], status: 1)
            expectOneLineFailure(try d.ctl(["--instance", "no-such-instance-\(getpid())", "get", "server.port"]),
                                 ["cannot open the segment"], status: 1)
            // The daemon is down, so the socket verbs fail, in one line, naming the socket.
            expectOneLineFailure(try d.ctl(["status"]), ["cannot reach hotswapd at \(d.socketPath)"], status: 1)
            d.stop()
            n.stop()
        }
    }

    @Test func dump_inEachFormat_redactsSecretsUnlessShowSecrets() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let doc = try #require(try d.ctlJSON(["dump"]) as? [String: Any])
            let server = try #require(doc["server"] as? [String: Any])
            #expect(int(server["port"]) == 8081)
            #expect(server["host"] as? String == "localhost")
            #expect(server["debug"] as? Bool == true)
            let db = try #require(doc["database"] as? [String: Any])
            #expect(db["user"] as? String == "app")
            #expect(db["password"] as? String == "<redacted>")

            let json = try d.ctl(["dump", "--format", "json"])
            #expect(json.status == 0)
            #expect(try NSDictionary(dictionary: try jsonObject(json.stdout)).isEqual(to: doc), "\(json.stdout)")
            for format in ["yaml", "toml"] {
                let out = try d.ctl(["dump", "--format", format])
                #expect(out.status == 0, "\(out)")
                #expect(out.stdout.contains("<redacted>") && !out.stdout.contains("hunter2"), "\(format): \(out.stdout)")
                #expect(out.stdout.contains("8081") && out.stdout.contains("demo app"), "\(format): \(out.stdout)")
            }
            let toml = try d.ctl(["dump", "--format", "toml"]).stdout
            #expect(toml.contains("[server]") && toml.contains("port = 8081"), "\(toml)")

            let shown = try #require(try d.ctlJSON(["dump", "--show-secrets"]) as? [String: Any])
            #expect((shown["database"] as? [String: Any])?["password"] as? String == "hunter2")
            let shownYAML = try d.ctl(["dump", "--format", "yaml", "--show-secrets"])
            #expect(shownYAML.stdout.contains("hunter2"), "\(shownYAML)")

            expectOneLineFailure(try d.ctl(["dump", "--format", "xml"]), ["unknown format 'xml'"], status: 2)
        }
    }

    @Test func explain_namesTheWinnerWithFileAndLine_whatItOverrode_defaultsAndVariables() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let port = try #require(try d.ctlJSON(["explain", "server.port"]) as? [String: Any])
            #expect(int(port["value"]) == 8081)
            #expect((port["winner"] as? String)?.hasSuffix("prod.yaml") == true, "\(port)")
            #expect((port["origin"] as? String)?.hasSuffix("prod.yaml:2:9") == true, "\(port)")
            let overridden = try #require(port["overridden"] as? [[String: Any]])
            #expect(overridden.count == 1)
            #expect(int(overridden.first?["value"]) == 8080)
            #expect(int(overridden.first?["priority"]) == 100)
            #expect((overridden.first?["origin"] as? String)?.hasSuffix("app.yaml:2:9") == true, "\(overridden)")

            let host = try #require(try d.ctlJSON(["explain", "server.host"]) as? [String: Any])
            #expect(host["winner"] as? String == "default from schema", "\(host)")
            #expect(host["value"] as? String == "localhost")
            #expect((host["overridden"] as? [Any])?.isEmpty == true)

            let debug = try #require(try d.ctlJSON(["explain", "server.debug"]) as? [String: Any])
            #expect(debug["winner"] as? String == "env T", "\(debug)")
            #expect(debug["value"] as? Bool == true, "coerced by the schema: \(debug)")
            #expect((debug["origin"] as? String)?.contains("T_server__debug") == true, "\(debug)")
            let envOverridden = try #require(debug["overridden"] as? [[String: Any]])
            #expect(envOverridden.first?["value"] as? Bool == false, "\(envOverridden)")

            let secret = try #require(try d.ctlJSON(["explain", "database.password"]) as? [String: Any])
            #expect(secret["value"] as? String == "<redacted>")
            #expect(!String(describing: secret).contains("hunter2"))

            // An override wins over all of them, and explain says so.
            #expect(try d.ctl(["set", "server.port", "9090"]).status == 0)
            let set = try #require(try d.ctlJSON(["explain", "server.port"]) as? [String: Any])
            #expect(set["winner"] as? String == "override", "\(set)")
            #expect((set["overridden"] as? [[String: Any]])?.map { int($0["value"]) } == [8081, 8080], "\(set)")

            let text = try d.ctl(["explain", "/server/port"])
            #expect(text.status == 0)
            #expect(text.stdout.hasPrefix("server.port = 9090\n"), "\(text.stdout)")
            #expect(text.stdout.contains("prod.yaml:2:9") && text.stdout.contains("priority 200"), "\(text.stdout)")
            #expect(try d.ctl(["explain", "server.host"]).stdout.contains("default from schema"))
            #expect(try d.ctl(["explain", "server.debug"]).stdout.contains("T_server__debug"))
            expectOneLineFailure(try d.ctl(["explain", "server.nope"]), ["no value at 'server.nope'"], status: 1)
        }
    }

    // MARK: reload, set, unset, patch

    @Test func reload_publishesWhatChanged_andSaysUnchangedOtherwise() throws {
        try withTemporaryDirectory { dir in
            // A debounce far longer than the test (the longest allowed), so only `reload` picks
            // the change up.
            let (d, n) = try ControlFixture.start(dir, debounce: 60_000)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let g = r.generation
            let same = try #require(try d.ctlJSON(["reload"]) as? [String: Any])
            #expect(same["result"] as? String == "unchanged" && int(same["generation"]) == Int64(g), "\(same)")
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            let changed = try #require(try d.ctlJSON(["reload"]) as? [String: Any])
            #expect(changed["result"] as? String == "published", "\(changed)")
            #expect(int(changed["generation"]) == Int64(g + 1))
            #expect(try r.generation == g + 1 && (try r.int("server.port")) == 8082)
            let status = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect((status["last_reload"] as? [String: Any])?["cause"] as? String == "reload by uid 0", "\(status)")

            // A bad file: refused with its file:line:column, in one line; nothing published.
            try d.write("prod.yaml", "server:\n  port: 0\n")
            expectOneLineFailure(try d.ctl(["reload"]), ["rejected", "prod.yaml:2:9", "server.port"], status: 1)
            #expect(r.generation == g + 1)
            #expect(try d.ctl(["reload"]).stdout.isEmpty, "no output on stdout for a failure")
            try d.write("prod.yaml", "server:\n  port: 8083\n")
            let text = try d.ctl(["reload"])
            #expect(text.status == 0 && text.stdout == "published generation \(g + 2)\n", "\(text)")
        }
    }

    @Test func set_coercesThroughTheSchema_isListed_andUnsetRestoresTheFileValue() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let g = r.generation
            let set = try #require(try d.ctlJSON(["set", "server.port", "9090"]) as? [String: Any])
            #expect(set["result"] as? String == "published" && int(set["generation"]) == Int64(g + 1), "\(set)")
            #expect(r.generation == g + 1)
            #expect(try r.int("server.port") == 9090, "the string \"9090\" became an integer")
            #expect(try d.ctl(["get", "server.port", "--json"]).stdout == "9090\n")
            let dumped = try #require(try d.ctlJSON(["dump"]) as? [String: Any])
            #expect((dumped["server"] as? [String: Any])?["port"] is NSNumber)

            // A JSON value, a dotted and a pointer path; the same value again changes nothing.
            #expect(try d.ctl(["set", "/server/tags", #"["x","y","z"]"#]).status == 0)
            #expect(try r.json("server.tags") == #"["x","y","z"]"#)
            let again = try #require(try d.ctlJSON(["set", "server.port", "9090"]) as? [String: Any])
            #expect(again["result"] as? String == "unchanged" && int(again["generation"]) == Int64(g + 2), "\(again)")

            let status = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect(Set(status["override_paths"] as? [String] ?? []) == ["server.port", "server.tags"], "\(status)")
            #expect(try d.ctl(["status"]).stdout.contains("overrides:   "), "listed in the text status too")
            let persisted = try jsonObject(String(contentsOfFile: d.stateDirectory + "/overrides.json", encoding: .utf8))
            #expect((persisted["server"] as? [String: Any])?.keys.sorted() == ["port", "tags"], "\(persisted)")

            let unset = try #require(try d.ctlJSON(["unset", "server.port"]) as? [String: Any])
            #expect(unset["result"] as? String == "published", "\(unset)")
            #expect(try r.int("server.port") == 8081, "the file's value applies again")
            #expect(try d.ctl(["unset", "server.tags"]).stdout == "published generation \(g + 4)\n")
            #expect(r.generation == g + 4)
            #expect(!FileManager.default.fileExists(atPath: d.stateDirectory + "/overrides.json"), "no overrides left")
            let cleared = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect((cleared["override_paths"] as? [Any])?.isEmpty == true, "no empty parent left behind: \(cleared)")
            let reload = try d.ctl(["reload"])
            #expect(reload.status == 0 && reload.stdout == "unchanged (generation \(g + 4))\n", "reloads still work: \(reload)")
            expectOneLineFailure(try d.ctl(["unset", "server.port"]), ["no runtime override at 'server.port'"], status: 1)
        }
    }

    @Test(arguments: [
        (["set", "server.port", "70000"], "must be at most 65535"),
        (["set", "server.port", "eighty"], "server.port"),
        (["set", "server.bogus", "1"], "server.bogus"),
        (["set", "values.n", "1.5"], "values.n"),
        (["set", "server.port", "{not json"], "<value>:1:"),
        (["set", "", "1"], "set needs a key path"),
    ])
    func set_invalidValue_isRefusedWithTheReason_andChangesNothing(_ args: [String], _ reason: String) throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let g = r.generation
            let before = try d.ctl(["dump", "--show-secrets", "--json"]).stdout
            expectOneLineFailure(try d.ctl(args), [reason])
            let json = try d.ctl(args + ["--json"])
            #expect(json.status != 0 && json.stdout.isEmpty)
            let err = try jsonObject(json.stderr)
            #expect(err["ok"] as? Bool == false && (err["error"] as? String)?.contains(reason) == true, "\(json.stderr)")
            #expect(r.generation == g)
            #expect(try d.ctl(["dump", "--show-secrets", "--json"]).stdout == before)
            #expect(!FileManager.default.fileExists(atPath: d.stateDirectory + "/overrides.json"))
            let status = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect((status["override_paths"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func patch_fromAFileAndFromStdin_isAppliedAtomically() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            var g = r.generation
            try d.write("p1.json", #"[{"op": "replace", "path": "/server/port", "value": 9191}, {"op": "add", "path": "/values/a", "value": 1}]"#)
            let p1 = try #require(try d.ctlJSON(["patch", dir.appendingPathComponent("p1.json").path]) as? [String: Any])
            #expect(p1["result"] as? String == "published" && int(p1["generation"]) == Int64(g + 1), "\(p1)")
            g += 1
            #expect(try r.int("server.port") == 9191 && (try r.int("values.a")) == 1)

            // YAML by extension, and standard input.
            try d.write("p2.yaml", "- { op: copy, from: /values/a, path: /values/b }\n")
            #expect(try d.ctl(["patch", dir.appendingPathComponent("p2.yaml").path]).status == 0)
            g += 1
            #expect(try r.int("values.b") == 1)
            let stdin = try d.ctl(["patch", "-"], stdin: #"[{"op": "test", "path": "/server/port", "value": 9191}, {"op": "replace", "path": "/server/port", "value": 9292}]"#)
            #expect(stdin.status == 0 && stdin.stdout == "published generation \(g + 1)\n", "\(stdin)")
            g += 1
            #expect(try r.int("server.port") == 9292)

            // `test` sees values as dump shows them: converted by the schema, from the
            // environment ("true") as from `set` ("7"), and defaults filled in.
            #expect(try d.ctl(["set", "values.s", "7"]).status == 0)
            g += 1
            let typed = try d.ctl(["patch", "-"], stdin: #"[{"op": "test", "path": "/server/debug", "value": true}, {"op": "test", "path": "/values/s", "value": 7}, {"op": "test", "path": "/server/host", "value": "localhost"}, {"op": "add", "path": "/values/t", "value": 1}]"#)
            #expect(typed.status == 0, "\(typed)")
            g += 1
            #expect(try r.generation == g && r.int("values.t") == 1)

            // A failing `test` after a good operation: nothing of the patch applies.
            let failing = try d.ctl(["patch", "-"], stdin: #"[{"op": "replace", "path": "/values/a", "value": 2}, {"op": "test", "path": "/server/port", "value": 1}]"#)
            expectOneLineFailure(failing, ["test"], status: 1)
            #expect(try r.generation == g && (try r.int("values.a")) == 1)

            // A patch whose result breaks the schema: the schema's reason, nothing applies.
            let invalid = try d.ctl(["patch", "-"], stdin: #"[{"op": "add", "path": "/values/c", "value": 3}, {"op": "replace", "path": "/server/port", "value": 0}]"#)
            expectOneLineFailure(invalid, ["rejected", "server.port"], status: 1)
            #expect(r.generation == g && r.intStatus("values.c") != 0)

            // Removing a key that a file provides is refused, naming the key and why.
            let remove = try d.ctl(["patch", "-"], stdin: #"[{"op": "remove", "path": "/server/name"}]"#)
            expectOneLineFailure(remove, ["server.name", "configuration file"], status: 1)
            #expect(try r.generation == g && (try r.string("server.name")) == "demo app")

            // Removing a key that only an override provides works, and moves are fine too.
            #expect(try d.ctl(["patch", "-"], stdin: #"[{"op": "remove", "path": "/values/b"}, {"op": "move", "from": "/values/a", "path": "/values/z"}]"#).status == 0)
            #expect(try r.intStatus("values.b") != 0 && r.intStatus("values.a") != 0 && (try r.int("values.z")) == 1)

            // Malformed patches are refused before reaching the daemon.
            expectOneLineFailure(try d.ctl(["patch", "-"], stdin: #"[{"op": "frobnicate", "path": "/x"}]"#), ["frobnicate"])
            expectOneLineFailure(try d.ctl(["patch", "-"], stdin: #"{"op": "add"}"#), [])
            expectOneLineFailure(try d.ctl(["patch", dir.appendingPathComponent("missing.json").path]), ["missing.json"])
        }
    }

    // MARK: history, diff, rollback

    @Test func history_listsEveryGeneration_newestFirst_withItsCause() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let g0 = r.generation
            #expect(try d.ctl(["set", "values.a", "1"]).status == 0)
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            _ = try r.waitForGeneration(after: g0 + 1)
            #expect(try d.ctl(["patch", "-"], stdin: #"[{"op": "add", "path": "/values/b", "value": 2}]"#).status == 0)
            let entries = try #require(try d.ctlJSON(["history"]) as? [[String: Any]])
            let generations = entries.compactMap { int($0["generation"]) }
            #expect(generations == [g0 + 3, g0 + 2, g0 + 1, g0].map { Int64($0) }, "\(entries)")
            #expect(entries.map { $0["cause"] as? String ?? "" } == ["patch by uid 0", "file change", "set values.a by uid 0", "start"])
            #expect(entries.map { $0["live"] as? Bool } == [true, false, false, false])
            #expect(entries.allSatisfy { ($0["content_hash"] as? String)?.isEmpty == false && $0["published_at"] is String })
            #expect(Set(entries.compactMap { $0["content_hash"] as? String }).count == 4)
            let times = entries.compactMap { int($0["published_at_ns"]) }
            #expect(times == times.sorted(by: >), "newest first")
            let text = try d.ctl(["history"])
            #expect(text.status == 0)
            #expect(text.stdout.split(separator: "\n").dropFirst().first?.hasPrefix("* \(g0 + 3) ") == true, "\(text.stdout)")
        }
    }

    @Test func history_keepsTheLastN() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir, extra: "history: { size: 3 }")
            defer { d.stop(); n.stop() }
            for i in 1...5 { #expect(try d.ctl(["set", "values.a", "\(i)"]).status == 0) }
            let entries = try #require(try d.ctlJSON(["history"]) as? [[String: Any]])
            let g = Int64(try SegmentReader(instance: d.instance).generation)
            #expect(entries.compactMap { int($0["generation"]) } == [g, g - 1, g - 2])
            let files = try FileManager.default.contentsOfDirectory(atPath: d.stateDirectory + "/history").filter { $0.hasSuffix(".json") }
            #expect(files.count == 3, "\(files)")
        }
    }

    @Test func diff_betweenTwoGenerations_andAgainstTheLiveOne() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let g1 = try SegmentReader(instance: d.instance).generation
            #expect(try d.ctl(["set", "server.port", "9090"]).status == 0)
            #expect(try d.ctl(["set", "values.x", "1"]).status == 0)
            let g2 = g1 + 1, g3 = g1 + 2

            let a = try #require(try d.ctlJSON(["diff", "\(g1)", "\(g2)"]) as? [[String: Any]])
            #expect(a.count == 1, "\(a)")
            #expect(a.first?["path"] as? String == "server.port" && a.first?["kind"] as? String == "changed")
            #expect(int(a.first?["old"]) == 8081 && int(a.first?["new"]) == 9090)

            let live = try #require(try d.ctlJSON(["diff", "\(g1)"]) as? [[String: Any]])
            #expect(Set(live.compactMap { $0["path"] as? String }) == ["server.port", "values.x"], "\(live)")
            #expect(live.first { $0["path"] as? String == "values.x" }?["kind"] as? String == "added")
            #expect(try d.ctlJSON(["diff", "\(g3)", "live"]) as? [Any] != nil)
            #expect(try (try d.ctlJSON(["diff", "\(g3)", "live"]) as? [Any])?.isEmpty == true)
            let back = try #require(try d.ctlJSON(["diff", "live", "\(g1)"]) as? [[String: Any]])
            #expect(back.first { $0["path"] as? String == "values.x" }?["kind"] as? String == "removed", "\(back)")

            let text = try d.ctl(["diff", "\(g1)", "\(g3)"])
            #expect(text.status == 0)
            #expect(text.stdout.contains("~ server.port: 8081 -> 9090\n") && text.stdout.contains("+ values.x: 1\n"), "\(text.stdout)")
            #expect(!text.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
            #expect(try d.ctl(["diff", "\(g3)"]).stdout == "no differences\n")
            expectOneLineFailure(try d.ctl(["diff", "999999"]), ["generation 999999 is not in the history"], status: 1)

            // A secret that changed is listed, its values are not.
            #expect(try d.ctl(["set", "database.password", "s3cret"]).status == 0)
            let secret = try #require(try d.ctlJSON(["diff", "\(g3)"]) as? [[String: Any]])
            #expect(secret.count == 1 && secret.first?["path"] as? String == "database.password", "\(secret)")
            #expect(secret.first?["old"] as? String == "<redacted>" && secret.first?["new"] as? String == "<redacted>", "\(secret)")
            let secretText = try d.ctl(["diff", "\(g3)"]).stdout
            #expect(secretText == "~ database.password: <redacted> -> <redacted>\n", "\(secretText)")
            expectOneLineFailure(try d.ctl(["diff", "yesterday"]), ["'yesterday' is not a generation"], status: 2)
        }
    }

    @Test func rollback_republishesThePreviousDocument_untilAFileChangeWinsAgain() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let g1 = r.generation
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            let g2 = try r.waitForGeneration(after: g1)
            #expect(try r.int("server.port") == 8082)

            let rb = try #require(try d.ctlJSON(["rollback"]) as? [String: Any])
            #expect(rb["result"] as? String == "published" && int(rb["generation"]) == Int64(g2 + 1), "\(rb)")
            #expect(r.generation == g2 + 1, "a rollback is a new generation")
            #expect(try r.int("server.port") == 8081)
            let status = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect(int(status["rollback_to"]) == Int64(g1), "\(status)")
            #expect(try d.ctl(["status"]).stdout.contains("rollback:    in effect (generation \(g1) republished"))
            let history = try #require(try d.ctlJSON(["history"]) as? [[String: Any]])
            #expect((history.first?["cause"] as? String)?.hasPrefix("rollback") == true, "\(history)")
            #expect(history.first?["content_hash"] as? String == history.last?["content_hash"] as? String)
            // explain does not blame prod.yaml (which says 8082) for the 8081 that is live.
            let why = try #require(try d.ctlJSON(["explain", "server.port"]) as? [String: Any])
            #expect(why["winner"] as? String == "rollback to generation \(g1)" && int(why["value"]) == 8081, "\(why)")

            // The files did not change: the next file change merges them again and wins.
            try d.write("prod.yaml", "server:\n  port: 8083\n")
            _ = try r.waitForGeneration(after: g2 + 1)
            #expect(try r.int("server.port") == 8083)
            let after = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect(after["rollback_to"] is NSNull, "\(after)")
            #expect(try !d.ctl(["status"]).stdout.contains("rollback:"))
            let now = try #require(try d.ctlJSON(["explain", "server.port"]) as? [String: Any])
            #expect((now["origin"] as? String)?.hasSuffix("prod.yaml:2:9") == true, "\(now)")

            expectOneLineFailure(try d.ctl(["rollback", "1000"]), ["cannot roll back 1000 generations"], status: 1)
            expectOneLineFailure(try d.ctl(["rollback", "0"]), ["N must be a positive number"], status: 2)
        }
    }

    @Test func rollback_restoresTheOverrideLayerOfThatGeneration() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            #expect(try d.ctl(["set", "values.a", "1"]).status == 0)
            #expect(try d.ctl(["set", "values.a", "2"]).status == 0)
            #expect(try d.ctl(["set", "values.b", "3"]).status == 0)
            #expect(try d.ctl(["rollback", "2"]).status == 0)
            #expect(try r.int("values.a") == 1 && r.intStatus("values.b") != 0)
            let status = try #require(try d.ctlJSON(["status"]) as? [String: Any])
            #expect(status["override_paths"] as? [String] == ["values.a"], "\(status)")
            // A reload keeps the restored overrides (they are the override layer now).
            try d.write("prod.yaml", "server:\n  port: 8090\n")
            let g = try r.waitForGeneration(after: r.generation)
            #expect(try r.int("values.a") == 1 && (try r.int("server.port")) == 8090, "generation \(g)")
            // And the restored layer survives a restart.
            d.signal(SIGTERM)
            _ = try d.waitForExit()
            let mark = n.all.count
            let d2 = try RunningDaemon(directory: dir, config: try String(contentsOfFile: d.configPath, encoding: .utf8),
                                       environment: ["T_server__debug": "true"].merging(n.environment) { $1 }, instance: d.instance)
            defer { d2.stop() }
            try n.waitFor("READY=1", from: mark, daemon: d2)
            #expect(try r.int("values.a") == 1 && r.generation == g, "a restart on the same content publishes nothing")
        }
    }

    // MARK: offline verbs

    @Test func validate_and_convert_workOffline() throws {
        try withTemporaryDirectory { dir in
            try ControlFixture.schema.write(to: dir.appendingPathComponent("schema.yaml"), atomically: true, encoding: .utf8)
            try ControlFixture.app.write(to: dir.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
            try "server:\n  port: 70000\n  prot: 1\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
            let ctl = RunningDaemon.ctlPath
            let schema = dir.appendingPathComponent("schema.yaml").path
            let app = dir.appendingPathComponent("app.yaml").path
            let bad = dir.appendingPathComponent("bad.yaml").path

            let ok = try runCommand(ctl, ["validate", "--schema", schema, app])
            #expect(ok.status == 0 && ok.stdout.hasPrefix("ok: "), "\(ok)")
            let okJSON = try jsonObject(try runCommand(ctl, ["validate", "--schema", schema, app, "--json"]).stdout)
            #expect(okJSON["ok"] as? Bool == true && (int(okJSON["keys"]) ?? 0) > 5, "\(okJSON)")

            let no = try runCommand(ctl, ["validate", "--schema", schema, app, bad])
            expectOneLineFailure(no, ["validate: 2 errors in", "bad.yaml"], status: 1)
            #expect(no.stdout.contains("bad.yaml:2:9: server.port: must be at most 65535"), "\(no.stdout)")
            #expect(no.stdout.contains("bad.yaml:3:") && no.stdout.contains("prot"), "\(no.stdout)")
            let noJSON = try runCommand(ctl, ["validate", "--schema", schema, app, bad, "--json"])
            #expect(noJSON.status == 1)
            let report = try jsonObject(noJSON.stdout)
            #expect(report["ok"] as? Bool == false)
            let errors = try #require(report["errors"] as? [[String: Any]])
            #expect(Set(errors.compactMap { $0["path"] as? String }).contains("server.port"), "\(errors)")
            #expect(errors.contains { ($0["origin"] as? String)?.hasSuffix("bad.yaml:2:9") == true }, "\(errors)")

            let asJSON = try runCommand(ctl, ["convert", "--to", "json", app])
            #expect(asJSON.status == 0)
            let converted = try jsonObject(asJSON.stdout)
            #expect(int((converted["server"] as? [String: Any])?["port"]) == 8080)
            #expect((converted["database"] as? [String: Any])?["password"] as? String == "hunter2", "convert is not dump: nothing is redacted")
            let asTOML = try runCommand(ctl, ["convert", "--to", "toml", app])
            #expect(asTOML.status == 0 && asTOML.stdout.contains("[server]") && asTOML.stdout.contains("port = 8080"), "\(asTOML)")
            let back = try runCommand(ctl, ["convert", "--from", "toml", "--to", "json", "-"], stdin: asTOML.stdout)
            #expect(try NSDictionary(dictionary: try jsonObject(back.stdout)).isEqual(to: converted), "\(back)")
            let yaml = try runCommand(ctl, ["convert", "--from", "json", "--to", "yaml"], stdin: asJSON.stdout)
            #expect(yaml.status == 0 && yaml.stdout.contains("port: 8080"), "\(yaml)")

            expectOneLineFailure(try runCommand(ctl, ["convert", "--from", "yaml", "--to", "json", "-"], stdin: "a: [1,\n"),
                                 ["<stdin>:"], status: 1)
            expectOneLineFailure(try runCommand(ctl, ["convert", app]), ["convert needs --to"], status: 2)
            expectOneLineFailure(try runCommand(ctl, ["validate", "--schema", schema, dir.appendingPathComponent("nope.yaml").path]),
                                 ["nope.yaml"], status: 1)
        }
    }

    @Test func patchTo_appliesToAFileOffline_andPrintsTheResultInItsFormat() throws {
        try withTemporaryDirectory { dir in
            let ctl = RunningDaemon.ctlPath
            let app = dir.appendingPathComponent("app.yaml")
            try ControlFixture.app.write(to: app, atomically: true, encoding: .utf8)
            let patch = dir.appendingPathComponent("p.json")
            try #"[{"op": "test", "path": "/server/port", "value": 8080}, {"op": "replace", "path": "/server/port", "value": 9000}, {"op": "remove", "path": "/server/tags/0"}]"#
                .write(to: patch, atomically: true, encoding: .utf8)
            // No daemon anywhere: --socket points at nothing.
            let none = ["--socket", dir.appendingPathComponent("none.sock").path]
            let out = try runCommand(ctl, none + ["patch", "--to", app.path, patch.path])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.contains("port: 9000") && out.stdout.contains("name: demo app"), "YAML out: \(out.stdout)")
            #expect(try String(contentsOf: app, encoding: .utf8) == ControlFixture.app, "the file itself is not changed")
            let json = try runCommand(ctl, none + ["patch", "--to", app.path, "--json", "-"], stdin: try String(contentsOf: patch, encoding: .utf8))
            let doc = try jsonObject(json.stdout)
            #expect(int((doc["server"] as? [String: Any])?["port"]) == 9000)
            #expect((doc["server"] as? [String: Any])?["tags"] as? [String] == ["b"])
            let toml = dir.appendingPathComponent("app.toml")
            try "[server]\nport = 8080\n".write(to: toml, atomically: true, encoding: .utf8)
            let t = try runCommand(ctl, none + ["patch", "--to", toml.path, "-"], stdin: #"[{"op": "add", "path": "/server/host", "value": "h"}]"#)
            #expect(t.status == 0 && t.stdout.contains("host = \"h\""), "\(t)")

            let failing = try runCommand(ctl, none + ["patch", "--to", app.path, "-"], stdin: #"[{"op": "test", "path": "/server/port", "value": 1}]"#)
            expectOneLineFailure(failing, ["test"], status: 1)
            #expect(failing.stdout.isEmpty)
        }
    }

    // MARK: the command line

    static let verbs = ["status", "get", "dump", "explain", "reload", "set", "unset", "patch", "history", "diff", "rollback", "validate", "convert"]

    @Test func everyVerb_hasHelp_andUsageErrorsAreOneLine() throws {
        let ctl = RunningDaemon.ctlPath
        for verb in Self.verbs {
            let help = try runCommand(ctl, [verb, "--help"])
            #expect(help.status == 0 && help.stdout.hasPrefix("usage: hotswapctl \(verb)"), "\(verb): \(help)")
            #expect(help.stderr.isEmpty)
            let h = try runCommand(ctl, ["--json", verb, "-h"])
            #expect(h.status == 0 && h.stdout == help.stdout, "\(verb) -h")
        }
        let top = try runCommand(ctl, ["--help"])
        #expect(top.status == 0)
        for verb in Self.verbs { #expect(top.stdout.contains("\n  \(verb) "), "\(verb) listed in --help") }
        let bare = try runCommand(ctl, [])
        #expect(bare.status == 2 && bare.stderr.contains("usage:"))
        expectOneLineFailure(try runCommand(ctl, ["frobnicate"]), ["unknown verb 'frobnicate'"], status: 2)
        expectOneLineFailure(try runCommand(ctl, ["set", "a"]), ["set needs PATH and VALUE"], status: 2)
        expectOneLineFailure(try runCommand(ctl, ["status", "--bogus"]), ["unknown option '--bogus'"], status: 2)
        expectOneLineFailure(try runCommand(ctl, ["get", "a..b"]), ["a..b"])
        let json = try runCommand(ctl, ["--json", "frobnicate"])
        #expect(try json.status == 2 && (try jsonObject(json.stderr))["ok"] as? Bool == false, "\(json)")
    }

    @Test func everySocketVerb_withoutADaemon_failsInOneLineNamingTheSocket() throws {
        try withTemporaryDirectory { dir in
            let sock = dir.appendingPathComponent("none.sock").path
            let calls: [[String]] = [["status"], ["dump"], ["explain", "a"], ["reload"], ["set", "a", "1"], ["unset", "a"],
                                     ["history"], ["diff", "1"], ["rollback"]]
            for args in calls {
                let r = try runCommand(RunningDaemon.ctlPath, ["--socket", sock] + args)
                expectOneLineFailure(r, ["cannot reach hotswapd at \(sock)"], status: 1)
                #expect(r.stdout.isEmpty)
                let j = try runCommand(RunningDaemon.ctlPath, ["--socket", sock, "--json"] + args)
                #expect(try j.status == 1 && (try jsonObject(j.stderr))["error"] as? String != nil, "\(j)")
            }
            let patch = try runCommand(RunningDaemon.ctlPath, ["--socket", sock, "patch", "-"], stdin: "[]")
            expectOneLineFailure(patch, ["cannot reach hotswapd"], status: 1)
        }
    }

    @Test func socketActivation_theDaemonServesTheSocketItIsPassed_andLeavesItInPlace() throws {
        try withTemporaryDirectory { dir in
            try ControlFixture.app.write(to: dir.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
            let socket = dir.appendingPathComponent("activated.sock").path
            let instance = "act\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
            let config = dir.appendingPathComponent("hotswapd.yaml").path
            // control.socket names the path for status; the socket itself comes from fd 3.
            try """
            instance: \(instance)
            sources:
              - file: app.yaml
            state_dir: \(dir.appendingPathComponent("state").path)
            control: { socket: \(socket) }
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let notify = try NotifyListener(path: dir.appendingPathComponent("notify.sock").path)
            defer { notify.stop(); SegmentReader.remove(instance: instance) }
            let d = try SocketActivatedDaemon(executable: TestPaths.productsDir.appendingPathComponent("hotswapd").path,
                                              arguments: ["--config", config], socketPath: socket,
                                              logPath: dir.appendingPathComponent("hotswapd.log").path,
                                              environment: notify.environment)
            var exited = false
            defer { if !exited { d.signal(SIGKILL); _ = try? d.waitForExit() } }
            // The socket listens before the daemon runs: this request waits in the backlog.
            let status = try runCommand(RunningDaemon.ctlPath, ["--socket", socket, "status", "--json"])
            #expect(status.status == 0, "\(status) \(d.log)")
            #expect(try jsonObject(status.stdout)["instance"] as? String == instance)
            #expect(try notify.waitFor("READY=1").message.contains("MAINPID=\(d.pid)"))
            let set = try runCommand(RunningDaemon.ctlPath, ["--socket", socket, "set", "values.a", "1"])
            #expect(set.status == 0, "\(set) \(d.log)")
            d.signal(SIGTERM)
            #expect(try d.waitForExit() == 0, "\(d.log)")
            exited = true
            #expect(FileManager.default.fileExists(atPath: socket), "the socket belongs to whoever passed it: not unlinked")
        }
    }

    @Test func configOption_findsTheSocketAndInstance() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let s = try runCommand(RunningDaemon.ctlPath, ["--config", d.configPath, "status", "--json"])
            #expect(try s.status == 0 && (try jsonObject(s.stdout))["instance"] as? String == d.instance, "\(s)")
            let g = try runCommand(RunningDaemon.ctlPath, ["get", "server.port", "--config", d.configPath])
            #expect(g.status == 0 && g.stdout == "8081\n", "\(g)")
        }
    }
}

/// Who may change the configuration: root and the uids and groups the daemon configuration
/// lists; everyone who can connect may read. The clients run as other uids through setpriv.
@Suite(.serialized) struct ControlAuthorizationTests {
    static let nobody: UInt32 = 65534

    /// The daemon configuration's `control:` section, which replaces the harness's.
    static func control(_ dir: URL, _ rules: String) -> String {
        "control: { socket: \(dir.appendingPathComponent("ctl.sock").path), \(rules) }"
    }

    @Test func changingVerbs_fromAUidNotAllowed_areRefused_namingTheUidAndTheRule() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let ctl = try executableCopy(of: RunningDaemon.ctlPath, in: dir.appendingPathComponent("bin"))
            try d.write("patch.json", #"[{"op": "add", "path": "/values/a", "value": 1}]"#)
            let r = try SegmentReader(instance: d.instance)
            let g = r.generation
            let changing: [[String]] = [["set", "values.a", "1"], ["unset", "values.a"], ["reload"], ["rollback"],
                                        ["patch", dir.appendingPathComponent("patch.json").path], ["dump", "--show-secrets"]]
            for args in changing {
                let refused = try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, args)
                expectOneLineFailure(refused, ["permission denied", "uid 65534 may not \(args[0])",
                                               "control.allow_uids [none]", "control.allow_groups [none]"], status: 1)
                #expect(!refused.stderr.contains("hunter2"))
            }
            #expect(r.generation == g, "nothing changed")
            #expect(!FileManager.default.fileExists(atPath: d.stateDirectory + "/overrides.json"))
            #expect(d.stderr.contains("permission denied: uid 65534 may not set"), "refusals are logged")

            // Reading is open to anyone who can connect (and get reads the segment).
            let status = try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, ["status", "--json"])
            #expect(try status.status == 0 && (try jsonObject(status.stdout))["instance"] as? String == d.instance, "\(status)")
            let get = try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, ["get", "server.port"])
            #expect(get.status == 0 && get.stdout == "8081\n", "\(get)")
            let dump = try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, ["dump", "--json"])
            #expect(dump.status == 0 && dump.stdout.contains("<redacted>") && !dump.stdout.contains("hunter2"), "\(dump)")
            for args in [["explain", "server.port"], ["history", "--json"], ["diff", "\(g)"]] {
                let read = try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, args)
                #expect(read.status == 0, "\(args): \(read)")
            }
        }
    }

    @Test func aUidInAllowUids_mayChange_andTheChangeIsAuditedWithItsUidAndPid() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir, extra: Self.control(dir, "allow_uids: [65534]"))
            defer { d.stop(); n.stop() }
            let ctl = try executableCopy(of: RunningDaemon.ctlPath, in: dir.appendingPathComponent("bin"))
            let set = try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, ["set", "values.a", "7", "--json"])
            #expect(set.status == 0, "\(set)")
            #expect(try SegmentReader(instance: d.instance).int("values.a") == 7)
            let history = try #require(try d.ctlJSON(["history"]) as? [[String: Any]])
            #expect(history.first?["cause"] as? String == "set values.a by uid 65534", "\(history)")
            #expect(d.stderr.contains("control: set values.a = \"7\" by uid 65534 pid "), "audit line: \(d.stderr)")
            #expect(try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, ["dump", "--show-secrets"]).stdout.contains("hunter2"))

            // Another uid is still refused, and the refusal shows the rule that exists.
            let other = try d.ctl(as: 23456, gid: 23456, binary: ctl, ["reload"])
            expectOneLineFailure(other, ["uid 23456 may not reload", "control.allow_uids [65534]"], status: 1)
        }
    }

    @Test func membersOfAGroupInAllowGroups_mayChange_byNameOrNumber() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir, extra: Self.control(dir, "allow_groups: [nogroup, 4242]"))
            defer { d.stop(); n.stop() }
            let ctl = try executableCopy(of: RunningDaemon.ctlPath, in: dir.appendingPathComponent("bin"))
            let r = try SegmentReader(instance: d.instance)
            // uid 65534 whose group is nogroup (by name in the configuration).
            #expect(try d.ctl(as: Self.nobody, gid: Self.nobody, binary: ctl, ["set", "values.a", "1"]).status == 0)
            #expect(try r.int("values.a") == 1)
            // A uid without a passwd entry whose group is 4242 (by number).
            #expect(try d.ctl(as: 23456, gid: 4242, binary: ctl, ["set", "values.a", "2"]).status == 0)
            #expect(try r.int("values.a") == 2)
            // The same uid in a group not listed.
            let refused = try d.ctl(as: 23456, gid: 23456, binary: ctl, ["set", "values.a", "3"])
            expectOneLineFailure(refused, ["uid 23456 may not set", "control.allow_groups [nogroup, 4242]"], status: 1)
            #expect(try r.int("values.a") == 2)
        }
    }
}

/// Many clients at once: the daemon serialises their changes, and the history it records is
/// consistent with what each client was told.
@Suite(.serialized) struct ControlConcurrencyTests {
    @Test func concurrentSets_fromManyClients_endInAConsistentHistory() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let g0 = try SegmentReader(instance: d.instance).generation
            // 10 clients set keys of their own, 10 fight over one key; all start before any ends.
            struct Change { var key: String; var value: Int64; var command: BackgroundCommand }
            var changes: [Change] = []
            for i in 0..<20 {
                let (key, value) = i < 10 ? ("k\(i)", Int64(i)) : ("same", Int64(100 + i))
                changes.append(Change(key: key, value: value, command: try d.ctlInBackground(["set", "values.\(key)", "\(value)", "--json"])))
            }
            var acked: [(key: String, value: Int64, generation: Int64)] = []
            for c in changes {
                let r = c.command.wait()
                #expect(r.status == 0, "\(c.key)=\(c.value): \(r)")
                let o = try jsonObject(r.stdout)
                #expect(o["result"] as? String == "published", "every set changes something: \(o)")
                acked.append((c.key, c.value, try #require(int(o["generation"]))))
            }
            let generations = acked.map(\.generation).sorted()
            #expect(generations == (1...20).map { Int64(g0) + $0 }, "one generation each, none lost or shared: \(generations)")

            // The final document has every key, and the contested one holds the last write.
            let doc = try #require(try d.ctlJSON(["dump"]) as? [String: Any])
            let values = try #require(doc["values"] as? [String: Any])
            for i in 0..<10 { #expect(int(values["k\(i)"]) == Int64(i), "k\(i) lost: \(values)") }
            let lastSame = try #require(acked.filter { $0.key == "same" }.max { $0.generation < $1.generation })
            #expect(int(values["same"]) == lastSame.value)

            // The history lists them in order, and each recorded document is the previous one plus
            // that change: everything acknowledged before it is there, nothing from after it.
            let history = try #require(try d.ctlJSON(["history"]) as? [[String: Any]])
            let listed = history.compactMap { int($0["generation"]) }
            #expect(listed == listed.sorted(by: >) && Set(listed).count == listed.count, "\(listed)")
            for (key, value, g) in acked {
                let entry = history.first { int($0["generation"]) == g }
                #expect(entry?["cause"] as? String == "set values.\(key) by uid 0", "\(String(describing: entry))")
                let record = try jsonObject(String(contentsOfFile: historyFile(d, generation: UInt64(g)), encoding: .utf8))
                let recorded = try #require((record["document"] as? [String: Any])?["values"] as? [String: Any])
                for other in acked {
                    let expected: Int64? = other.key == "same"
                        ? acked.filter { $0.key == "same" && $0.generation <= g }.max { $0.generation < $1.generation }?.value
                        : (other.generation <= g ? other.value : nil)
                    #expect(int(recorded[other.key]) == expected, "generation \(g): \(other.key) = \(String(describing: recorded[other.key]))")
                }
            }
        }
    }
}

extension ControlConcurrencyTests {
    @Test func concurrentPatches_withATestOperation_actAsCompareAndSwap() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            #expect(try d.ctl(["set", "values.counter", "0"]).status == 0)
            // 10 clients read 0 and try to move it on; `test` lets exactly one of them win.
            let clients = try (1...10).map { i in
                try d.ctlInBackground(["patch", "-"], stdin: #"[{"op": "test", "path": "/values/counter", "value": 0}, {"op": "replace", "path": "/values/counter", "value": \#(i)}]"#)
            }
            let results = clients.map { $0.wait() }
            let winners = results.indices.filter { results[$0].status == 0 }
            #expect(winners.count == 1, "\(results)")
            for r in results where r.status != 0 { expectOneLineFailure(r, ["test"], status: 1) }
            #expect(try SegmentReader(instance: d.instance).int("values.counter") == Int64(winners.first.map { $0 + 1 } ?? -1))
        }
    }
}

/// The path of a generation's record in the state directory.
func historyFile(_ d: RunningDaemon, generation: UInt64) -> String {
    let s = String(generation)
    return d.stateDirectory + "/history/" + String(repeating: "0", count: max(0, 20 - s.count)) + s + ".json"
}

/// Clients that misbehave never stall the event loop or stop the daemon from serving others.
@Suite(.serialized) struct ControlRobustnessTests {
    @Test func clientsThatConnectAndNeverSend_doNotStallReloads_andAreDroppedWhenIdle() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let silent = try RawControlClient(socketPath: d.socketPath)
            let half = try RawControlClient(socketPath: d.socketPath)
            try half.send(#"{"v": 1, "verb": "sta"#)
            let g = r.generation
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            #expect(try r.waitForGeneration(after: g) == g + 1)
            #expect(try r.int("server.port") == 8082)
            #expect(try d.ctl(["set", "values.a", "1"]).status == 0)
            #expect(r.generation == g + 2)
            d.signal(SIGHUP)
            try n.waitFor("SIGHUP", daemon: d)
            #expect(try d.ctl(["status"]).status == 0)
            // Documented: a connection idle for 10 s is closed (no answer for the half request).
            #expect(try silent.waitForClose(), "the silent client is dropped")
            #expect(try half.readResponse() == nil, "the unfinished request gets no answer, only a close")
        }
    }

    @Test(arguments: [
        ("{not json", "bad request"),
        ("[1, 2]", "must be a JSON object"),
        ("\"status\"", "must be a JSON object"),
        (#"{"verb": "frobnicate"}"#, "unknown verb 'frobnicate'"),
        (#"{"verb": 7}"#, "needs a string 'verb'"),
        (#"{"v": 2, "verb": "status"}"#, "unsupported protocol version"),
        (#"{"verb": "set", "path": "values.a"}"#, "set needs a 'value'"),
        (#"{"verb": "explain"}"#, "explain needs a string 'path'"),
        (#"{"verb": "explain", "path": "a..b"}"#, "bad request"),
        (#"{"verb": "diff", "a": "yesterday"}"#, "'a' must be a generation number"),
        (#"{"verb": "rollback", "steps": -1}"#, "rollback steps must be a positive number"),
        (#"{"verb": "patch", "patch": {"op": "add"}}"#, "bad request"),
        (#"{"verb": "patch", "patch": [{"op": "add", "path": "/x"}]}"#, "bad request"),
        ("{\"verb\": \"st\u{0}atus\"}", "bad request"),
        (String(repeating: "[", count: 100_000), "bad request"),
        ("", "bad request"),
    ])
    func malformedRequests_getAnErrorResponse_andTheDaemonKeepsServing(_ line: String, _ reason: String) throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let response = try #require(try controlRequest(d.socketPath, line))
            #expect(response["ok"] as? Bool == false, "\(response)")
            #expect((response["error"] as? String)?.contains(reason) == true, "\(response)")
            #expect(int(response["v"]) == 1)
            let ok = try #require(try controlRequest(d.socketPath, #"{"v": 1, "verb": "status"}"#))
            #expect(ok["ok"] as? Bool == true)
        }
    }

    @Test func invalidUTF8_getsAnErrorResponse() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let c = try RawControlClient(socketPath: d.socketPath)
            try c.send(Array(#"{"verb": ""#.utf8) + [0xFF, 0xFE, 0xC0] + Array("\"}\n".utf8))
            let response = try jsonObject(try #require(try c.readResponse()))
            #expect(response["ok"] as? Bool == false, "\(response)")
            #expect(try controlRequest(d.socketPath, #"{"verb": "status"}"#)?["ok"] as? Bool == true)
        }
    }

    @Test func anOversizedRequest_isRefused_withoutBlockingPublishing() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let c = try RawControlClient(socketPath: d.socketPath)
            // 17 MiB of one string, no newline; written from another thread, since the daemon
            // stops reading (and closes) once it has seen more than 16 MiB.
            let big = Array(#"{"verb": "set", "path": "values.a", "value": ""#.utf8) + [UInt8](repeating: 0x61, count: 17 << 20)
            let started = Date()
            let writer = Thread { _ = try? c.send(big) }
            writer.start()
            // Meanwhile, a file change is published.
            let g = r.generation
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            #expect(try r.waitForGeneration(after: g) == g + 1)
            let response = try jsonObject(try #require(try c.readResponse(), "an answer before the close"))
            print("oversized request: refused after \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
            #expect(response["ok"] as? Bool == false)
            #expect((response["error"] as? String)?.contains("larger than 16777216 bytes") == true, "\(response)")
            #expect(try c.waitForClose())
            #expect(try controlRequest(d.socketPath, #"{"verb": "status"}"#)?["ok"] as? Bool == true)
            #expect(r.intStatus("values.a") != 0, "nothing of it was applied")
        }
    }

    @Test func clientsThatVanishMidRequest_doNotDisturbTheDaemon() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let g = r.generation
            // Half a request, then gone.
            do {
                let c = try RawControlClient(socketPath: d.socketPath)
                try c.send(#"{"v": 1, "verb": "set", "path": "values.a", "val"#)
            }
            // A whole request, gone before the answer: it is still carried out.
            do {
                let c = try RawControlClient(socketPath: d.socketPath)
                try c.send(#"{"v": 1, "verb": "set", "path": "values.b", "value": 5}"# + "\n")
            }
            #expect(try r.waitForGeneration(after: g) == g + 1)
            #expect(try r.int("values.b") == 5 && r.intStatus("values.a") != 0)
            // A big answer (dump) whose reader leaves after the first bytes.
            do {
                let c = try RawControlClient(socketPath: d.socketPath)
                try c.send(#"{"verb": "dump"}"# + "\n")
                _ = try c.connection.read(max: 10)
            }
            #expect(try d.ctl(["set", "values.c", "6"]).status == 0)
            #expect(try controlRequest(d.socketPath, #"{"verb": "status"}"#)?["ok"] as? Bool == true)
            #expect(d.process.isRunning)
        }
    }

    @Test func aClientThatDoesNotReadALargeAnswer_doesNotBlockPublishing() throws {
        try withTemporaryDirectory { dir in
            // A 4 MiB document: its dump is far larger than a socket buffer.
            let blob = String(repeating: "x", count: 4 << 20)
            let (d, n) = try ControlFixture.start(dir, app: ControlFixture.app + "blob: \(blob)\n")
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            let slow = try RawControlClient(socketPath: d.socketPath)
            try slow.send(#"{"verb": "dump"}"# + "\n")
            let g = r.generation
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            #expect(try r.waitForGeneration(after: g) == g + 1)
            #expect(try d.ctl(["set", "values.a", "1"]).status == 0)
            #expect(try d.ctl(["status"]).status == 0)
            // The answer is still delivered whole when the client gets round to reading it.
            let answer = try jsonObject(try #require(try slow.readResponse()))
            #expect(((answer["result"] as? [String: Any])?["blob"] as? String)?.count == blob.count)
        }
    }

    @Test func thousandsOfConnectionsAtOnce_areCapped_andTheDaemonStillAnswers() throws {
        try withTemporaryDirectory { dir in
            let (d, n) = try ControlFixture.start(dir)
            defer { d.stop(); n.stop() }
            let r = try SegmentReader(instance: d.instance)
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            let count = min(3000, Int(limit.rlim_cur) - 200)
            var flood: [RawControlClient] = []
            for _ in 0..<count { flood.append(try RawControlClient(socketPath: d.socketPath)) }
            // The daemon holds at most 256 of them, yet its loop goes on publishing.
            let g = r.generation
            try d.write("prod.yaml", "server:\n  port: 8082\n")
            #expect(try r.waitForGeneration(after: g) == g + 1)
            #expect(d.process.isRunning)
            // Every connection asks for the status: those the daemon kept are answered, the
            // ones it dropped see the close.
            var answered = 0, dropped = 0
            for c in flood { if (try? c.send(#"{"verb": "status"}"# + "\n")) == nil { dropped += 1 } }
            for c in flood {
                if let line = try? c.readResponse(), (try? jsonObject(line))?["ok"] as? Bool == true { answered += 1 }
            }
            dropped = count - answered
            print("\(count) connections at once: \(answered) answered, \(dropped) dropped")
            #expect(answered >= 1 && answered <= 256 + 129 + 1, "at most the cap plus the listen backlog")
            #expect(dropped >= count - 256 - 129 - 1)
            #expect(d.stderr.contains("too many connections (256)"))
            flood.removeAll()
            // And once they are gone, it answers as usual.
            let status = try d.ctl(["status", "--json"])
            #expect(status.status == 0, "\(status)")
            #expect(try d.ctl(["set", "values.a", "1"]).status == 0)
        }
    }
}
