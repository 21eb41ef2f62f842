import Glibc
import HotswapCore
import HotswapFormats

/// A value as `get` prints it: a scalar plainly (a string without quotes, a number in its
/// shortest round-trip form, `true`/`false`, `null`), an object or array as JSON.
func plain(_ v: Value) -> String {
    switch v.kind {
    case .null: return "null"
    case let .bool(b): return b ? "true" : "false"
    case let .integer(i): return String(i)
    case let .float(d):
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return String(d)
    case let .string(s): return s
    case let .dateTime(d): return d.description
    case .array, .object: return JSON.emit(v)
    }
}

/// Prints `value` as JSON (for `--json`).
func printJSON(_ value: Value) {
    writeOut(JSON.emit(value, style: .pretty) + "\n")
}

/// ANSI colours, only when standard output is a terminal.
struct Colors {
    let on = isatty(1) != 0 && getenv("NO_COLOR") == nil
    func green(_ s: String) -> String { on ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
    func red(_ s: String) -> String { on ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    func yellow(_ s: String) -> String { on ? "\u{1B}[33m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { on ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
