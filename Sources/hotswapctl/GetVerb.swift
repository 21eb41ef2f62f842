import CHotswap
import HotswapCore
import HotswapFormats

let getVerb = Verb(
    name: "get",
    summary: "read a value from the shared-memory segment (works with the daemon down)",
    help: """
    usage: hotswapctl get PATH

    Reads PATH (dotted, e.g. server.port, or a JSON Pointer such as /a.b) from the live
    snapshot in /dev/shm/hotswap.<instance> through libhotswap, without talking to the
    daemon. A scalar prints plainly (a string without quotes, a number in its shortest
    form, true/false, null); an object or array prints as JSON. An empty PATH ('') prints
    the whole document.

    options:
      --instance NAME   daemon instance (default: default, or the one in --config)
      --config FILE     the daemon's configuration file
      --json            print the value as JSON (strings quoted)
    """,
    run: { args, ctx in
        guard args.positionals.count == 1 else { throw UsageError("get needs exactly one PATH") }
        let path = args.positionals[0]
        _ = try ConfigPath(parsing: path)   // a malformed path is a usage error, reported clearly
        let instance = try ctx.configPath != nil ? Target(ctx).instance : ctx.instance
        let value = try readSegment(instance: instance, path: path)
        writeOut((ctx.json ? JSON.emit(value) : plain(value)) + "\n")
        return 0
    }
)

/// Reads the JSON of `path` from the instance's segment and parses it.
func readSegment(instance: String, path: String) throws -> Value {
    var reader: OpaquePointer?
    var rc = hs_open(instance, &reader)
    guard rc == HS_OK, let reader else {
        let reason = String(cString: hs_strerror(rc))
        throw ClientError(description: "cannot open the segment /dev/shm/hotswap.\(instance): \(reason) (is hotswapd running for instance '\(instance)'?)")
    }
    defer { hs_close(reader) }
    var capacity = 4096
    while true {
        var buffer = [CChar](repeating: 0, count: capacity)
        var length = 0
        rc = hs_get_json(reader, path, &buffer, capacity, &length)
        if rc == HS_ETOOSMALL && length >= capacity {
            capacity = length + 1
            continue
        }
        guard rc == HS_OK else {
            let reason = String(cString: hs_strerror(rc))
            let where_ = "generation \(hs_generation(reader)) of instance '\(instance)'"
            if rc == HS_ENOTFOUND { throw ClientError(description: "no value at '\(path)' in \(where_)") }
            throw ClientError(description: "cannot read '\(path)' from \(where_): \(reason)")
        }
        let bytes = buffer.prefix(length).map { UInt8(bitPattern: $0) }
        return try JSON.parse(bytes, options: ParseOptions(fileName: "<segment>", maxInputBytes: Int.max, maxDepth: 100_000))
    }
}
