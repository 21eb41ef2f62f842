// hotswapctl: the operator's tool. Parses the command line, dispatches to one verb, and
// turns every failure into one line on stderr and a non-zero exit status.
import Glibc
import HotswapCore

func topHelp(_ verbs: [Verb]) -> String {
    func pad(_ s: String) -> String { s + String(repeating: " ", count: max(1, 11 - s.count)) }
    return """
usage: hotswapctl [--instance NAME | --socket PATH | --config FILE] [--json] VERB [ARGS]

Operates a running hotswapd and works with configuration files offline.

verbs:
\(verbs.map { "  " + pad($0.name) + $0.summary }.joined(separator: "\n"))

global options:
  --instance NAME   daemon instance (default: default)
  --socket PATH     control socket (default: from --config, else /run/hotswapd/NAME.sock)
  --config FILE     the daemon's configuration file
  --json            machine-readable output
  -h, --help        this text; 'hotswapctl VERB --help' for a verb

Run 'hotswapctl VERB --help' for the options of a verb.
"""
}

func runMain(_ argv: [String], verbs: [Verb]) -> Int32 {
    let rest = argv.dropFirst()
    // The verb is the first word that is neither an option nor a global option's value.
    var verbIndex: Int?
    var i = rest.startIndex
    while i < rest.endIndex {
        let word = rest[i]
        if word == "--" { break }
        if word.hasPrefix("--"), !word.contains("="), globalValueOptions.contains(String(word.dropFirst(2))) {
            i += 2
            continue
        }
        if !word.hasPrefix("-") || word == "-" { verbIndex = i; break }
        i += 1
    }
    guard let verbIndex else {
        // No verb: `hotswapctl --help` is a success, a bare `hotswapctl` a usage error.
        if rest.contains("--help") || rest.contains("-h") { writeOut(topHelp(verbs) + "\n"); return 0 }
        writeErr(topHelp(verbs))
        return 2
    }
    let name = rest[verbIndex]
    guard let verb = verbs.first(where: { $0.name == name }) else {
        reportFailure("unknown verb '\(name)' (see hotswapctl --help)", json: rest.contains("--json"))
        return 2
    }
    var line = rest
    line.remove(at: verbIndex)
    let args: Arguments
    do {
        args = try Arguments(parsing: line, valueOptions: verb.valueOptions.union(globalValueOptions),
                             flagOptions: verb.flagOptions.union(globalFlagOptions))
    } catch {
        reportFailure("\(name): \(error.message) (see hotswapctl \(name) --help)", json: rest.contains("--json"))
        return 2
    }
    if args.has("help") {
        writeOut(verb.help + "\n")
        return 0
    }
    let ctx = Context(json: args.has("json"), socketPath: args.value("socket"),
                      configPath: args.value("config"), instance: args.value("instance") ?? "default",
                      instanceGiven: args.value("instance") != nil)
    do {
        return try verb.run(args, ctx)
    } catch let error as UsageError {
        reportFailure("\(name): \(error.message) (see hotswapctl \(name) --help)", json: ctx.json)
        return 2
    } catch {
        reportFailure("\(error)", json: ctx.json)
        return 1
    }
}

exit(runMain(CommandLine.arguments, verbs: [
    statusVerb, getVerb, dumpVerb, explainVerb, reloadVerb, setVerb, unsetVerb, patchVerb,
    historyVerb, diffVerb, rollbackVerb, validateVerb, convertVerb,
]))
