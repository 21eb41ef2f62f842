import Foundation
import HotswapTestSupport
import Testing

/// Crash safety of the state directory: runtime changes are applied while the daemon is
/// killed with SIGKILL at random points, and every restart must find a consistent state.
@Suite(.serialized) struct CrashSafetyTests {
    static let schema = """
    type: object
    properties:
      server:
        type: object
        properties:
          port: { type: integer }
      values:
        type: object
        additionalProperties: { type: integer }
    """

    /// Keys that `set` changes (one client per key and iteration, so concurrent clients never
    /// race on a key) and the pair that a patch always sets together, to the same value.
    static let setKeys = ["k0", "k1", "k2"]

    /// What the test knows about one key: the newest value a client was told is live, and
    /// every value ever sent (values only grow, so whatever is live must be one sent at or
    /// after the newest acknowledged one).
    struct KeyLedger {
        var acknowledged: Int64?
        var sent: Set<Int64> = []
    }

    struct Figures {
        var iterations = 0
        var changesSent = 0
        var acknowledged = 0
        /// Kills after a client's request reached the daemon and before it was answered.
        var cutOffClients = 0
        /// Iterations whose kill landed between the daemon's RELOADING=1 and READY=1 for a
        /// control change: while it was persisting and publishing.
        var killsMidApply = 0
        var killsMidRequest = 0
        var segmentWipes = 0
        /// Restarts after which the live generation had no history record.
        var liveNotInHistory = 0
    }

