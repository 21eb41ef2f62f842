import HotswapCore
import HotswapSnapshot

/// What the schema step makes of a merged document: the coerced and defaulted document, every
/// violation, and the paths of secret values.
public struct SchemaOutcome: Sendable {
    public var document: Value
    public var errors: [ConfigError]
    public var secrets: [ConfigPath]

    public init(document: Value, errors: [ConfigError], secrets: [ConfigPath]) {
        self.document = document
        self.errors = errors
        self.secrets = secrets
    }
}

/// The schema step as the pipeline sees it: a pure function from the merged document to its
/// outcome. Built from a compiled schema at the edge (see `SchemaLoader`).
public typealias SchemaStep = @Sendable (Value) -> SchemaOutcome

/// A configuration that passed every check and may be published.
public struct Candidate: Sendable {
    /// The final document: merged, coerced, defaulted, validated.
    public var document: Value
    /// The document encoded for the segment, once: what is published, and what decides
    /// whether anything changed (the encoding is deterministic, so equal content gives equal
    /// bytes whatever files and origins produced it).
    public var snapshot: EncodedSnapshot
    public var secrets: [ConfigPath]

    /// Encodes `document`.
    /// - Throws: `ConfigError.limit` when it is too large for a segment document.
    public init(document: Value, secrets: [ConfigPath]) throws(ConfigError) {
        self.document = document
        snapshot = try EncodedSnapshot(encoding: document)
        self.secrets = secrets
    }
}

/// Where a reload ended.
public enum Evaluation: Sendable {
    case accepted(Candidate)
    /// Why the configuration cannot be published; the current snapshot stays live.
    case rejected([ConfigError])
}

/// The pure heart of a reload: layers in, a publishable candidate or the reasons out.
///
/// A source that failed to load rejects the whole reload rather than publishing a merge
/// without it: a configuration missing its production overrides is worse than the previous
/// one.
public func evaluate(sources: LoadedSources, extraLayers: [Layer] = [], schema: SchemaStep?) -> Evaluation {
    let sourceErrors = sources.errors
    guard sourceErrors.isEmpty else { return .rejected(sourceErrors) }
    let merged = Value.merge(sources.layers + extraLayers)
    let outcome = schema?(merged) ?? SchemaOutcome(document: merged, errors: [], secrets: [])
    guard outcome.errors.isEmpty else { return .rejected(outcome.errors) }
    do {
        return .accepted(try Candidate(document: outcome.document, secrets: outcome.secrets))
    } catch {
        return .rejected([error])
    }
}

/// What the daemon does with an evaluation, given what is live.
public enum PublishDecision: Sendable {
    case publish(Candidate)
    /// The content equals the live snapshot: no new generation.
    case unchanged
    case reject([ConfigError])
}

public func decide(live: EncodedSnapshot?, evaluation: Evaluation) -> PublishDecision {
    switch evaluation {
    case let .rejected(errors): return .reject(errors)
    case let .accepted(c): return live.map(c.snapshot.hasSameContent) ?? false ? .unchanged : .publish(c)
    }
}
