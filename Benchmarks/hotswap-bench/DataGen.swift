import HotswapCore
import HotswapFormats
import HotswapSchema
import HotswapSystem

/// A small deterministic generator (splitmix64), so that every run benchmarks the same bytes.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
}

/// The parse-throughput input: a realistic service-mesh style configuration (clusters,
/// logging, a database, and many services with listeners, TLS, timeouts, retries, upstream
/// lists, labels and feature flags), nested four to five levels, with strings, integers,
/// floats and booleans. No nulls and no date-times, so that the three formats carry exactly
/// the same data and Python's loaders (YAML 1.1 for PyYAML) read it back identically.
enum ParseInput {
    static let teams = ["payments", "checkout", "search", "identity", "platform", "data", "edge", "billing"]
    static let regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "sa-east-1"]
    static let cities = ["Dublin", "Frankfurt", "Ashburn", "Portland", "Mumbai", "São Paulo"]
    static let ciphers = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                          "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"]

    static func service(_ i: Int, _ rng: inout SplitMix) -> Value {
        let name = "svc-" + pad(i, 4)
        let region = rng.int(regions.count)
        var upstreams: [Value] = []
        for j in 0..<(2 + rng.int(3)) {
            upstreams.append([
                "host": .string("backend-\(j).\(name).cluster.local"),
                "port": .integer(Int64(9000 + j)),
                "weight": .integer(Int64(1 + rng.int(100))),
                "zone": .string(regions[region] + ["a", "b", "c"][j % 3]),
                "healthy_threshold": .integer(Int64(2 + rng.int(4))),
            ])
        }
        return [
            "enabled": .bool(rng.int(10) != 0),
            "description": .string("\(name) serves \(rng.pick(teams)) traffic for \(cities[region]): checkout, refunds & invoices"),
            "replicas": .integer(Int64(1 + rng.int(12))),
            "weight": .float(Double(1 + rng.int(999)) / 100 + 0.005),
            "owner": [
                "team": .string(rng.pick(teams)),
                "email": .string("\(rng.pick(teams))-oncall@example.com"),
                "pager": .string("+1-555-01\(pad(rng.int(100), 2))"),
            ],
            "listen": [
                "host": .string("10.\(rng.int(256)).\(rng.int(256)).\(1 + rng.int(254))"),
                "port": .integer(Int64(8000 + i % 2000)),
                "backlog": 511,
                "tls": [
                    "enabled": .bool(rng.bool()),
                    "cert": .string("/etc/ssl/certs/\(name).pem"),
                    "key": .string("/etc/ssl/private/\(name).key"),
                    "min_version": .string(rng.bool() ? "TLSv1.2" : "TLSv1.3"),
                    "ciphers": .array((0..<3).map { k in .string(ciphers[(i + k) % ciphers.count]) }),
                ],
            ],
            "timeouts": [
                "connect_ms": .integer(Int64(100 + rng.int(900))),
                "read_ms": .integer(Int64(1000 + rng.int(29000))),
                "write_ms": .integer(Int64(1000 + rng.int(9000))),
                "idle_s": .float(Double(30 + rng.int(570)) + 0.5),
            ],
            "retry": [
                "attempts": .integer(Int64(rng.int(6))),
                "retry_on": ["connect-failure", "refused-stream", "5xx"],
                "backoff": ["initial_ms": .integer(Int64(25 + rng.int(200))), "max_ms": 10000,
                            "multiplier": 1.5, "jitter": 0.25],
            ],
            "upstreams": .array(upstreams),
            "labels": ["env": "production", "region": .string(regions[region]), "tier": .string(rng.pick(["gold", "silver", "bronze"]))],
            "features": ["canary": .bool(rng.int(5) == 0), "http2": .bool(rng.bool()), "compression": .bool(rng.bool()),
                         "request_logging": .bool(rng.int(4) == 0)],
            "allowed_cidrs": ["10.0.0.0/8", .string("192.168.\(rng.int(256)).0/24")],
            "rate_limit": ["rps": .integer(Int64(100 * (1 + rng.int(50)))), "burst": .integer(Int64(50 * (1 + rng.int(20))))],
        ]
    }

    static func document(services count: Int) -> Value {
        var rng = SplitMix(state: 0x5EED_0001)
        var services = Object()
        for i in 0..<count { services["svc-" + pad(i, 4)] = service(i, &rng) }
        return [
            "version": 3,
            "cluster": ["name": "prod-eu-1", "datacenter": "Dublin", "max_memory_bytes": 1_099_511_627_776,
                        "created_by": "platform-team@example.com"],
            "logging": ["level": "info", "format": "json", "sample_rate": 0.125,
                        "outputs": [["kind": "stderr"], ["kind": "file", "path": "/var/log/mesh/mesh.log", "rotate_mb": 256]]],
            "database": ["url": "postgres://db.internal.example.com:5432/mesh", "pool_size": 32, "statement_timeout_ms": 15000,
                         "replicas": ["db-r1.internal.example.com", "db-r2.internal.example.com"]],
            "services": .object(services),
        ]
    }

    /// A document whose YAML form is about `bytes` long (from the size of a small sample).
    static func document(yamlBytes: Int) -> Value {
        let sample = 64
        let per = YAML.emit(document(services: sample)).utf8.count / sample
        return document(services: max(1, yamlBytes / max(1, per)))
    }
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

