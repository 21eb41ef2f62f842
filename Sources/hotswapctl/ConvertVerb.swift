import HotswapCore
import HotswapFormats
import HotswapSystem

let convertVerb = Verb(
    name: "convert",
    summary: "convert a configuration file between YAML, JSON and TOML (offline)",
    help: """
    usage: hotswapctl convert [--from yaml|json|toml] --to FORMAT [FILE|-]

    Reads FILE (standard input when FILE is '-' or missing), parses it, and writes it to
    standard output in FORMAT: json, yaml, toml, or toml-test-json (the typed JSON of the
    toml-test decoder protocol). The input format comes from --from, else from FILE's
    extension (.yaml/.yml, .json, .toml).

    Bad input prints one line 'file:line:column: message' on stderr and exits 1.

    options:
      --from FORMAT   input format (needed for standard input)
      --to FORMAT     output format (required)
      --json          report errors as a JSON object
    """,
    valueOptions: ["from", "to"],
    run: { args, ctx in
        guard args.positionals.count <= 1 else { throw UsageError("convert takes at most one FILE") }
        let path = args.positionals.first ?? "-"
        guard let to = args.value("to") else { throw UsageError("convert needs --to json|yaml|toml|toml-test-json") }

        let from: Format
        if let name = args.value("from") {
            guard let f = Format(rawValue: name) else { throw UsageError("unknown input format '\(name)' (json, yaml, toml)") }
            from = f
        } else if path != "-", let f = Format(path: path) {
            from = f
        } else {
            throw UsageError(path == "-" ? "reading standard input needs --from yaml|json|toml"
                                         : "cannot tell the format of '\(path)' from its extension; use --from")
        }

        let bytes = path == "-" ? try Files.readStandardInput() : try Files.read(path)
        let value = try from.parse(bytes, options: ParseOptions(fileName: path == "-" ? "<stdin>" : path))

        let text: String
        switch to {
        case "json", "yaml", "toml": text = try Format(rawValue: to)!.emit(value)
        case "toml-test-json": text = JSON.emit(try TOML.taggedJSON(value), style: .pretty)
        default: throw UsageError("unknown output format '\(to)' (json, yaml, toml, toml-test-json)")
        }
        writeDocument(text)
        return 0
    }
)
