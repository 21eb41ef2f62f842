import Foundation
import HotswapTestSupport
import Testing

/// The real daemon binary, the real segment, real inotify, a real reader (libhotswap), and a
/// NOTIFY_SOCKET of the test's own. Every wait is on a real event: a notify message, a
/// generation change seen by hs_wait, a process exit.
@Suite(.serialized) struct DaemonEndToEndTests {
    static let schema = """
    type: object
    properties:
      server:
        type: object
        properties:
          port: { type: integer, minimum: 1, maximum: 65535 }
          host: { type: string, default: localhost }
          secret: { type: string, writeOnly: true }
        additionalProperties: false
    """

    /// Starts a daemon over `app.yaml` (+ optional more config), waits for READY=1.
    func start(_ dir: URL, app: String = "server:\n  port: 8080\n", extra: String = "", env: [String: String] = [:],
               debounce: Int = 20) throws -> RunningDaemon
    {
        try app.write(to: dir.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
        try Self.schema.write(to: dir.appendingPathComponent("schema.yaml"), atomically: true, encoding: .utf8)
        let d = try RunningDaemon(directory: dir, config: """
        schema: schema.yaml
        sources:
          - file: app.yaml
          - dir: conf.d
            optional: true
          - env: { prefix: T, separator: "__" }
        watch: { debounce_ms: \(debounce) }
        \(extra)
        """, environment: env)
        try d.waitForNotification(containing: "READY=1")
        return d
    }

    @Test func firstPublish_servesTheMergedValidatedDocument() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            #expect(r.generation >= 1)
            #expect(try r.int("server.port") == 8080)
            #expect(try r.string("server.host") == "localhost")   // default from the schema
            let get = try d.ctl(["get", "server.port"])
            #expect(get.status == 0 && get.stdout == "8080\n", "\(get)")
            // And from Python, through the ctypes binding over libhotswap.so.
            let py = try runCommand("/usr/bin/env", ["python3", "-c",
                "import hotswap; r = hotswap.Reader('\(d.instance)'); print(r.get('server.port'), r.get('server.host'), r.generation)"],
                environment: ["PYTHONPATH": TestPaths.packageRoot.appendingPathComponent("bindings/python").path,
                              "HOTSWAP_LIBRARY": TestPaths.libraryDir.appendingPathComponent("libhotswap.so").path,
                              "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            #expect(py.status == 0 && py.stdout == "8080 localhost \(r.generation)\n", "\(py)")
            #expect(d.notifications.last?.contains("MAINPID=") == true)
        }
    }

    @Test func inPlaceWrite_publishesTheNextGeneration() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            let before = r.generation
            try d.write("app.yaml", "server:\n  port: 8081\n")
            #expect(try r.waitForGeneration(after: before) > before)
            #expect(try r.int("server.port") == 8081)
        }
    }

    @Test func editorStyleRename_isSeen() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            let before = r.generation
            try "server:\n  port: 8082\n".write(to: dir.appendingPathComponent(".app.yaml.swp"), atomically: false, encoding: .utf8)
            #expect(rename(dir.appendingPathComponent(".app.yaml.swp").path, dir.appendingPathComponent("app.yaml").path) == 0)
            _ = try r.waitForGeneration(after: before)
            #expect(try r.int("server.port") == 8082)
        }
    }

    @Test func deleteAndRecreate_isSeen() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            let before = r.generation
            try FileManager.default.removeItem(at: dir.appendingPathComponent("app.yaml"))
            // The deletion alone is a rejected reload (the file is not optional): wait for it.
            try d.waitForNotification(containing: "rejected")
            #expect(r.generation == before)
            try d.write("app.yaml", "server:\n  port: 8083\n")
            _ = try r.waitForGeneration(after: before)
            #expect(try r.int("server.port") == 8083)
        }
    }

    @Test func kubernetesStyleSymlinkSwap_isSeen() throws {
        try withTemporaryDirectory { dir in
            // app.yaml -> ..data/app.yaml, ..data -> ..v1; the update swaps ..data to ..v2.
            let fm = FileManager.default
            try fm.createDirectory(at: dir.appendingPathComponent("..v1"), withIntermediateDirectories: true)
            try "server:\n  port: 8084\n".write(to: dir.appendingPathComponent("..v1/app.yaml"), atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("..data").path, withDestinationPath: "..v1")
            try Self.schema.write(to: dir.appendingPathComponent("schema.yaml"), atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("app.yaml").path, withDestinationPath: "..data/app.yaml")
            let d = try RunningDaemon(directory: dir, config: "schema: schema.yaml\nsources:\n  - file: app.yaml\nwatch: { debounce_ms: 20 }\n")
            defer { d.stop() }
            try d.waitForNotification(containing: "READY=1")
            let r = try SegmentReader(instance: d.instance)
            #expect(try r.int("server.port") == 8084)
            let before = r.generation
            try fm.createDirectory(at: dir.appendingPathComponent("..v2"), withIntermediateDirectories: true)
            try "server:\n  port: 8085\n".write(to: dir.appendingPathComponent("..v2/app.yaml"), atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("..data_tmp").path, withDestinationPath: "..v2")
            #expect(rename(dir.appendingPathComponent("..data_tmp").path, dir.appendingPathComponent("..data").path) == 0)
            _ = try r.waitForGeneration(after: before)
            #expect(try r.int("server.port") == 8085)
        }
    }

    @Test func dropIns_addedAndRemoved_andADirectoryThatAppearsLater() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            var seen = r.generation
            // conf.d does not exist at start (optional): create it with a drop-in.
            try d.write("conf.d/50-port.toml", "[server]\nport = 9000\n")
            seen = try r.waitForGeneration(after: seen)
            #expect(try r.int("server.port") == 9000)
            try d.write("conf.d/60-port.json", #"{"server": {"port": 9001}}"#)
            seen = try r.waitForGeneration(after: seen)
            #expect(try r.int("server.port") == 9001)
            try FileManager.default.removeItem(at: dir.appendingPathComponent("conf.d/60-port.json"))
            seen = try r.waitForGeneration(after: seen)
            #expect(try r.int("server.port") == 9000)
        }
    }

    @Test func environmentVariables_overrideFilesAndAreCoercedByTheSchema() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir, env: ["T_server__port": "7070"])
            defer { d.stop() }
            #expect(try SegmentReader(instance: d.instance).int("server.port") == 7070)
            let explain = try d.ctl(["explain", "server.port"])
            #expect(explain.stdout.contains("env T") && explain.stdout.contains("T_server__port"), "\(explain)")
        }
    }

    @Test func sighup_reloadsWithTheNotifyProtocol() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            d.signal(SIGHUP)
            let reloading = try d.waitForNotification(containing: "RELOADING=1")
            #expect(reloading.contains("MONOTONIC_USEC="))
            #expect(reloading.contains("SIGHUP"))
            let ready = try d.waitForNotification(containing: "READY=1")
            #expect(ready.contains("STATUS=generation 1; last reload unchanged"), "\(ready)")
        }
    }

    @Test(arguments: [
        ("server:\n  port: [unclosed\n", "app.yaml:3:1: did not find expected"),
        ("server:\n  port: 70000\n", "server.port: must be at most 65535"),
        ("server:\n  prot: 1\n", "did you mean `port`"),
    ])
    func badChange_isRejected_andTheLastGoodSnapshotStaysLive(_ text: String, _ reason: String) throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            let before = r.generation
            try d.write("app.yaml", text)
            let ready = try d.waitForNotification(containing: "rejected")
            #expect(ready.contains(reason), "\(ready)")
            #expect(r.generation == before)
            #expect(try r.int("server.port") == 8080)
            let status = try d.ctl(["status", "--json"])
            #expect(status.status == 0)
            #expect(status.stdout.contains(reason), "\(status.stdout)")
            #expect(d.stderr.contains(reason), "the rejection is logged")
            // The next good write is accepted.
            try d.write("app.yaml", "server:\n  port: 8088\n")
            _ = try r.waitForGeneration(after: before)
            #expect(try r.int("server.port") == 8088)
        }
    }

    @Test func burstOfWrites_givesAHandfulOfReloads() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir, debounce: 100)
            defer { d.stop() }
            let r = try SegmentReader(instance: d.instance)
            let before = r.generation
            for i in 1...100 { try d.write("app.yaml", "server:\n  port: \(10_000 + i)\n") }
            var g = before
            while try r.int("server.port") != 10_100 { g = try r.waitForGeneration(after: g) }
            let reloads = r.generation - before
            print("burst of 100 writes: \(reloads) new generation(s)")
            #expect(reloads >= 1 && reloads <= 10)
        }
    }

    @Test func sigkill_readersKeepReading_andARestartContinuesTheGenerations() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            let r = try SegmentReader(instance: d.instance)
            try d.write("app.yaml", "server:\n  port: 8090\n")
            let g = try r.waitForGeneration(after: r.generation)
            d.signal(SIGKILL)
            _ = try d.waitForExit()
            #expect(try r.int("server.port") == 8090)
            #expect(r.generation == g)
            // Same state directory and instance: generations go on, unchanged content publishes nothing.
            let d2 = try RunningDaemon(directory: dir, config: try String(contentsOfFile: d.configPath, encoding: .utf8), instance: d.instance)
            defer { d2.stop() }
            try d2.waitForNotification(containing: "READY=1")
            #expect(r.generation == g)
            try d2.write("app.yaml", "server:\n  port: 8091\n")
            #expect(try r.waitForGeneration(after: g) == g + 1)
            #expect(try r.int("server.port") == 8091)
        }
    }

    @Test func brokenSourcesAtStart_withoutALastGoodSnapshot_exitNonZeroWithTheReason() throws {
        try withTemporaryDirectory { dir in
            let d = try RunningDaemon(directory: dir, config: "sources:\n  - file: missing.yaml\n")
            defer { d.stop() }
            let status = try d.waitForExit()
            #expect(status != 0)
            #expect(d.stderr.contains("missing.yaml"), "\(d.stderr)")
        }
    }

    @Test func brokenSourcesAtStart_withALastGoodSnapshot_serveItDegraded() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir, app: "server:\n  port: 8080\n  secret: hunter2\n")
            let g = try SegmentReader(instance: d.instance).generation
            d.stop()   // removes the segment, as a reboot empties /dev/shm; the state directory stays
            try d.write("app.yaml", "server: [broken\n")
            let d2 = try RunningDaemon(directory: dir, config: try String(contentsOfFile: d.configPath, encoding: .utf8), instance: d.instance)
            defer { d2.stop() }
            let ready = try d2.waitForNotification(containing: "READY=1")
            #expect(ready.contains("degraded"), "\(ready)")
            let r = try SegmentReader(instance: d.instance)
            #expect(try r.int("server.port") == 8080)
            #expect(r.generation > g)
            let status = try d2.ctl(["status", "--json"])
            #expect(status.stdout.contains("\"degraded\": true"), "\(status.stdout)")
            // The snapshot served from the history is redacted like a fresh one.
            let dump = try d2.ctl(["dump"])
            #expect(dump.stdout.contains("<redacted>") && !dump.stdout.contains("hunter2"), "\(dump.stdout)")
        }
    }

    @Test func watchdog_whenWatchdogUsecIsSet_pingsAtHalfTheInterval() throws {
        try withTemporaryDirectory { dir in
            // 200 ms interval: pings every 100 ms, so several arrive within the deadline.
            let d = try start(dir, env: ["WATCHDOG_USEC": "200000"])
            defer { d.stop() }
            try d.waitForNotification(containing: "WATCHDOG=1", timeout: 10)
            try d.waitForNotification(containing: "WATCHDOG=1", timeout: 10)
        }
    }

    @Test func notifyProtocol_fullSequenceOverStartReloadBadReloadAndStop() throws {
        try withTemporaryDirectory { dir in
            let d = try start(dir)
            let r = try SegmentReader(instance: d.instance)
            try d.write("app.yaml", "server:\n  port: 8095\n")
            _ = try r.waitForGeneration(after: r.generation)
            try d.waitForNotification(containing: "READY=1")
            try d.write("app.yaml", "server:\n  port: -1\n")
            try d.waitForNotification(containing: "rejected")
            d.signal(SIGTERM)
            #expect(try d.waitForExit() == 0)
            try d.waitForNotification(containing: "STOPPING=1")
            let kinds = d.notifications.map { m -> String in
                if m.contains("STOPPING=1") { return "STOPPING" }
                if m.contains("RELOADING=1") { return m.contains("MONOTONIC_USEC=") ? "RELOADING" : "RELOADING-without-MONOTONIC_USEC" }
                if m.contains("READY=1") { return m.contains("rejected") ? "READY(rejected)" : "READY" }
                return "other: \(m)"
            }
            #expect(kinds == ["READY", "RELOADING", "READY", "RELOADING", "READY(rejected)", "STOPPING"], "\(d.notifications)")
            #expect(try r.int("server.port") == 8095, "the segment stays readable after a clean exit")
            d.stop()
        }
    }
}
