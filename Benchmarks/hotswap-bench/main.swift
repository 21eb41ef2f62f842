// hotswap-bench: the Swift half of `make bench-suite` (mk/bench.mk, docs/benchmarks.md).
// Each subcommand prints one JSON object on standard output (raw per-run times in seconds);
// Benchmarks/python/suite.py runs them beside the Python baselines and the daemon, and
// computes the medians, ratios and the summary table.
import Glibc
import HotswapCore
import HotswapFormats

let usage = """
    usage: hotswap-bench gen DIR                  write the suite's inputs into DIR
           hotswap-bench parse DIR RUNS           parse throughput of parse.{json,yaml,toml}
           hotswap-bench schema DIR RUNS          schema validation of the 10,000-key fixture
           hotswap-bench reload DIR RUNS INSTANCE FILE...
                                                  in-process reload pipeline, stage by stage,
                                                  publishing into /dev/shm/hotswap.INSTANCE
    """

let args = Array(CommandLine.arguments.dropFirst())
func fail(_ message: String) -> Never {
    note("hotswap-bench: \(message)")
    exit(2)
}
guard args.count >= 2 else { fail(usage) }
let dir = args[1]
func runs() -> Int {
    guard args.count >= 3, let n = Int(args[2]), n > 0 else { fail(usage) }
    return n
}

do {
    let result: Value
    switch args[0] {
    case "gen": result = try generate(into: dir)
    case "parse": result = try parseBench(dir: dir, runs: runs())
    case "schema": result = try schemaBench(dir: dir, runs: runs())
    case "reload":
        guard args.count >= 5 else { fail(usage) }
        result = try reloadBench(dir: dir, runs: runs(), instance: args[3], files: Array(args[4...]))
    default: fail(usage)
    }
    print(JSON.emit(result))
} catch {
    fail("\(error)")
}
