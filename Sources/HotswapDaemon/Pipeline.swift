import HotswapCore
import HotswapFormats

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
    /// Its compact JSON, which decides whether anything changed.
    public var canonicalJSON: String
    public var secrets: [ConfigPath]
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
    guard let schema else {
        return .accepted(Candidate(document: merged, canonicalJSON: JSON.emit(merged), secrets: []))
    }
    let outcome = schema(merged)
    guard outcome.errors.isEmpty else { return .rejected(outcome.errors) }
    return .accepted(Candidate(document: outcome.document, canonicalJSON: JSON.emit(outcome.document), secrets: outcome.secrets))
}

/// What the daemon does with an evaluation, given what is live.
public enum PublishDecision: Sendable {
    case publish(Candidate)
    /// The content equals the live snapshot: no new generation.
    case unchanged
    case reject([ConfigError])
}

public func decide(liveCanonicalJSON: String?, evaluation: Evaluation) -> PublishDecision {
    switch evaluation {
    case let .rejected(errors): return .reject(errors)
    case let .accepted(c): return c.canonicalJSON == liveCanonicalJSON ? .unchanged : .publish(c)
    }
}
