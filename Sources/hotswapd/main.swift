// hotswapd: parses the command line, reads the daemon configuration, and runs the daemon
// (or, with --check, validates everything and exits).
import Glibc
import HotswapDaemon
import HotswapSystem

let usage = """
usage: hotswapd --config FILE [--check] [--state-dir DIR] [--socket PATH]

Serves configuration to every process on the host: watches the sources named in FILE,
merges them by priority, validates the result against the schema, and publishes each
accepted snapshot to the shared-memory segment /dev/shm/hotswap.<instance>.

Runs in the foreground (systemd style). SIGHUP reloads; SIGTERM and SIGINT exit cleanly,
leaving the segment readable.

options:
  --config FILE     the daemon configuration (YAML, JSON or TOML); see hotswapd(8)
  --check           load and validate everything, print the result, exit 0 (valid) or 1
  --state-dir DIR   override state_dir (history, last good snapshot, overrides)
  --socket PATH     override control.socket
  -h, --help        this text
  --version         print the version
"""

func fail(_ message: String, status: Int32 = 2) -> Never {
    let line = "hotswapd: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

var configPath: String?
var check = false
var stateDir: String?
var socket: String?
var args = CommandLine.arguments.dropFirst().makeIterator()
while let arg = args.next() {
    func value() -> String {
        guard let v = args.next() else { fail("option \(arg) needs a value (see --help)") }
        return v
    }
    switch arg {
    case "--config", "-c": configPath = value()
    case "--check": check = true
    case "--state-dir": stateDir = value()
    case "--socket": socket = value()
    case "-h", "--help": print(usage); exit(0)
    case "--version": print("hotswapd 0.1.0"); exit(0)
    default:
        if arg.hasPrefix("--config=") { configPath = String(arg.dropFirst(9)); continue }
        fail("unknown argument '\(arg)' (see --help)")
    }
}
guard let configPath else { fail("--config FILE is required (see --help)") }

let options = DaemonOptions(configPath: configPath, stateDirectory: stateDir, socketPath: socket)
let config: DaemonConfiguration
do {
    config = try loadDaemonConfiguration(options)
} catch {
    fail("\(error)", status: 1)
}
let logger = Logger(identifier: "hotswapd", minimumLevel: LogLevel(name: config.logLevel) ?? .info)
let environment = ProcessInfoLite.environment()

if check {
    let (status, text) = checkConfiguration(config, environment: environment, logger: logger)
    if status == 0 {
        print(text, terminator: "")
    } else {
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
    exit(status)
}

exit(Daemon(config: config, logger: logger, environment: environment).run())
