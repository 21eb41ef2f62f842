import HotswapCore
import HotswapFormats
import HotswapSystem

/// Command-line choices that adjust the configuration file's settings.
public struct DaemonOptions: Sendable {
    public var configPath: String
    /// `--state-dir`: overrides `state_dir` (used by `make run` to stay out of /var/lib).
    public var stateDirectory: String?
    /// `--socket`: overrides `control.socket`.
    public var socketPath: String?

    public init(configPath: String, stateDirectory: String? = nil, socketPath: String? = nil) {
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
    }
}

/// Reads and parses the daemon configuration file, applying command-line overrides.
public func loadDaemonConfiguration(_ options: DaemonOptions) throws(ConfigError) -> DaemonConfiguration {
    let path = options.configPath
    guard let format = Format(path: path) else {
        throw ConfigError(.unsupported, "cannot tell the format of \(path): use .yaml, .yml, .json or .toml", at: Origin(file: path))
    }
    let document = try format.parse(try Files.read(path), options: ParseOptions(fileName: path))
    var config = try DaemonConfiguration(parsing: document, path: path, baseDirectory: Files.directory(of: path))
    if let s = options.stateDirectory { config.stateDirectory = s }
    if let s = options.socketPath { config.controlSocket = s }
    return config
}

/// `hotswapd --check`: loads everything, validates, and reports, without touching the
/// segment or the state directory. Returns the exit status.
public func checkConfiguration(_ config: DaemonConfiguration, environment: [String: String], logger: Logger) -> (Int32, String) {
    let loaded = SourceLoader().load(config.sources, environment: environment)
    let evaluation: Evaluation
    do {
        evaluation = evaluate(sources: loaded, schema: try SchemaProvider(path: config.schemaPath).current())
    } catch {
        evaluation = .rejected([error])
    }
    switch evaluation {
    case let .accepted(candidate):
        let redacted = redact(candidate.document, secrets: candidate.secrets)
        let files = loaded.statuses.reduce(0) { $0 + $1.files.count }
        return (0, JSON.emit(redacted, style: .pretty) + "\n" + "ok: instance \(config.instance), \(loaded.statuses.count) sources (\(files) files), configuration valid\n")
    case let .rejected(errors):
        return (1, errors.map { $0.description + "\n" }.joined())
    }
}

/// Replaces the values at secret paths with `"<redacted>"`.
public func redact(_ document: Value, secrets: [ConfigPath]) -> Value {
    var doc = document
    for path in secrets where doc.value(at: path) != nil {
        doc = (try? doc.setting(.string("<redacted>"), at: path)) ?? doc
    }
    return doc
}

/// The running daemon: one thread, one epoll loop over signals, inotify, timers and the
/// control socket. The services it drives do the work; this type only routes events.
public final class Daemon {
    private enum Token: UInt64 { case signals = 1, inotify, debounce, watchdog, control, controlSweep }

    private let config: DaemonConfiguration
    private let logger: Logger
    private let notifier = SystemdNotifier()
    private let environment: [String: String]

    public init(config: DaemonConfiguration, logger: Logger, environment: [String: String]) {
        self.config = config
        self.logger = logger
        self.environment = environment
    }