/// `hotswap-bench gen DIR`: writes every input of the suite into DIR and prints a manifest.
///
/// - parse.json, parse.yaml, parse.toml: the same ~1 MB document in the three formats;
/// - schema.json, doc10k.json: the schema engine's benchmark fixture (a realistic schema and a
///   valid 10,000-key document), for our validator and Python's jsonschema;
/// - app-small.yaml, app-1mb.yaml, app-10mb.yaml: configurations valid against schema.json, for
///   the daemon and the in-process reload pipeline; override.yaml: a small higher layer.
func generate(into dir: String) throws -> Value {
    try Files.createDirectory(dir)
    var manifest = Object()
    func write(_ name: String, _ text: String) throws {
        try Files.writeAtomically(dir + "/" + name, Array(text.utf8))
        manifest[name] = .int(text.utf8.count)
    }

    let doc = ParseInput.document(yamlBytes: 1_000_000)
    let texts: [(Format, String)] = [(.json, JSON.emit(doc, style: .pretty)), (.yaml, YAML.emit(doc)), (.toml, try TOML.emit(doc))]
    for (format, text) in texts {
        // The emitters are the project's own: check that each text reads back as the same data,
        // so the three parse figures are for the same content.
        let back = try format.parse(Array(text.utf8))
        guard back.strippingOrigins == doc else { throw BenchError("\(format) emit/parse round trip differs") }
        try write("parse.\(format)", text)
    }

    let fixture = SchemaBenchmarkFixture(keys: 10_000)
    try write("schema.json", JSON.emit(fixture.schema, style: .pretty))
    try write("doc10k.json", JSON.emit(fixture.document, style: .pretty))
    manifest["doc10k.keys"] = .int(fixture.keyCount)

    // Daemon configurations: the fixture scaled to a YAML size (keys per byte from the 10k doc).
    let bytesPerKey = Double(YAML.emit(fixture.document).utf8.count) / Double(fixture.keyCount)
    for (name, size) in [("app-small.yaml", 8_000), ("app-1mb.yaml", 1_000_000), ("app-10mb.yaml", 10_000_000)] {
        let f = SchemaBenchmarkFixture(keys: Int(Double(size) / bytesPerKey))
        try write(name, YAML.emit(f.document))
        manifest[name.replacingSuffix(".yaml", ".keys")] = .int(f.keyCount)
    }
    try write("override.yaml", "server:\n  timeout_ms: 7000\n")
    return .object(manifest)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension String {
    func replacingSuffix(_ suffix: String, _ with: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + with : self
    }
}
