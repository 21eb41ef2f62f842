import HotswapCore
import HotswapFormats
import HotswapSystem

/// Decides who may change the configuration: root, and the uids and groups listed in the
/// daemon configuration (`control.allow_uids`, `control.allow_groups`).
struct Authorizer {
    let allowUIDs: [UInt32]
    let allowGroups: [(name: String, gid: UInt32)]

    init(config: DaemonConfiguration, logger: Logger) {
        allowUIDs = config.allowUIDs
        allowGroups = config.allowGroups.compactMap { name in
            guard let gid = ProcessInfoLite.groupID(named: name) else {
                logger.warning("control.allow_groups: unknown group '\(name)' ignored")
                return nil
            }
            return (name, gid)
        }
    }

    /// Nil when `peer` may run a changing verb, else the refusal naming the caller and the rule.
    func refusal(for peer: PeerCredentials, verb: String) -> String? {
        if peer.uid == 0 || allowUIDs.contains(peer.uid) { return nil }
        if !allowGroups.isEmpty {
            let groups = ProcessInfoLite.groups(ofUser: peer.uid, primary: peer.gid)
            if allowGroups.contains(where: { groups.contains($0.gid) }) { return nil }
        }
        let uids = allowUIDs.isEmpty ? "none" : allowUIDs.map(String.init).joined(separator: ", ")
        let gs = allowGroups.isEmpty ? "none" : allowGroups.map(\.name).joined(separator: ", ")
        return "permission denied: uid \(peer.uid) may not \(verb) (allowed: root, control.allow_uids [\(uids)], control.allow_groups [\(gs)])"
    }
}

/// Answers control-socket requests from the reload service's state and carries out the
/// changing verbs through it. `perform` wraps every reload so that the event loop can tell
/// systemd (`RELOADING=1`/`READY=1`) and re-plan its watches, as for any other reload.
final class ControlService {
    typealias Perform = (_ cause: String, _ body: () -> ReloadReport) -> ReloadReport

    private let service: ReloadService
    private let store: StateStore
    private let authorizer: Authorizer
    private let logger: Logger
    private let perform: Perform
    private let config: DaemonConfiguration

    init(service: ReloadService, store: StateStore, config: DaemonConfiguration, logger: Logger, perform: @escaping Perform) {
        self.service = service
        self.store = store
        self.config = config
        self.logger = logger
        self.perform = perform
        authorizer = Authorizer(config: config, logger: logger)
    }

    func handle(_ request: ControlRequest, peer: PeerCredentials) -> ControlResponse {
        if request.isMutating, let refusal = authorizer.refusal(for: peer, verb: request.verb) {
            logger.warning(refusal, [("HOTSWAP_VERB", request.verb), ("HOTSWAP_PEER_UID", String(peer.uid)), ("HOTSWAP_PEER_PID", String(peer.pid))])
            return .failure(refusal)
        }
        switch request {
        case .status:
            var status = service.status.encoded(socketPath: config.controlSocket, segmentName: "/dev/shm/hotswap.\(config.instance)")
            if case var .object(o) = status.kind {
                o["overrides"] = service.overrides ?? .object(Object())
                o["override_paths"] = .array(leafPaths(service.overrides).map { .string($0.description) })
                status.kind = .object(o)
            }
            return .success(status)
        case let .dump(showSecrets):
            guard let live = service.live else { return .failure("nothing is published yet") }
            if showSecrets { audit("dump --show-secrets", peer) }
            return .success(showSecrets ? live.document : redact(live.document, secrets: live.secrets))
        case let .explain(path):
            return explain(path)
        case .reload:
            audit("reload", peer)
            return respond(perform("reload by uid \(peer.uid)") { service.reload(cause: "reload by uid \(peer.uid)") })
        case let .set(path, value):
            guard !path.isRoot else { return .failure("set needs a key path; use patch to replace the whole document") }
            do {
                let new = try (service.overrides ?? Value(.object(Object()))).setting(ReloadService.markAsOverride(value), at: path)
                audit("set \(path) = \(value)", peer)
                let cause = "set \(path) by uid \(peer.uid)"
                return respond(perform(cause) { service.reload(cause: cause, proposedOverrides: .some(new)) })
            } catch {
                return .failure("cannot set \(path): \(error.message)")
            }
        case let .unset(path):
            guard let overrides = service.overrides, overrides.value(at: path) != nil else {
                let existing = leafPaths(service.overrides).map(\.description)
                return .failure("no runtime override at '\(path)'" + (existing.isEmpty ? " (there are none)" : " (overrides: \(existing.joined(separator: ", ")))"))
            }
            do {
                var new = try overrides.removing(at: path)
                // A parent left empty would stay an override ({} replaces a scalar below it,
                // and status would list it): remove it too.
                var parent = path.parent
                while !parent.isRoot, let p = new.value(at: parent), p.objectValue?.isEmpty == true {
                    new = try new.removing(at: parent)
                    parent = parent.parent
                }
                audit("unset \(path)", peer)
                let cause = "unset \(path) by uid \(peer.uid)"
                return respond(perform(cause) { service.reload(cause: cause, proposedOverrides: .some(new)) })
            } catch {
                return .failure("cannot unset \(path): \(error.message)")
            }
        case let .patch(patch):
            do {
                let new = try overridesAfter(patch)
                audit("patch (\(patch.operations.count) operations)", peer)
                let cause = "patch by uid \(peer.uid)"
                return respond(perform(cause) { service.reload(cause: cause, proposedOverrides: .some(new)) })
            } catch {
                return .failure(error.description)
            }
        case .history:
            let entries = store.history().entries
            return .success(.array(entries.reversed().map { e in
                var v = e.encoded(includeDocument: false)
                if case var .object(o) = v.kind {
                    o["live"] = .bool(e.generation == service.status.generation)
                    v.kind = .object(o)
                }
                return v
            }))
        case let .diff(a, b):
            return diff(a, b)
        case let .rollback(steps):
            audit("rollback \(steps)", peer)
            let cause = "rollback \(steps) by uid \(peer.uid)"
            return respond(perform(cause) { service.rollback(steps: steps, cause: cause) })
        }
    }

