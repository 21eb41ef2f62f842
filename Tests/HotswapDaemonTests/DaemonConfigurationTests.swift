import HotswapCore
import HotswapDaemon
import HotswapFormats
import Testing

@Suite struct DaemonConfigurationTests {
    func parse(_ json: String) throws(ConfigError) -> DaemonConfiguration {
        let doc = try JSON.parse(Array(json.utf8), options: ParseOptions(fileName: "/etc/hotswapd/demo.json"))
        return try DaemonConfiguration(parsing: doc, path: "/etc/hotswapd/demo.json", baseDirectory: "/etc/hotswapd")
    }

    @Test func minimalConfiguration_getsTheDocumentedDefaults() throws {
        let c = try parse(#"{"instance": "demo"}"#)
        #expect(c.instance == "demo")
        #expect(c.sources.isEmpty)
        #expect(c.debounceMilliseconds == 100)
        #expect(c.historySize == 50)
        #expect(c.stateDirectory == "/var/lib/hotswapd/demo")
        #expect(c.controlSocket == "/run/hotswapd/demo.sock")
        #expect(c.segmentMode == 0o644)
        #expect(c.segmentGroup == nil)
        #expect(c.schemaPath == nil)
    }

    @Test func sources_getDefaultPrioritiesAndResolveRelativePaths() throws {
        let c = try parse(#"""
        {"instance": "demo", "schema": "schema.yaml", "sources": [
          {"file": "app/default.yaml"}, {"file": "/abs/prod.yaml", "optional": true},
          {"dir": "app/conf.d"}, {"env": {"prefix": "APP"}}, {"file": "x.toml", "priority": 500}]}
        """#)
        #expect(c.schemaPath == "/etc/hotswapd/schema.yaml")
        #expect(c.sources == [
            SourceSpec(kind: .file(path: "/etc/hotswapd/app/default.yaml"), priority: 100),
            SourceSpec(kind: .file(path: "/abs/prod.yaml"), priority: 200, optional: true),
            SourceSpec(kind: .directory(path: "/etc/hotswapd/app/conf.d"), priority: 250),
            SourceSpec(kind: .environment(prefix: "APP", separator: "__"), priority: 300),
            SourceSpec(kind: .file(path: "/etc/hotswapd/x.toml"), priority: 500),
        ])
    }

    @Test func segmentAndControl_areRead() throws {
        let c = try parse(#"""
        {"instance": "a.b-c_1", "segment": {"mode": "0640", "group": "hotswap"},
         "control": {"socket": "/tmp/x.sock", "allow_uids": [1000], "allow_groups": ["wheel", 27]},
         "watch": {"debounce_ms": 0}, "history": {"size": 3}, "state_dir": "state", "log_level": "debug"}
        """#)
        #expect(c.segmentMode == 0o640)
        #expect(c.segmentGroup == "hotswap")
        #expect(c.controlSocket == "/tmp/x.sock")
        #expect(c.allowUIDs == [1000])
        #expect(c.allowGroups == ["wheel", "27"])
        #expect(c.debounceMilliseconds == 0)
        #expect(c.historySize == 3)
        #expect(c.stateDirectory == "/etc/hotswapd/state")
    }

    @Test(arguments: [
        (#"{"instance": "demo", "sourcse": []}"#, "1:33", "did you mean 'sources'"),
        (#"{"sources": []}"#, "1:1", "missing required key 'instance'"),
        (#"{"instance": "../etc"}"#, "1:14", "instance '../etc'"),
        (#"{"instance": "d", "sources": [{"file": "a", "dir": "b"}]}"#, "1:31", "exactly one of"),
        (#"{"instance": "d", "sources": [{"fille": "a"}]}"#, "1:41", "did you mean 'file'"),
        (#"{"instance": "d", "watch": {"debounce_ms": "fast"}}"#, "1:44", "must be an integer"),
        (#"{"instance": "d", "segment": {"mode": "rw"}}"#, "1:39", "octal file mode"),
        (#"{"instance": "d", "history": {"size": 0}}"#, "1:39", "between 1 and"),
        (#"{"instance": "d", "log_level": "loud"}"#, "1:32", "log_level 'loud'"),
        (#"[1]"#, "1:1", "must be a mapping"),
    ])
    func mistakes_areRejectedWithTheirLocation(_ json: String, _ location: String, _ message: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.hasPrefix("/etc/hotswapd/demo.json:\(location): "), "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }
}

@Suite struct EnvironmentSourceTests {
    @Test func variablesWithThePrefix_becomeLowerCasedNestedKeys() throws {
        let env = ["APP_server__port": "9090", "APP_LOG__LEVEL": "debug", "APP_name": "x", "OTHER": "1", "APP_": "ignored", "APPX_a": "no"]
        let doc = try environmentLayer(prefix: "APP", separator: "__", environment: env)
        #expect(doc == ["server": ["port": "9090"], "log": ["level": "debug"], "name": "x"])
        #expect(doc["server"]?["port"]?.origin?.file == "<env>")
        #expect(doc["server"]?["port"]?.origin?.source == "APP_server__port")
    }

    @Test func customSeparator_andEmptyPrefix() throws {
        #expect(try environmentLayer(prefix: "", separator: ".", environment: ["a.b": "1"]) == ["a": ["b": "1"]])
    }

    @Test func conflictingVariables_areAnErrorNamingTheVariable() {
        #expect(throws: ConfigError(.path, "")) {
            try environmentLayer(prefix: "APP", separator: "__", environment: ["APP_a": "1", "APP_a__b": "2"])
        }
        #expect(throws: ConfigError(.path, "")) {
            try environmentLayer(prefix: "APP", separator: "__", environment: ["APP_a____b": "1"])
        }
    }
}

@Suite struct WatchPlanTests {
    let existing: Set<String> = ["/", "/etc", "/etc/app", "/etc/app/conf.d", "/k8s"]

    func plan(files: [String], dirs: [String], links: [String: String] = [:]) -> WatchPlan {
        WatchPlan(files: files, directories: dirs, isDirectory: { existing.contains($0) }, resolveSymlinks: { links[$0] ?? $0 })
    }

    @Test func files_areWatchedThroughTheirParentDirectory() {
        let p = plan(files: ["/etc/app/default.yaml", "/etc/app/prod.yaml"], dirs: [])
        #expect(p.directories.count == 1)
        let i = p.directories["/etc/app"]!
        #expect(i.matches("default.yaml"))
        #expect(i.matches("prod.yaml"))
        #expect(!i.matches("default.yaml.swp"))
        #expect(!i.matches("other.yaml"))
        #expect(i.matches("..data"))
    }

    @Test func dropInDirectories_matchConfigFilesOnly_andAreWatchedFromTheirParent() {
        let p = plan(files: [], dirs: ["/etc/app/conf.d"])
        let d = p.directories["/etc/app/conf.d"]!
        #expect(d.matches("10-a.yaml") && d.matches("b.toml") && d.matches("c.json") && d.matches("d.yml"))
        #expect(!d.matches("README") && !d.matches(".hidden.yaml") && !d.matches("x.yaml~"))
        #expect(p.directories["/etc/app"]!.matches("conf.d"))
    }

    @Test func missingPaths_areWatchedFromTheNearestExistingAncestor() {
        let p = plan(files: ["/etc/app/later/deep/x.yaml"], dirs: ["/srv/conf.d"])
        #expect(p.directories["/etc/app"]!.matches("later"))
        #expect(p.directories["/"]!.matches("srv"))
        #expect(p.directories["/etc/app/later"] == nil)
    }

    @Test func symlinkedFiles_alsoWatchTheTargetDirectory() {
        let p = plan(files: ["/etc/app/default.yaml"], dirs: [], links: ["/etc/app/default.yaml": "/k8s/..2024/default.yaml"])
        #expect(p.directories["/etc/app"]!.matches("default.yaml"))
        #expect(p.directories["/k8s"]!.matches("..2024"))
    }
}
