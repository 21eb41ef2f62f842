import HotswapCore
import HotswapDaemon
import HotswapSystem

/// Where the daemon is: the control socket path and the instance name, found from
/// `--socket`, else the daemon configuration given with `--config`, else
/// `/run/hotswapd/<instance>.sock` (`--instance`, default `default`).
struct Target {
    var socketPath: String
    var instance: String

    init(_ ctx: Context) throws {
        if let config = ctx.configPath {
            let c = try loadDaemonConfiguration(DaemonOptions(configPath: config))
            instance = ctx.instanceGiven ? ctx.instance : c.instance
            socketPath = ctx.socketPath ?? c.controlSocket
        } else {
            instance = ctx.instance
            socketPath = ctx.socketPath ?? "/run/hotswapd/\(ctx.instance).sock"
        }
    }
}

/// A failure the daemon reported, or that talking to it caused; printed as one line.
struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// Sends one request to the daemon and returns its successful result.
/// - Throws: `ClientError` with the daemon's one-line reason, or why it could not be reached.
func request(_ r: ControlRequest, _ ctx: Context) throws -> Value {
    let target = try Target(ctx)
    let connection: UnixConnection
    do {
        connection = try UnixConnection.connect(to: target.socketPath)
    } catch {
        throw ClientError(description: "cannot reach hotswapd at \(target.socketPath): \(error.reason) (is the daemon running? see --socket, --config, --instance)")
    }
    do {
        try connection.writeAll(Array(r.encoded.utf8))
        guard let line = try connection.readLine() else {
            throw ClientError(description: "hotswapd closed the connection without answering")
        }
        let response = try ControlResponse(line: line)
        guard response.ok else { throw ClientError(description: response.error ?? "failed") }
        return response.result
    } catch let error as SystemError {
        throw ClientError(description: "talking to hotswapd at \(target.socketPath): \(error)")
    }
}