    private func audit(_ what: String, _ peer: PeerCredentials) {
        logger.notice("control: \(what) by uid \(peer.uid) pid \(peer.pid)",
                      [("HOTSWAP_AUDIT", what), ("HOTSWAP_PEER_UID", String(peer.uid)), ("HOTSWAP_PEER_PID", String(peer.pid))])
    }

    private func respond(_ report: ReloadReport) -> ControlResponse {
        var o = Object()
        o["generation"] = .integer(Int64(clamping: service.status.generation))
        switch report.result {
        case .published:
            o["result"] = "published"
        case .unchanged:
            o["result"] = "unchanged"
        case let .rejected(errors):
            return .failure("rejected: \(errors.first?.description ?? "unknown error")" + (errors.count > 1 ? " (and \(errors.count - 1) more)" : ""),
                            errors: errors.map(\.description))
        }
        return .success(.object(o))
    }

    /// The override layer that makes the merged configuration equal the patched one.
    ///
    /// The patch applies to the merged configuration (every source and the current overrides,
    /// before schema defaults), which is what an operator sees with `dump`. Each difference
    /// becomes an override; arrays are set whole (merge replaces arrays). A key that comes
    /// from a file cannot be deleted by an override, and saying so beats silently keeping it.
    private func overridesAfter(_ patch: JSONPatch) throws(ConfigError) -> Value {
        let layers = service.liveLayers
        let merged = Value.merge(layers)
        // `test` compares with what the operator sees (values converted by the schema, as
        // dump shows them), not with the raw strings of `set` or the environment: the whole
        // patch must apply to the live document, and its changes then go onto the layers.
        if let live = service.live?.document { _ = try patch.apply(to: live) }
        let changes = JSONPatch(patch.operations.filter { if case .test = $0 { false } else { true } })
        let desired = try changes.apply(to: merged)
        var overrides = service.overrides ?? Value(.object(Object()))
        func walk(_ from: Value, _ to: Value, _ path: ConfigPath) throws(ConfigError) {
            if case let .object(a) = from.kind, case let .object(b) = to.kind {
                for (k, v) in b {
                    if let old = a[k] { try walk(old, v, path.appending(k)) } else { overrides = try overrides.setting(ReloadService.markAsOverride(v), at: path.appending(k)) }
                }
                for k in a.keys where !b.contains(k) {
                    let p = path.appending(k)
                    if overrides.value(at: p) != nil { overrides = try overrides.removing(at: p) }
                }
            } else if !from.isJSONEqual(to: to) || from.typeName != to.typeName {
                overrides = path.isRoot ? ReloadService.markAsOverride(to) : try overrides.setting(ReloadService.markAsOverride(to), at: path)
            }
        }
        try walk(merged, desired, .root)
        let result = Value.merge(layers.filter { $0.priority < SourceSpec.overridePriority } + [Layer(name: "override", priority: SourceSpec.overridePriority, document: overrides)])
        if result != desired {
            let lost = result.changes(to: desired).map { $0.path.description }
            throw ConfigError(.patch, "the patch removes \(lost.joined(separator: ", ")), which come\(lost.count == 1 ? "s" : "") from a configuration file; runtime overrides cannot delete keys from files (set them to null instead)")
        }
        return overrides
    }