    /// The control socket: adopted from systemd socket activation when present, else bound
    /// at `control.socket` (its directory created if needed).
    private func openControlSocket() throws -> UnixListener {
        if let passed = SystemdNotifier.listenDescriptors().first {
            return UnixListener(adopting: passed.raw, path: config.controlSocket)
        }
        try Files.createDirectory(Files.directory(of: config.controlSocket), mode: 0o755)
        // Anyone may connect and read; changing verbs are authorised per request.
        return try UnixListener(path: config.controlSocket, mode: 0o666)
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    public func run() -> Int32 {
        do {
            return try runLoop()
        } catch let error as ReloadService.StartError {
            logger.error("cannot start: \(error)")
            return 1
        } catch {
            logger.error("fatal: \(error)")
            return 1
        }
    }

    private func runLoop() throws -> Int32 {
        // Signals first, before anything could start a thread, so every thread blocks them.
        let signals = try SignalSource([.hangup, .terminate, .interrupt])
        ignoreBrokenPipes()
        let epoll = try Epoll()
        try epoll.add(signals.descriptor, events: .readable, token: Token.signals.rawValue)

        let store = try StateStore(directory: config.stateDirectory, historySize: config.historySize)
        let lastGeneration = store.lastGood()?.generation ?? 0
        let sink: SegmentSink
        do {
            sink = try SegmentSink(instance: config.instance, mode: config.segmentMode, group: config.segmentGroup, minimumGeneration: lastGeneration)
        } catch {
            throw ReloadService.StartError.publish("cannot open the segment /dev/shm/hotswap.\(config.instance): \(error)")
        }
        // The segment's writer lock is held from here on: no other daemon writes this state.
        store.removeInterruptedWrites()
        let service = ReloadService(config: config, sink: sink, store: store, logger: logger, environment: environment)

        // Watch before the first load, so a change made while it runs is not missed.
        let watcher = try Watcher(logger: logger)
        watcher.apply(service.watchPlan())
        try epoll.add(watcher.inotify.descriptor, events: .readable, token: Token.inotify.rawValue)
        let debounce = try MonotonicTimer()
        try epoll.add(debounce.descriptor, events: .readable, token: Token.debounce.rawValue)

        try service.start()
        watcher.apply(service.watchPlan())
        logger.notice("hotswapd \(config.instance) ready: generation \(service.status.generation), segment /dev/shm/hotswap.\(config.instance)",
                      [("HOTSWAP_INSTANCE", config.instance), ("HOTSWAP_GENERATION", String(service.status.generation))])

        var watchdog: MonotonicTimer?
        if let usec = notifier.watchdogMicroseconds {
            let t = try MonotonicTimer()
            // Half the interval, as sd_watchdog_enabled(3) recommends.
            t.arm(afterNanoseconds: usec * 500, interval: usec * 500)
            try epoll.add(t.descriptor, events: .readable, token: Token.watchdog.rawValue)
            watchdog = t
        }

        let debounceNs = UInt64(config.debounceMilliseconds) * 1_000_000
        // A steady stream of changes still reloads at least this often.
        let maxDelayNs = max(debounceNs * 10, 1_000_000_000)
        var firstPendingAt: UInt64?

        // Every reload, whatever triggered it, is announced to systemd and followed by a new
        // watch plan (a directory may have appeared).
        //
        // Watches are planned before the sources are read, so a directory that appeared (the
        // cause of this reload, often) is watched before its files are read; if the plan
        // made after the reload adds a watch anyway, something appeared meanwhile, unseen:
        // look again after the debounce.
        func perform(_ cause: String, _ body: () -> ReloadReport) -> ReloadReport {
            notifier.notify(["RELOADING=1", "MONOTONIC_USEC=\(Clock.monotonicMicroseconds)", "STATUS=reloading (\(cause))"])
            watcher.apply(service.watchPlan())
            let report = body()
            if watcher.apply(service.watchPlan()) {
                debounce.arm(afterNanoseconds: max(UInt64(config.debounceMilliseconds) * 1_000_000, 1))
            }
            notifier.notify(["READY=1", "STATUS=\(service.status.statusText)"])
            return report
        }
        func reload(_ cause: String) {
            _ = perform(cause) { service.reload(cause: cause) }
        }

        let control = ControlService(service: service, store: store, config: config, logger: logger, perform: perform)
        let listener = try openControlSocket()
        defer { listener.unlinkPath() }
        let server = try ControlServer(listener: listener, epoll: epoll, listenerToken: Token.control.rawValue,
                                       sweepToken: Token.controlSweep.rawValue, logger: logger, handler: control.handle)

        // Ready once the first snapshot is published and the control socket accepts.
        notifier.notify(["READY=1", "STATUS=\(service.status.statusText)", "MAINPID=\(ProcessInfoLite.pid)"])
        while true {
            for (token, events) in try epoll.wait(timeoutMs: -1) {
                switch Token(rawValue: token) {
                case .signals:
                    while let signal = signals.next() {
                        switch signal {
                        case .hangup:
                            reload("SIGHUP")
                        case .terminate, .interrupt:
                            logger.notice("stopping on \(signal == .terminate ? "SIGTERM" : "SIGINT"); generation \(service.status.generation) stays readable")
                            notifier.notify(["STOPPING=1", "STATUS=stopping"])
                            return 0
                        default:
                            break
                        }
                    }
                case .inotify:
                    guard watcher.drain() else { break }
                    let now = Clock.monotonicNanoseconds
                    if debounceNs == 0 {
                        reload("file change")
                    } else {
                        let first = firstPendingAt ?? now
                        firstPendingAt = first
                        let deadline = min(now + debounceNs, first + maxDelayNs)
                        debounce.arm(afterNanoseconds: deadline > now ? deadline - now : 1)
                    }
                case .debounce:
                    guard debounce.consume() > 0 else { break }
                    firstPendingAt = nil
                    reload("file change")
                case .watchdog:
                    watchdog?.consume()
                    notifier.notify(["WATCHDOG=1"])
                case .control, .controlSweep, nil:
                    if server.owns(token) { server.handle(token: token, events: events) }
                }
            }
        }
    }
}
