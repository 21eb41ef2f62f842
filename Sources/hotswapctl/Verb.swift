import HotswapCore

/// One `hotswapctl` verb: its name, its help text, the options it takes, and what it does.
struct Verb: Sendable {
    var name: String
    /// One line for the verb list.
    var summary: String
    /// The full `--help` text: usage line, description, options.
    var help: String
    var valueOptions: Set<String> = []
    var flagOptions: Set<String> = []
    /// Runs the verb; returns the exit status. Throwing prints one line on stderr and exits 1.
    var run: @Sendable (Arguments, Context) throws -> Int32
}

/// What every verb may use: the global options and the output streams.
struct Context: Sendable {
    /// `--json`: machine-readable output on stdout, errors as JSON on stderr.
    var json: Bool
    var socketPath: String?
    var configPath: String?
    var instance: String
    /// Whether `--instance` was given (it then wins over the configuration file's name).
    var instanceGiven: Bool
}

/// Options every verb accepts, wherever they appear on the line.
let globalValueOptions: Set<String> = ["socket", "config", "instance"]
let globalFlagOptions: Set<String> = ["json", "help"]
