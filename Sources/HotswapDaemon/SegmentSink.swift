import HotswapCore
import HotswapSystem

/// What a publish produced.
struct PublishedSnapshot {
    var generation: UInt64
    var contentHash: String
}

/// The daemon's view of the shared-memory segment: publish a candidate, know what is live.
final class SegmentSink {
    let instance: String
    private(set) var generation: UInt64 = 0
    private(set) var contentHash = ""
    /// The compact JSON of what the segment serves now (read back at start-up so an unchanged
    /// configuration after a restart publishes no new generation).
    private(set) var liveCanonicalJSON: String?

    init(instance: String, mode: UInt32, group: UInt32?, minimumGeneration: UInt64) throws(SystemError) {
        self.instance = instance
        generation = minimumGeneration
    }

    func publish(_ candidate: Candidate) throws(SystemError) -> PublishedSnapshot {
        generation += 1
        liveCanonicalJSON = candidate.canonicalJSON
        return PublishedSnapshot(generation: generation, contentHash: contentHash)
    }
}
