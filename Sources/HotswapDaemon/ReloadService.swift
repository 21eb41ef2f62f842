import HotswapCore
import HotswapFormats
import HotswapSystem

/// Runs the reload pipeline and carries out its decisions: load the sources, evaluate
/// (merge, schema), publish to the segment, record the generation, and keep the status.
///
/// It owns no descriptors and knows nothing of signals or inotify: the event loop calls
/// `reload(cause:)` and reads `status`.
final class ReloadService {
    let config: DaemonConfiguration
    private let loader: SourceLoader
    private let schema: SchemaProvider
    private let sink: SegmentSink
    private let store: StateStore
    private let logger: Logger
    private let environment: [String: String]
    private(set) var status: DaemonStatus
    /// What is live, for "unchanged" decisions and for `hotswapctl dump/explain/diff`.
    private(set) var live: Candidate?
    /// The layers that made the live snapshot, for `hotswapctl explain`.
    private(set) var liveLayers: [Layer] = []
    /// The runtime-override layer (priority 400), persisted in the state directory.
    private(set) var overrides: Value?

    init(config: DaemonConfiguration, sink: SegmentSink, store: StateStore, logger: Logger, environment: [String: String]) {
        self.config = config
        loader = SourceLoader()
        schema = SchemaProvider(path: config.schemaPath)
        self.sink = sink
        self.store = store
        self.logger = logger
        self.environment = environment
        status = DaemonStatus(instance: config.instance)
        status.startedAt = Clock.realtimeNanoseconds
        status.generation = sink.generation
    }

    enum StartError: Error, CustomStringConvertible {
        case rejected([ConfigError])
        case publish(String)
        var description: String {
            switch self {
            case let .rejected(errors): return errors.map(\.description).joined(separator: "\n")
            case let .publish(reason): return reason
            }
        }
    }

    /// The first load. A rejected first load falls back to the last good snapshot in the state
    /// directory (degraded); with none, it is fatal.
    func start() throws(StartError) {
        do {
            overrides = try store.loadOverrides().map(Self.markAsOverride)
        } catch {
            logger.error("ignoring unreadable runtime overrides: \(error)")
        }
        let report = reload(cause: "start")
        switch report.result {
        case .published, .unchanged:
            return
        case let .rejected(errors):
            guard let lastGood = store.lastGood() else { throw .rejected(errors) }
            logger.warning("sources are broken at start; serving the last good snapshot (generation \(lastGood.generation)) degraded",
                           [("HOTSWAP_GENERATION", String(lastGood.generation))])
            let candidate: Candidate
            do {
                candidate = try Candidate(document: lastGood.document, secrets: lastGood.secrets)
            } catch {
                throw .publish("cannot encode the last good snapshot: \(error)")
            }
            if !sink.serves(candidate) {
                do {
                    try publish(candidate, cause: "start (last good snapshot of generation \(lastGood.generation))")
                } catch {
                    throw .publish("cannot publish the last good snapshot: \(error)")
                }
            } else {
                live = candidate
                status.generation = sink.generation
                status.contentHash = sink.contentHash
            }
            status.degraded = true
            status.degradedReason = "sources broken at start: " + (errors.first?.description ?? "")
        }
    }

    /// Loads every source and publishes the result if it is valid and different.
    ///
    /// - Parameter proposedOverrides: a new runtime-override layer to try (`set`, `unset`,
    ///   `patch`); it replaces the current one only if the result is accepted. `.some(nil)`
    ///   proposes removing every override.
    @discardableResult
    func reload(cause: String, proposedOverrides: Value?? = nil) -> ReloadReport {
        let loaded = loader.load(config.sources, environment: environment)
        status.sources = loaded.statuses
        let candidateOverrides = proposedOverrides ?? overrides
        let overrideLayers = candidateOverrides.map { [Layer(name: "override", priority: SourceSpec.overridePriority, document: $0)] } ?? []
        let evaluation: Evaluation
        do {
            evaluation = evaluate(sources: loaded, extraLayers: overrideLayers, schema: try schema.current())
        } catch {
            evaluation = .rejected([error])
        }
        var report = ReloadReport(cause: cause, at: Clock.realtimeNanoseconds, result: .unchanged)
        switch decide(live: sink.live, evaluation: evaluation) {
        case let .publish(candidate):
            let previousOverrides = overrides
            do {
                if let proposedOverrides { try commitOverrides(proposedOverrides) }
                try publish(candidate, cause: cause)
                liveLayers = loaded.layers + overrideLayers
                report.result = .published(generation: status.generation)
                status.degraded = false
                status.degradedReason = nil
                status.rollbackTo = nil
            } catch {
                // Nothing was published: put back the overrides that match what is live.
                if proposedOverrides != nil { try? commitOverrides(previousOverrides) }
                report.result = .rejected([ConfigError(.io, "publishing failed: \(error)")])
            }
        case .unchanged:
            if let proposedOverrides {
                do {
                    try commitOverrides(proposedOverrides)
                } catch {
                    report.result = .rejected([ConfigError(.io, "cannot persist the runtime overrides: \(error)")])
                    break
                }
            }
            if live == nil, case let .accepted(c) = evaluation {
                // First load after a restart on unchanged sources: what is live was published
                // by an earlier run; take its facts from the segment and the history.
                live = c
                status.contentHash = sink.contentHash
                let last = store.lastGood()
                if let last, last.generation == sink.generation {
                    status.publishedAt = last.publishedAt
                } else if sink.generation > (last?.generation ?? 0) {
                    // Killed between a publish and its history record: record it now, so
                    // history, diff and rollback count from what readers see.
                    var entry = HistoryEntry(generation: sink.generation, contentHash: sink.contentHash, publishedAt: Clock.realtimeNanoseconds,
                                             cause: "\(cause) (generation published before a crash, recorded late)", document: c.document, overrides: overrides)
                    entry.secrets = c.secrets
                    do {
                        try store.record(entry)
                    } catch {
                        logger.warning("cannot record generation \(sink.generation) in \(store.directory): \(error)")
                    }
                }
            }
            liveLayers = loaded.layers + overrideLayers
            status.degraded = false
            status.degradedReason = nil
        case let .reject(errors):
            report.result = .rejected(errors)
        }
        status.lastReload = report
        log(report)
        return report
    }

