import HotswapCore
import HotswapDaemon
import HotswapFormats
import HotswapSystem

let commonOptionsHelp = """
      --instance NAME   daemon instance (default: default)
      --socket PATH     control socket
      --config FILE     the daemon's configuration file (finds socket and instance)
      --json            machine-readable output
"""

let statusVerb = Verb(
    name: "status",
    summary: "what is live: generation, sources, last reload, degraded or not",
    help: """
    usage: hotswapctl status [--json]

    Shows the instance, the live generation and its content hash, when it was published,
    each source with its state, the last reload's result and error, whether the daemon is
    degraded, the runtime overrides, and whether a rollback is in effect.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.isEmpty else { throw UsageError("status takes no arguments") }
        let s = try request(.status, ctx)
        if ctx.json { printJSON(s); return 0 }
        let c = Colors()
        var out = ""
        out += "instance:    \(s["instance"].map(plain) ?? "?")\n"
        out += "generation:  \(s["generation"].map(plain) ?? "?") (content hash \(s["content_hash"].map(plain) ?? "?"))"
        if let at = s["published_at"]?.stringValue, !at.isEmpty { out += ", published \(at)" }
        out += "\n"
        if s["degraded"]?.boolValue == true {
            out += "state:       " + c.red("degraded") + ": \(s["degraded_reason"].map(plain) ?? "")\n"
        } else {
            out += "state:       " + c.green("ok") + "\n"
        }
        if let r = s["rollback_to"]?.integerValue { out += "rollback:    in effect (generation \(r) republished; the next reload ends it)\n" }
        if let r = s["last_reload"], !r.isNull {
            var line = "last reload: \(r["result"].map(plain) ?? "?") (\(r["cause"].map(plain) ?? "?"), \(r["at"].map(plain) ?? "?"))"
            if let errors = r["errors"]?.arrayValue {
                line += "\n" + errors.map { "             " + c.red(plain($0)) }.joined(separator: "\n")
            }
            out += line + "\n"
        }
        out += "segment:     \(s["segment"].map(plain) ?? "?")\n"
        out += "sources:\n"
        for src in s["sources"]?.arrayValue ?? [] {
            let state = src["state"].map(plain) ?? "?"
            var line = "  " + pad(src["priority"].map(plain) ?? "", 4) + pad(src["name"].map(plain) ?? "", 40)
            switch state {
            case "ok":
                let n = src["files"]?.arrayValue?.count ?? 0
                line += c.green("ok") + (src["name"]?.stringValue?.hasPrefix("dir ") == true ? " (\(n) file\(n == 1 ? "" : "s"))" : "")
            case "missing": line += c.yellow("missing") + " (optional)"
            default: line += c.red("error") + ": \(src["error"].map(plain) ?? "")"
            }
            out += line + "\n"
        }
        let overrides = s["override_paths"]?.arrayValue?.map(plain) ?? []
        out += "overrides:   " + (overrides.isEmpty ? "none" : overrides.joined(separator: ", ")) + "\n"
        writeOut(out)
        return 0
    }
)

let dumpVerb = Verb(
    name: "dump",
    summary: "print the live configuration (secrets redacted)",
    help: """
    usage: hotswapctl dump [--format json|yaml|toml] [--show-secrets]

    Prints the whole live configuration as the daemon published it, in the format asked
    (default json). Secret values (schema writeOnly or x-secret) print as "<redacted>"
    unless --show-secrets is given by a caller allowed to change the configuration.

    options:
      --format FORMAT   json (default), yaml or toml
      --show-secrets    include secret values (needs change permission)
    \(commonOptionsHelp)
    """,
    valueOptions: ["format"],
    flagOptions: ["show-secrets"],
    run: { args, ctx in
        guard args.positionals.isEmpty else { throw UsageError("dump takes no arguments") }
        let name = args.value("format") ?? "json"
        guard let format = Format(rawValue: name) else { throw UsageError("unknown format '\(name)' (json, yaml, toml)") }
        let doc = try request(.dump(showSecrets: args.has("show-secrets")), ctx)
        if ctx.json { printJSON(doc); return 0 }
        let text = try format.emit(doc)
        writeDocument(text)
        return 0
    }
)

let explainVerb = Verb(
    name: "explain",
    summary: "which source set a value, and what it overrode",
    help: """
    usage: hotswapctl explain PATH

    Shows the live value at PATH (dotted, or a JSON Pointer starting with '/'), the source
    that set it with file:line:column, and every lower-priority value it overrode; or
    "default from schema" when the schema's default filled it in.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.count == 1 else { throw UsageError("explain needs exactly one PATH") }
        let path = try ConfigPath(parsing: args.positionals[0])
        let r = try request(.explain(path), ctx)
        if ctx.json { printJSON(r); return 0 }
        var out = "\(r["path"].map(plain) ?? "") = \(r["value"].map(plain) ?? "")\n"
        out += "  set by:     \(r["winner"].map(plain) ?? "?") (\(r["origin"].map(plain) ?? "?"))\n"
        let overridden = r["overridden"]?.arrayValue ?? []
        let winnerIsContribution = r["winner"]?.stringValue.map { !$0.hasPrefix("merged") && $0 != "default from schema" } ?? false
        if !overridden.isEmpty {
            out += winnerIsContribution ? "  overrides:\n" : "  from:\n"
            for o in overridden {
                out += "    \(pad(o["source"].map(plain) ?? "", 36))\(o["value"].map(plain) ?? "")  (\(o["origin"].map(plain) ?? ""), priority \(o["priority"].map(plain) ?? ""))\n"
            }
        }
        writeOut(out)
        return 0
    }
)