    private func explain(_ path: ConfigPath) -> ControlResponse {
        guard let live = service.live else { return .failure("nothing is published yet") }
        guard let value = live.document.value(at: path) else { return .failure("no value at '\(path)'") }
        let secret = live.secrets.contains { path.tokens.starts(with: $0.tokens) }
        func show(_ v: Value) -> Value { secret ? "<redacted>" : v.strippingOrigins }
        var contributions: [Value] = []
        for layer in service.liveLayers {
            guard let v = layer.document.value(at: path) else { continue }
            var c = Object()
            c["source"] = .string(layer.name)
            c["priority"] = .integer(Int64(layer.priority))
            c["origin"] = .string(v.origin?.description ?? layer.name)
            if let env = v.origin?.source, v.origin?.file == "<env>" { c["variable"] = .string(env) }
            c["value"] = show(v)
            contributions.append(.object(c))
        }
        var o = Object()
        o["path"] = .string(path.description)
        o["value"] = show(value)
        // A default's origin names the `default` keyword in the schema file
        // (`etc/app/schema.yaml:17:57`), which is where an operator would change it.
        let defaultOrigin: String? = value.origin.flatMap { origin in
            guard origin.file == "<schema default>" else { return nil }
            let file = origin.source.map { $0.hasPrefix("schema ") ? String($0.dropFirst(7)) : $0 } ?? origin.file
            return origin.line > 0 ? "\(file):\(origin.line):\(origin.column)" : file
        }
        if contributions.isEmpty {
            o["winner"] = "default from schema"
            o["origin"] = .string(defaultOrigin ?? value.origin?.description ?? "<schema default>")
            o["overridden"] = .array([])
        } else if value.objectValue != nil {
            o["winner"] = .string("merged from \(contributions.count) source\(contributions.count == 1 ? "" : "s")")
            o["origin"] = contributions.last!["origin"]!
            o["overridden"] = .array(contributions.reversed())
        } else {
            o["winner"] = contributions.last!["source"]!
            o["origin"] = contributions.last!["origin"]!
            o["overridden"] = .array(contributions.dropLast().reversed())
        }
        if let defaultOrigin {
            o["winner"] = "default from schema"
            o["origin"] = .string(defaultOrigin)
        }
        if let g = service.status.rollbackTo {
            // The live document is generation g's, republished: the current layers did not
            // make it, so naming one of them (a file that may now say something else) would mislead.
            o["winner"] = .string("rollback to generation \(g)")
            o["origin"] = .string("history record of generation \(g)")
            o["overridden"] = .array([])
        }
        return .success(.object(o))
    }

    private func diff(_ a: UInt64?, _ b: UInt64?) -> ControlResponse {
        guard let live = service.live else { return .failure("nothing is published yet") }
        let entries = store.history().entries
        func document(_ g: UInt64?) -> Value? {
            guard let g else { return live.document }
            return entries.first { $0.generation == g }?.document
        }
        guard let da = document(a) else { return .failure("generation \(a!) is not in the history (see hotswapctl history)") }
        guard let db = document(b) else { return .failure("generation \(b!) is not in the history (see hotswapctl history)") }
        var changes = redact(da, secrets: live.secrets).changes(to: redact(db, secrets: live.secrets)).map { c in
            (path: c.path, kind: c.kind.rawValue, old: c.old?.strippingOrigins ?? .null, new: c.new?.strippingOrigins ?? .null)
        }
        // Redacting both sides hides a secret whose value changed: list it, without the values.
        for path in live.secrets {
            if let old = da.value(at: path), let new = db.value(at: path), !old.isJSONEqual(to: new) {
                changes.append((path, "changed", "<redacted>", "<redacted>"))
            }
        }
        return .success(.array(changes.map { c in
            var o = Object()
            o["path"] = .string(c.path.description)
            o["kind"] = .string(c.kind)
            o["old"] = c.old
            o["new"] = c.new
            return .object(o)
        }))
    }
}

/// The paths of the leaves (non-object values) of a document, for listing overrides.
func leafPaths(_ v: Value?, _ path: ConfigPath = .root) -> [ConfigPath] {
    guard let v else { return [] }
    if case let .object(o) = v.kind, !o.isEmpty {
        return o.flatMap { leafPaths($0.value, path.appending($0.key)) }
    }
    return path.isRoot ? [] : [path]
}
