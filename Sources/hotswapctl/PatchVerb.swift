import HotswapCore
import HotswapFormats
import HotswapSystem

let patchVerb = Verb(
    name: "patch",
    summary: "apply an RFC 6902 JSON Patch (to the daemon, or offline with --to FILE)",
    help: """
    usage: hotswapctl patch PATCH|-
           hotswapctl patch --to FILE PATCH|-

    Applies the JSON Patch (RFC 6902: add, remove, replace, move, copy, test) in PATCH
    (JSON, or YAML/TOML by extension; '-' reads standard input) atomically: every operation
    or none.

    Against the daemon, paths refer to the merged configuration (every source and the
    current overrides, before schema defaults); the differences the patch makes become
    runtime overrides (priority 400), validated like any change. A key that comes from a
    file cannot be removed by an override.

    With --to FILE, nothing talks to the daemon: the patch is applied to FILE and the result
    printed in FILE's format.

    options:
      --to FILE         apply offline to FILE and print the result
    \(commonOptionsHelp)
    """,
    valueOptions: ["to"],
    run: { args, ctx in
        guard args.positionals.count == 1 else { throw UsageError("patch needs exactly one PATCH file (or '-')") }
        let source = args.positionals[0]
        let format = source == "-" ? .json : (Format(path: source) ?? .json)
        let bytes = source == "-" ? try Files.readStandardInput() : try Files.read(source)
        let patch = try JSONPatch(parsing: try format.parse(bytes, options: ParseOptions(fileName: source == "-" ? "<stdin>" : source)))
        if let file = args.value("to") {
            guard let target = Format(path: file) else { throw UsageError("cannot tell the format of '\(file)' from its extension") }
            let doc = try target.parse(try Files.read(file), options: ParseOptions(fileName: file))
            let result = try patch.apply(to: doc)
            if ctx.json { printJSON(result); return 0 }
            let text = try target.emit(result)
            writeDocument(text)
            return 0
        }
        printChange(try request(.patch(patch), ctx), ctx)
        return 0
    }
)
