import HotswapCore
import HotswapSystem

/// Serves the control socket inside the daemon's event loop: accepts connections, reads one
/// request line from each, answers it, and closes the connection.
///
/// Nothing a client does can block the loop: sockets are nonblocking, a request larger than
/// `ControlProtocol.maxRequestBytes` is refused, a client that has not finished its request or
/// read its answer within `idleTimeout` is dropped, and beyond `maxConnections` new
/// connections are closed at once.
final class ControlServer {
    typealias Handler = (ControlRequest, PeerCredentials) -> ControlResponse

    static let maxConnections = 256
    static let idleTimeoutNs: UInt64 = 10_000_000_000

    private final class Connection {
        let socket: UnixConnection
        let peer: PeerCredentials?
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var lastActivity: UInt64
        var answered = false

        init(socket: UnixConnection, peer: PeerCredentials?, now: UInt64) {
            self.socket = socket
            self.peer = peer
            lastActivity = now
        }
    }

    let listener: UnixListener
    private let epoll: Epoll
    private let handler: Handler
    private let logger: Logger
    private let sweepTimer: MonotonicTimer
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 0
    /// Tokens at and above this are connections; below are the daemon's own descriptors.
    static let firstConnectionToken: UInt64 = 1 << 32
    let listenerToken: UInt64
    let sweepToken: UInt64

    init(listener: UnixListener, epoll: Epoll, listenerToken: UInt64, sweepToken: UInt64, logger: Logger, handler: @escaping Handler) throws(SystemError) {
        self.listener = listener
        self.epoll = epoll
        self.handler = handler
        self.logger = logger
        self.listenerToken = listenerToken
        self.sweepToken = sweepToken
        sweepTimer = try MonotonicTimer()
        try epoll.add(listener.descriptor, events: .readable, token: listenerToken)
        try epoll.add(sweepTimer.descriptor, events: .readable, token: sweepToken)
    }

    func owns(_ token: UInt64) -> Bool {
        token == listenerToken || token == sweepToken || token >= Self.firstConnectionToken
    }

    func handle(token: UInt64, events: Epoll.Events) {
        if token == listenerToken {
            acceptPending()
        } else if token == sweepToken {
            sweepTimer.consume()
            sweep()
        } else if let c = connections[token] {
            if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) { readFrom(c, token: token) }
            if connections[token] != nil, events.contains(.writable) { flush(c, token: token) }
        }
    }

    private func acceptPending() {
        // Bounded per wake-up so a flood of connections cannot starve the rest of the loop.
        for _ in 0..<64 {
            let socket: UnixConnection?
            do {
                socket = try listener.accept()
            } catch {
                logger.warning("control socket: \(error)")
                return
            }
            guard let socket else { return }
            guard connections.count < Self.maxConnections else {
                // Dropped unanswered: the client sees the connection close and can retry.
                logger.warning("control socket: too many connections (\(Self.maxConnections)); dropping one")
                continue
            }
            let token = Self.firstConnectionToken + nextID
            nextID += 1
            let c = Connection(socket: socket, peer: try? socket.peerCredentials(), now: Clock.monotonicNanoseconds)
            do {
                try epoll.add(socket.descriptor, events: [.readable, .peerClosed], token: token)
            } catch {
                continue
            }
            connections[token] = c
            if connections.count == 1 { sweepTimer.arm(afterNanoseconds: 1_000_000_000, interval: 1_000_000_000) }
        }
    }

    private func readFrom(_ c: Connection, token: UInt64) {
        guard !c.answered else {
            // After the answer only the close matters; anything else the client sends is ignored.
            if case .closed = (try? c.socket.read()) ?? .closed { close(token) }
            return
        }
        // Bounded per wake-up (epoll is level-triggered: the rest is read on the next one), so
        // a client that sends fast cannot keep the loop from publishing.
        for _ in 0..<16 {
            let result: UnixConnection.ReadResult
            do {
                result = try c.socket.read()
            } catch {
                close(token)
                return
            }
            switch result {
            case let .data(bytes):
                c.lastActivity = Clock.monotonicNanoseconds
                let scanFrom = c.input.count
                c.input += bytes
                // Only the new bytes can hold the newline; scanning the whole buffer every
                // time was quadratic (minutes for a 16 MiB request, the loop blocked).
                if let nl = c.input[scanFrom...].firstIndex(of: 0x0A) {
                    answer(c, token: token, line: Array(c.input[..<nl]))
                    return
                }
                if c.input.count > ControlProtocol.maxRequestBytes {
                    respond(c, token: token, .failure("request larger than \(ControlProtocol.maxRequestBytes) bytes"))
                    return
                }
            case .wouldBlock:
                return
            case .closed:
                // A client that closes its writing side after a request without a newline
                // still gets an answer.
                if !c.input.isEmpty && c.peer != nil {
                    answer(c, token: token, line: c.input)
                } else {
                    close(token)
                }
                return
            }
        }
    }

    private func answer(_ c: Connection, token: UInt64, line: [UInt8]) {
        guard let peer = c.peer else {
            respond(c, token: token, .failure("cannot identify the caller (SO_PEERCRED failed)"))
            return
        }
        let response: ControlResponse
        do {
            let request = try ControlRequest(line: line)
            response = handler(request, peer)
        } catch {
            response = .failure("bad request: \(error.message)")
        }
        respond(c, token: token, response)
    }

    private func respond(_ c: Connection, token: UInt64, _ response: ControlResponse) {
        c.answered = true
        c.input = []
        c.output = Array(response.encoded.utf8)
        flush(c, token: token)
    }

    private func flush(_ c: Connection, token: UInt64) {
        while c.written < c.output.count {
            let n: Int
            do {
                n = try c.socket.write(c.output[c.written...])
            } catch {
                close(token)
                return
            }
            if n == 0 {
                try? epoll.modify(c.socket.descriptor, events: [.readable, .writable, .peerClosed], token: token)
                return
            }
            c.written += n
            c.lastActivity = Clock.monotonicNanoseconds
        }
        close(token)
    }

    private func close(_ token: UInt64) {
        guard let c = connections.removeValue(forKey: token) else { return }
        epoll.remove(c.socket.descriptor)
        if connections.isEmpty { sweepTimer.disarm() }
    }

    private func sweep() {
        let now = Clock.monotonicNanoseconds
        for (token, c) in connections where now &- c.lastActivity > Self.idleTimeoutNs {
            close(token)
        }
    }
}