    @Test func sigkillAtRandomPoints_losesNoAcknowledgedChange_andNothingIsHalfWritten() throws {
        try withTemporaryDirectory { dir in
            try "server:\n  port: 8080\nvalues: {}\n".write(to: dir.appendingPathComponent("app.yaml"), atomically: true, encoding: .utf8)
            try Self.schema.write(to: dir.appendingPathComponent("schema.yaml"), atomically: true, encoding: .utf8)
            let notify = try NotifyListener(path: dir.appendingPathComponent("drained-notify.sock").path)
            defer { notify.stop() }
            let instance = "crash\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
            let config = """
            instance: \(instance)
            schema: schema.yaml
            sources:
              - file: app.yaml
            state_dir: \(dir.appendingPathComponent("state").path)
            control: { socket: \(dir.appendingPathComponent("ctl.sock").path) }
            history: { size: 20 }
            """
            // Every daemon object stays alive to the end: releasing one removes the segment and
            // unlinks the harness's notify socket, which the next daemon uses.
            var daemons: [RunningDaemon] = []
            defer {
                for d in daemons { d.stop(removeSegment: false) }
                SegmentReader.remove(instance: instance)
            }
            func start() throws -> RunningDaemon {
                let mark = notify.all.count
                let d = try RunningDaemon(directory: dir, config: config, environment: notify.environment, instance: instance)
                daemons.append(d)
                try notify.waitFor("READY=1", from: mark, daemon: d)
                return d
            }

            var ledger: [String: KeyLedger] = [:]
            var highestGenerationSeen: UInt64 = 0
            var highestAcknowledged: Int64 = 0
            var nextValue: Int64 = 1
            var figures = Figures()
            var generator = SystemRandomNumberGenerator()
            let began = Date()
            let iterations = 300
            // A budget for loaded machines: stop early rather than run for minutes.
            let budget: TimeInterval = 80

            for iteration in 0..<iterations {
                if iteration > 0 && Date().timeIntervalSince(began) > budget { break }
                let wipe = iteration > 0 && iteration % 10 == 0
                if wipe {
                    // A reboot empties /dev/shm; the state directory must carry the generations on.
                    SegmentReader.remove(instance: instance)
                    figures.segmentWipes += 1
                }
                let historyBefore = try Self.checkStateDirectory(dir.appendingPathComponent("state"))
                let d = try start()
                let reader = try SegmentReader(instance: instance)

                // After every restart: generations never went back, the override layer and the
                // history loaded, and every acknowledged change is live.
                let generation = reader.generation
                if wipe {
                    #expect(generation > (historyBefore.max() ?? 0), "iteration \(iteration): generation \(generation) after a wipe, history has \(historyBefore.max() ?? 0)")
                } else {
                    #expect(generation >= highestGenerationSeen, "iteration \(iteration): generation went back from \(highestGenerationSeen) to \(generation)")
                }
                #expect(Int64(generation) >= highestAcknowledged, "iteration \(iteration): acknowledged generation \(highestAcknowledged) but live is \(generation)")
                highestGenerationSeen = max(highestGenerationSeen, generation)
                try Self.checkLedger(ledger, reader: reader, iteration: iteration)
                try Self.checkOverridesMatchLive(dir.appendingPathComponent("state"), reader: reader, iteration: iteration)
                #expect(!d.stderr.contains("unreadable"), "iteration \(iteration): \(d.stderr)")
                // Even when the kill came between a publish and its history record.
                let recorded = try Self.checkStateDirectory(dir.appendingPathComponent("state"))
                if !recorded.contains(generation) { figures.liveNotInHistory += 1 }
                #expect(recorded.contains(generation), "iteration \(iteration): live generation \(generation) not in the history \(recorded.suffix(3))")

                // 1 to 3 clients at once, on distinct keys: sets, and a patch of the pair.
                var clients: [(keys: [String], value: Int64, command: BackgroundCommand)] = []
                var keys = Self.setKeys.shuffled(using: &generator)
                let count = Int.random(in: 1...3, using: &generator)
                let mark = notify.all.count
                for c in 0..<count {
                    let value = nextValue
                    nextValue += 1
                    if c == 0 && Bool.random(using: &generator) {
                        let patch = #"[{"op": "add", "path": "/values/pa", "value": \#(value)}, {"op": "add", "path": "/values/pb", "value": \#(value)}]"#
                        clients.append((["pa", "pb"], value, try d.ctlInBackground(["patch", "-"], stdin: patch)))
                    } else {
                        let key = keys.removeFirst()
                        clients.append(([key], value, try d.ctlInBackground(["set", "values.\(key)", "\(value)"])))
                    }
                    for key in clients.last!.keys { ledger[key, default: KeyLedger()].sent.insert(value) }
                    figures.changesSent += 1
                }

                // Kill: right after the daemon starts applying a change, after a random delay,
                // or once every client is done.
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<5:
                    if (try? notify.waitFor("RELOADING=1", from: mark, daemon: d, timeout: 10)) != nil {
                        usleep(UInt32.random(in: 0..<8000, using: &generator))   // fault injection, not synchronisation
                    }
                case 5..<8:
                    usleep(UInt32.random(in: 0..<60_000, using: &generator))
                default:
                    for c in clients { _ = c.command.wait() }
                }
                d.signal(SIGKILL)
                _ = try d.waitForExit()
                let messages = Array(notify.all.dropFirst(mark))
                if let reloading = messages.lastIndex(where: { $0.contains("RELOADING=1") }),
                   !messages[reloading...].contains(where: { $0.contains("READY=1") })
                {
                    figures.killsMidApply += 1
                }

                var cutOff = 0
                for c in clients {
                    let r = c.command.wait()
                    if r.status == 0 {
                        // "published generation N" or "unchanged (generation N)".
                        let g = Int64(r.stdout.filter(\.isNumber)) ?? 0
                        highestAcknowledged = max(highestAcknowledged, g)
                        for key in c.keys {
                            ledger[key]!.acknowledged = c.value
                            ledger[key]!.sent = ledger[key]!.sent.filter { $0 >= c.value }
                        }
                        figures.acknowledged += 1
                    } else {
                        #expect(r.stderr.contains("hotswapd"), "iteration \(iteration): \(r.stderr)")
                        if !r.stderr.contains("cannot reach") { cutOff += 1 }
                    }
                }
                figures.cutOffClients += cutOff
                if cutOff > 0 { figures.killsMidRequest += 1 }
                highestGenerationSeen = max(highestGenerationSeen, reader.generation)
                d.stop(removeSegment: false)
                figures.iterations += 1
            }

            // A last restart, checked like the others.
            let d = try start()
            let reader = try SegmentReader(instance: instance)
            try Self.checkLedger(ledger, reader: reader, iteration: figures.iterations)
            try Self.checkOverridesMatchLive(dir.appendingPathComponent("state"), reader: reader, iteration: figures.iterations)
            _ = try Self.checkStateDirectory(dir.appendingPathComponent("state"))
            #expect(reader.generation >= highestGenerationSeen)
            d.signal(SIGTERM)
            _ = try d.waitForExit()

            let leftovers = try Self.temporaryFiles(dir.appendingPathComponent("state"))
            print("""
            crash safety: \(figures.iterations) SIGKILLs in \(String(format: "%.1f", Date().timeIntervalSince(began))) s; \
            \(figures.changesSent) changes sent, \(figures.acknowledged) acknowledged; \
            \(figures.killsMidRequest) kills mid-request (\(figures.cutOffClients) clients cut off without an answer), \
            \(figures.killsMidApply) between RELOADING=1 and READY=1 of a change; \(figures.segmentWipes) segment wipes; \
            live generation missing from the history after \(figures.liveNotInHistory) restarts; \
            final generation \(reader.generation); temporary files left in the state directory: \(leftovers.count)
            """)
            #expect(figures.iterations >= 100, "too few iterations within the budget to mean much")
            #expect(figures.killsMidRequest > 0 && figures.acknowledged > 0)
            #expect(leftovers.isEmpty, "temporary files of interrupted writes are cleaned up: \(leftovers.prefix(5))")
        }
    }

    /// Every history record and the override file parse, and each record's generation matches
    /// its file name. Returns the recorded generations.
    static func checkStateDirectory(_ state: URL) throws -> [UInt64] {
        let history = state.appendingPathComponent("history")
        guard FileManager.default.fileExists(atPath: history.path) else { return [] }
        var generations: [UInt64] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: history.path) where name.hasSuffix(".json") {
            let text = try String(contentsOf: history.appendingPathComponent(name), encoding: .utf8)
            let record = try #require(try? jsonObject(text), "half-written history record \(name): \(text.prefix(200))")
            let g = try #require(int(record["generation"]), "\(name): \(record)")
            #expect(UInt64(name.dropLast(5)) == UInt64(g), "\(name) holds generation \(g)")
            #expect(record["document"] is [String: Any], "\(name)")
            generations.append(UInt64(g))
        }
        let overrides = state.appendingPathComponent("overrides.json")
        if FileManager.default.fileExists(atPath: overrides.path) {
            let text = try String(contentsOf: overrides, encoding: .utf8)
            #expect((try? jsonObject(text)) != nil, "half-written overrides.json: \(text.prefix(200))")
        }
        return generations.sorted()
    }

    /// Every key holds its newest acknowledged value or a value sent after it; the pair that
    /// patches set together is equal (a patch applies whole or not at all).
    static func checkLedger(_ ledger: [String: KeyLedger], reader: SegmentReader, iteration: Int) throws {
        for (key, entry) in ledger {
            let status = reader.intStatus("values.\(key)")
            if status != 0 {
                #expect(entry.acknowledged == nil, "iteration \(iteration): acknowledged values.\(key) = \(entry.acknowledged!) is gone")
                continue
            }
            let live = try reader.int("values.\(key)")
            if let acked = entry.acknowledged {
                #expect(live >= acked, "iteration \(iteration): values.\(key) is \(live), but \(acked) was acknowledged")
            }
            #expect(entry.sent.contains(live) || live == entry.acknowledged, "iteration \(iteration): values.\(key) is \(live), never sent")
        }
        if ledger["pa"] != nil {
            #expect(reader.intStatus("values.pa") == reader.intStatus("values.pb"))
            if reader.intStatus("values.pa") == 0 {
                #expect(try reader.int("values.pa") == reader.int("values.pb"), "iteration \(iteration): half a patch is live")
            }
        }
    }

    /// The override layer on disk is what is live (it is written before each publish and
    /// applied again at start).
    static func checkOverridesMatchLive(_ state: URL, reader: SegmentReader, iteration: Int) throws {
        let path = state.appendingPathComponent("overrides.json")
        guard FileManager.default.fileExists(atPath: path.path) else { return }
        let overrides = try jsonObject(String(contentsOf: path, encoding: .utf8))
        for (key, value) in overrides["values"] as? [String: Any] ?? [:] {
            let expected = (value as? String).flatMap { Int64($0) } ?? int(value)
            #expect(try reader.int("values.\(key)") == expected, "iteration \(iteration): overrides.json has values.\(key) = \(value)")
        }
    }

    /// Files of interrupted atomic writes (`*.tmp.<pid>`) anywhere in the state directory.
    static func temporaryFiles(_ state: URL) throws -> [String] {
        let all = FileManager.default.enumerator(atPath: state.path)?.allObjects as? [String] ?? []
        return all.filter { $0.contains(".tmp") }
    }
}
