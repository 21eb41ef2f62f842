import HotswapCore
import HotswapDaemon
import HotswapFormats
import HotswapSchema
import HotswapSystem

let validateVerb = Verb(
    name: "validate",
    summary: "check configuration files against the schema (offline, for CI)",
    help: """
    usage: hotswapctl validate [--schema S | --config FILE] FILE...

    Merges the FILEs in the order given (a later file wins, as with the daemon's layers),
    applies the schema's coercion and defaults, validates, and prints every error as
    'file:line:column: path: message [schema location]', or 'ok' and the number of keys.
    Exits 0 when valid, 1 otherwise. Without --schema, the schema named in the daemon
    configuration given with --config is used; with neither, the files are only parsed
    and merged.

    options:
      --schema S        the JSON Schema (YAML, JSON or TOML)
      --config FILE     the daemon configuration whose schema to use
      --json            print {"ok": …, "keys": …, "errors": [{…}]} instead
    """,
    valueOptions: ["schema"],
    run: { args, ctx in
        guard !args.positionals.isEmpty else { throw UsageError("validate needs at least one FILE") }
        var schemaPath = args.value("schema")
        if schemaPath == nil, let config = ctx.configPath {
            schemaPath = try loadDaemonConfiguration(DaemonOptions(configPath: config)).schemaPath
        }
        var layers: [Layer] = []
        for (i, file) in args.positionals.enumerated() {
            guard let format = Format(path: file) else { throw UsageError("cannot tell the format of '\(file)' from its extension") }
            let doc = try format.parse(try Files.read(file), options: ParseOptions(fileName: file))
            layers.append(Layer(name: "file \(file)", priority: i, document: doc))
        }
        var document = Value.merge(layers)
        var violations: [SchemaViolation] = []
        if let schemaPath {
            let schema = try loadSchema(path: schemaPath)
            let result = schema.apply(to: document)
            document = result.value
            violations = result.violations
        }
        let keys = countLeaves(document)
        if ctx.json {
            var o = Object()
            o["ok"] = .bool(violations.isEmpty)
            o["keys"] = .integer(Int64(keys))
            o["errors"] = .array(violations.map { v in
                var e = Object()
                e["path"] = .string(v.path.description)
                e["message"] = .string(v.message)
                e["schema_location"] = .string(v.schemaLocation)
                e["keyword"] = .string(v.keyword)
                e["origin"] = v.origin.map { .string($0.description) } ?? .null
                return .object(e)
            })
            printJSON(.object(o))
        } else if violations.isEmpty {
            writeOut("ok: \(keys) keys\n")
        } else {
            writeOut(violations.map { $0.description + "\n" }.joined())
        }
        guard violations.isEmpty else {
            // The errors are the output (stdout); the one-line reason every verb gives goes to stderr.
            reportFailure("validate: \(violations.count) error\(violations.count == 1 ? "" : "s") in \(args.positionals.joined(separator: ", "))", json: ctx.json)
            return 1
        }
        return 0
    }
)

/// The number of leaf values (scalars and empty containers) in a document.
func countLeaves(_ v: Value) -> Int {
    switch v.kind {
    case let .object(o) where !o.isEmpty: return o.values.reduce(0) { $0 + countLeaves($1) }
    case let .array(a) where !a.isEmpty: return a.reduce(0) { $0 + countLeaves($1) }
    default: return 1
    }
}
