import Glibc
import HotswapCore

/// Seconds in a `Duration`, as a Double (benchmarks report floating-point seconds).
func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) * 1e-18
}

/// Runs `body` `warmup` times untimed, then `runs` times timed, and returns each timed run in
/// seconds. The body returns a number that depends on its work, summed into `sink`, so the
/// optimiser cannot drop the work.
func timeRuns(runs: Int, warmup: Int = 1, sink: inout Int, _ body: () throws -> Int) rethrows -> [Double] {
    let clock = ContinuousClock()
    for _ in 0..<warmup { sink &+= try body() }
    var times: [Double] = []
    times.reserveCapacity(runs)
    for _ in 0..<runs {
        var r = 0
        let d = try clock.measure { r = try body() }
        sink &+= r
        times.append(seconds(d))
    }
    return times
}

func median(_ xs: [Double]) -> Double {
    precondition(!xs.isEmpty, "median of no samples")
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// JSON helpers for the results each subcommand prints on its last line of standard output.
extension Value {
    static func samples(_ xs: [Double]) -> Value { .array(xs.map { .float($0) }) }
    static func int(_ i: Int) -> Value { .integer(Int64(i)) }
}

/// Progress for people, on standard error, so that standard output stays one JSON object.
func note(_ message: String) {
    var e = StandardError()
    print(message, to: &e)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var s = string
        s.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
    }
}