/// Prints the outcome of a changing verb: `published generation 8` or `unchanged (generation 7)`.
func printChange(_ r: Value, _ ctx: Context) {
    if ctx.json { printJSON(r); return }
    let g = r["generation"].map(plain) ?? "?"
    writeOut(r["result"]?.stringValue == "published" ? "published generation \(g)\n" : "unchanged (generation \(g))\n")
}

let reloadVerb = Verb(
    name: "reload",
    summary: "reload every source now",
    help: """
    usage: hotswapctl reload

    Asks the daemon to reload all sources (as SIGHUP does) and prints the outcome. Exits 1
    with the reason when the new configuration is rejected; the live one stays.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.isEmpty else { throw UsageError("reload takes no arguments") }
        printChange(try request(.reload, ctx), ctx)
        return 0
    }
)

let setVerb = Verb(
    name: "set",
    summary: "set a runtime override (priority 400)",
    help: """
    usage: hotswapctl set PATH VALUE

    Sets PATH in the runtime-override layer, which wins over every file and the environment
    and survives restarts. VALUE is text that the schema converts to the declared type
    ("8080" becomes 8080 for an integer); a VALUE starting with '{' or '[' is parsed as
    JSON. The change is validated like any other: an invalid one is refused and nothing
    changes. Remove it with 'hotswapctl unset PATH'.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.count == 2 else { throw UsageError("set needs PATH and VALUE") }
        let path = try ConfigPath(parsing: args.positionals[0])
        let text = args.positionals[1]
        var value = Value.string(text)
        if let first = text.first, first == "{" || first == "[" {
            value = try JSON.parse(Array(text.utf8), options: ParseOptions(fileName: "<value>"))
        }
        printChange(try request(.set(path, value), ctx), ctx)
        return 0
    }
)

let unsetVerb = Verb(
    name: "unset",
    summary: "remove a runtime override",
    help: """
    usage: hotswapctl unset PATH

    Removes PATH (and everything under it) from the runtime-override layer, so the value
    from the files or the environment applies again.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.count == 1 else { throw UsageError("unset needs exactly one PATH") }
        printChange(try request(.unset(try ConfigPath(parsing: args.positionals[0])), ctx), ctx)
        return 0
    }
)

let historyVerb = Verb(
    name: "history",
    summary: "published generations, newest first",
    help: """
    usage: hotswapctl history [--json]

    Lists the recorded generations (the last history.size), newest first: generation, time,
    content hash and cause. '*' marks the live one.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.isEmpty else { throw UsageError("history takes no arguments") }
        let entries = try request(.history, ctx)
        if ctx.json { printJSON(entries); return 0 }
        var out = "  " + pad("GEN", 8) + pad("PUBLISHED", 26) + pad("HASH", 18) + "CAUSE\n"
        for e in entries.arrayValue ?? [] {
            out += (e["live"]?.boolValue == true ? "* " : "  ") + pad(e["generation"].map(plain) ?? "", 8)
                + pad(e["published_at"].map(plain) ?? "", 26) + pad(e["content_hash"].map(plain) ?? "", 18) + (e["cause"].map(plain) ?? "") + "\n"
        }
        writeOut(out)
        return 0
    }
)

let diffVerb = Verb(
    name: "diff",
    summary: "differences between two generations (or one and the live one)",
    help: """
    usage: hotswapctl diff A [B]

    Lists the key paths that differ between generation A and generation B (default: the
    live one; 'live' names it explicitly): '+' added, '-' removed, '~' changed. Coloured on
    a terminal; secrets redacted.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard (1...2).contains(args.positionals.count) else { throw UsageError("diff needs one or two generations") }
        func generation(_ s: String) throws -> UInt64? {
            if s == "live" { return nil }
            guard let g = UInt64(s) else { throw UsageError("'\(s)' is not a generation number or 'live'") }
            return g
        }
        let a = try generation(args.positionals[0])
        let b = args.positionals.count == 2 ? try generation(args.positionals[1]) : nil
        let changes = try request(.diff(a, b), ctx)
        if ctx.json { printJSON(changes); return 0 }
        let c = Colors()
        var out = ""
        for ch in changes.arrayValue ?? [] {
            let path = ch["path"].map(plain) ?? ""
            switch ch["kind"]?.stringValue {
            case "added": out += c.green("+ \(path): \(ch["new"].map(plain) ?? "")") + "\n"
            case "removed": out += c.red("- \(path): \(ch["old"].map(plain) ?? "")") + "\n"
            default: out += c.yellow("~ \(path): \(ch["old"].map(plain) ?? "") -> \(ch["new"].map(plain) ?? "")") + "\n"
            }
        }
        writeOut(out.isEmpty ? "no differences\n" : out)
        return 0
    }
)

let rollbackVerb = Verb(
    name: "rollback",
    summary: "republish the configuration of N generations back",
    help: """
    usage: hotswapctl rollback [N]

    Republishes the document of N generations back (default 1) as a new generation, after
    validating it against the current schema, and restores the runtime overrides it had.
    Files are not changed: the next reload (a file change, SIGHUP, 'hotswapctl reload')
    merges the current files again and ends the rollback. 'status' shows a rollback in effect.

    options:
    \(commonOptionsHelp)
    """,
    run: { args, ctx in
        guard args.positionals.count <= 1 else { throw UsageError("rollback takes at most one N") }
        let n = try args.positionals.first.map { s -> Int in
            guard let n = Int(s), n >= 1 else { throw UsageError("N must be a positive number") }
            return n
        } ?? 1
        printChange(try request(.rollback(steps: n), ctx), ctx)
        return 0
    }
)