    private func publish(_ candidate: Candidate, cause: String) throws(ConfigError) {
        let published = try sink.publish(candidate)
        live = candidate
        status.generation = published.generation
        status.contentHash = published.contentHash
        status.publishedAt = Clock.realtimeNanoseconds
        var entry = HistoryEntry(generation: published.generation, contentHash: published.contentHash,
                                 publishedAt: status.publishedAt, cause: cause, document: candidate.document, overrides: overrides)
        entry.secrets = candidate.secrets
        do {
            try store.record(entry)
        } catch {
            // The snapshot is live; losing its history record is worth a warning, not a rollback.
            logger.warning("cannot record generation \(published.generation) in \(store.directory): \(error)")
        }
    }

    /// Persists a new override layer before the snapshot that uses it is published, so a
    /// crash in between restarts with the overrides of what was about to be live.
    private func commitOverrides(_ new: Value?) throws(SystemError) {
        let normalized = new.flatMap { v in v.isNull || v.objectValue?.isEmpty == true ? Value?.none : v }
        try store.saveOverrides(normalized)
        overrides = normalized
    }

    /// Republishes the document of `steps` generations back, validated against the current
    /// schema, and restores the override layer it had. Files are not touched: the next
    /// reload (file change, SIGHUP) merges the current files again and ends the rollback.
    func rollback(steps: Int, cause: String) -> ReloadReport {
        var report = ReloadReport(cause: cause, at: Clock.realtimeNanoseconds, result: .unchanged)
        let entries = store.history().entries
        let liveIndex = entries.lastIndex { $0.generation == status.generation } ?? entries.count - 1
        let index = liveIndex - steps
        guard steps >= 1, index >= 0 else {
            report.result = .rejected([ConfigError(.path, "cannot roll back \(steps) generation\(steps == 1 ? "" : "s"): the history holds \(max(0, liveIndex)) older generation\(liveIndex == 1 ? "" : "s")")])
            status.lastReload = report
            log(report)
            return report
        }
        let target = entries[index]
        let evaluation: Evaluation
        do {
            let step = try schema.current()
            let outcome = step?(target.document) ?? SchemaOutcome(document: target.document, errors: [], secrets: [])
            evaluation = outcome.errors.isEmpty
                ? .accepted(try Candidate(document: outcome.document, secrets: outcome.secrets))
                : .rejected(outcome.errors.map { ConfigError($0.code, "generation \(target.generation) no longer satisfies the schema: \($0.message)", at: $0.origin) })
        } catch {
            evaluation = .rejected([error])
        }
        switch evaluation {
        case let .rejected(errors):
            report.result = .rejected(errors)
        case let .accepted(candidate):
            do {
                // Marked as overrides again, as at start: the schema coerces their strings.
                try commitOverrides(target.overrides.map(Self.markAsOverride))
                if !sink.serves(candidate) {
                    try publish(candidate, cause: cause)
                    report.result = .published(generation: status.generation)
                }
                status.rollbackTo = target.generation
                status.degraded = false
                status.degradedReason = nil
            } catch {
                report.result = .rejected([ConfigError(.io, "rollback failed: \(error)")])
            }
        }
        status.lastReload = report
        log(report)
        return report
    }

    private func log(_ report: ReloadReport) {
        let fields = [("HOTSWAP_INSTANCE", config.instance), ("HOTSWAP_CAUSE", report.cause), ("HOTSWAP_GENERATION", String(status.generation))]
        switch report.result {
        case let .published(g):
            logger.notice("published generation \(g) (\(report.cause))", fields + [("HOTSWAP_CONTENT_HASH", status.contentHash)])
        case .unchanged:
            logger.info("reload (\(report.cause)): configuration unchanged, generation \(status.generation) stays live", fields)
        case let .rejected(errors):
            for e in errors {
                var f = fields + [("HOTSWAP_RESULT", "rejected")]
                if let o = e.origin {
                    f += [("HOTSWAP_SOURCE_FILE", o.file), ("HOTSWAP_SOURCE_LINE", String(o.line)), ("HOTSWAP_SOURCE_COLUMN", String(o.column))]
                }
                logger.error("reload (\(report.cause)) rejected: \(e); generation \(status.generation) stays live", f)
            }
        }
    }

    /// Directories and files to watch for the current sources and schema.
    func watchPlan() -> WatchPlan {
        var files: [String] = []
        var dirs: [String] = []
        for s in config.sources {
            switch s.kind {
            case let .file(path): files.append(path)
            case let .directory(path): dirs.append(path)
            case .environment: break
            }
        }
        if let schema = config.schemaPath { files.append(schema) }
        return WatchPlan(files: files, directories: dirs, isDirectory: Files.isDirectory, resolveSymlinks: Files.realPath)
    }

    /// Values persisted as JSON come back with the overrides file's positions; they are
    /// runtime overrides all the same, which coercion and `explain` need to know.
    static func markAsOverride(_ v: Value) -> Value {
        var copy = v
        copy.origin = Origin(file: "<override>")
        switch v.kind {
        case let .array(a): copy.kind = .array(a.map(markAsOverride))
        case let .object(o): copy.kind = .object(o.mapValues(markAsOverride))
        default: break
        }
        return copy
    }
}
