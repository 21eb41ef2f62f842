import HotswapCore
import HotswapFormats
import HotswapSchema
import HotswapSnapshot
import HotswapSystem

/// `hotswap-bench parse DIR RUNS`: parses parse.{json,yaml,toml} from memory, RUNS times each
/// (after one warm-up), and reports every run's time. The bytes are read once beforehand: the
/// figure is parsing (into the value model, with origins), not file I/O.
func parseBench(dir: String, runs: Int) throws -> Value {
    var out = Object()
    var sink = 0
    for format in [Format.json, .yaml, .toml] {
        let name = "parse.\(format)"
        let bytes = try Files.read(dir + "/" + name)
        let options = ParseOptions(fileName: name)
        let times = try timeRuns(runs: runs, sink: &sink) {
            let v = try format.parse(bytes, options: options)
            return v.objectValue?.count ?? 0
        }
        out[format.rawValue] = ["bytes": .int(bytes.count), "times": .samples(times)]
    }
    out["sink"] = .int(sink & 1)
    return .object(out)
}

/// `hotswap-bench schema DIR RUNS`: the schema engine on the 10,000-key fixture.
/// Both files are parsed by our JSON parser, as the daemon would (values carry origins).
/// Reports: compile; `validate` (every violation, with messages; formats asserted, our
/// default); `validate` with format assertion off (the like-for-like comparison with a
/// validator that does not check formats); `isValid` (stops at the first failure); `apply`
/// (coercion, defaults, secrets, then validate: what a reload runs).
func schemaBench(dir: String, runs: Int) throws -> Value {
    let schemaValue = try JSON.parse(try Files.read(dir + "/schema.json"), options: ParseOptions(fileName: "schema.json"))
    let doc = try JSON.parse(try Files.read(dir + "/doc10k.json"), options: ParseOptions(fileName: "doc10k.json"))
    let uri = "file://" + dir + "/schema.json"
    var sink = 0
    var out = Object()
    out["compile"] = .samples(try timeRuns(runs: runs, sink: &sink) {
        _ = try Schema.compile(schemaValue, uri: uri)
        return 1
    })
    let schema = try Schema.compile(schemaValue, uri: uri)
    let violations = schema.validate(doc)
    guard violations.isEmpty else {
        throw BenchError("the fixture document should be valid; first violation: \(violations[0])")
    }
    var noFormats = Schema.Options()
    noFormats.assertFormats = false
    let lax = try Schema.compile(schemaValue, uri: uri, options: noFormats)
    out["validate"] = .samples(timeRuns(runs: runs, sink: &sink) { schema.validate(doc).count })
    out["validate_noformat"] = .samples(timeRuns(runs: runs, sink: &sink) { lax.validate(doc).count })
    out["is_valid"] = .samples(timeRuns(runs: runs, sink: &sink) { schema.isValid(doc) ? 1 : 0 })
    out["apply"] = .samples(timeRuns(runs: runs, sink: &sink) { schema.apply(to: doc).violations.count })
    out["sink"] = .int(sink & 1)
    return .object(out)
}

/// `hotswap-bench reload DIR RUNS INSTANCE FILE...`: the daemon's reload pipeline run in this process on
/// each FILE (an application configuration in YAML), stage by stage: read the file, parse,
/// merge with override.yaml (a small higher-priority layer), apply the schema (coerce,
/// defaults, validate), encode the segment document (whose JSON text also decides whether
/// anything changed), publish it into a private segment. The daemon
/// also records each generation in its history on disk (fsync); that part is in the
/// through-the-daemon figures, not here. The segment is `/dev/shm/hotswap.INSTANCE`, removed
/// at the end (the caller removes it, and its lock file, if this process is killed).
func reloadBench(dir: String, runs: Int, instance: String, files: [String]) throws -> Value {
    let schemaValue = try JSON.parse(try Files.read(dir + "/schema.json"), options: ParseOptions(fileName: "schema.json"))
    let schema = try Schema.compile(schemaValue, uri: "file://" + dir + "/schema.json")
    let overrideLayer = Layer(name: "file override.yaml", priority: 200,
                              document: try YAML.parse(try Files.read(dir + "/override.yaml"), options: ParseOptions(fileName: "override.yaml")))
    defer { _ = try? SegmentPublisher.remove(instance: instance) }   // best effort: a leftover is harmless
    let publisher = try SegmentPublisher(instance: instance)
    let clock = ContinuousClock()
    var out = Object()
    for file in files {
        let path = dir + "/" + file
        var stages: [String: [Double]] = [:]
        let names = ["read", "parse", "merge", "schema", "encode", "publish", "total"]
        var bytesRead = 0
        for run in 0...runs {   // run 0 warms up
            var t: [String: Double] = [:]
            let start = clock.now
            var mark = start
            func lap(_ name: String) {
                let now = clock.now
                t[name] = seconds(now - mark)
                mark = now
            }
            let bytes = try Files.read(path)
            bytesRead = bytes.count
            lap("read")
            let parsed = try YAML.parse(bytes, options: ParseOptions(fileName: file))
            lap("parse")
            let merged = Value.merge([Layer(name: "file " + file, priority: 100, document: parsed), overrideLayer])
            lap("merge")
            let result = schema.apply(to: merged)
            guard result.isValid else { throw BenchError("\(file) is not valid: \(result.violations[0])") }
            lap("schema")
            let encoded = try EncodedSnapshot(encoding: result.value)
            lap("encode")
            _ = try publisher.publish(encoded.bytes)
            lap("publish")
            t["total"] = seconds(clock.now - start)
            if run > 0 { for n in names { stages[n, default: []].append(t[n]!) } }
        }
        var o = Object()
        o["bytes"] = .int(bytesRead)
        for n in names { o[n] = .samples(stages[n]!) }
        out[file] = .object(o)
    }
    return .object(out)
}
