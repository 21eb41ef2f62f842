/// A command line split into options and positional arguments, checked against what a verb
/// accepts. `--name value`, `--name=value` and boolean `--flag` are understood; `-` is a
/// positional (standard input) and `--` ends the options.
struct Arguments: Sendable {
    var positionals: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    func value(_ name: String) -> String? { values[name] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    init(parsing argv: ArraySlice<String>, valueOptions: Set<String>, flagOptions: Set<String>) throws(UsageError) {
        var it = argv.makeIterator()
        var optionsEnded = false
        while let arg = it.next() {
            if optionsEnded || !arg.hasPrefix("-") || arg == "-" {
                positionals.append(arg)
                continue
            }
            if arg == "--" { optionsEnded = true; continue }
            if arg == "-h" { flags.insert("help"); continue }
            guard arg.hasPrefix("--") else { throw UsageError("unknown option '\(arg)'") }
            var name = String(arg.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valueOptions.contains(name) {
                guard let v = inline ?? it.next() else { throw UsageError("option '--\(name)' needs a value") }
                values[name] = v
            } else if flagOptions.contains(name) {
                guard inline == nil else { throw UsageError("option '--\(name)' takes no value") }
                flags.insert(name)
            } else {
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }
}

/// A command line that does not fit the verb: printed with a pointer to `--help`, exit 2.
struct UsageError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
