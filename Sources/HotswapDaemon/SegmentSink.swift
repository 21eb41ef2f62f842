import CHotswap
import HotswapCore
import HotswapFormats
import HotswapSnapshot
import HotswapSystem

/// What a publish produced.
struct PublishedSnapshot {
    var generation: UInt64
    var contentHash: String
}

/// The daemon's view of the shared-memory segment: publish a candidate, and know
/// what is live (also what a previous run left there, so that restarting on unchanged
/// sources publishes no new generation).
final class SegmentSink {
    let instance: String
    private let publisher: SegmentPublisher
    /// Generations never go below this (the history's newest generation: /dev/shm is emptied
    /// by a reboot, the state directory is not).
    private let minimumGeneration: UInt64
    /// What the segment serves now (also what a previous run left there, read back at
    /// start); nil when it serves nothing.
    private(set) var live: EncodedSnapshot?
    var contentHash: String { live?.contentHashHex ?? "" }

    init(instance: String, mode: UInt32, group: String?, minimumGeneration: UInt64) throws(SegmentError) {
        self.instance = instance
        self.minimumGeneration = minimumGeneration
        publisher = try SegmentPublisher(instance: instance, mode: mode, group: group)
        if publisher.generation > 0, let json = Self.readLiveJSON(instance: instance),
           let value = try? JSON.parse(Array(json.utf8), options: ParseOptions(fileName: "<segment>", maxInputBytes: Int.max, maxDepth: 100_000)),
           let encoded = try? EncodedSnapshot(encoding: value)
        {
            live = encoded
        }
    }

    /// The live generation: what the segment holds, which may be older than the history
    /// after a reboot until the first publish.
    var generation: UInt64 { publisher.generation }

    /// Whether the segment already serves this candidate's content.
    func serves(_ candidate: Candidate) -> Bool {
        live.map(candidate.snapshot.hasSameContent) ?? false
    }

    /// Publishes the candidate's already encoded snapshot.
    /// - Throws: `ConfigError.io` when the segment cannot be written; the live snapshot is
    ///   unchanged then.
    func publish(_ candidate: Candidate) throws(ConfigError) -> PublishedSnapshot {
        let generation: UInt64
        do {
            generation = try publisher.publish(candidate.snapshot.bytes, minimumGeneration: minimumGeneration + 1)
        } catch {
            throw ConfigError(.io, error.description)
        }
        live = candidate.snapshot
        return PublishedSnapshot(generation: generation, contentHash: contentHash)
    }

    /// The whole document of the instance's segment as JSON, through libhotswap.
    private static func readLiveJSON(instance: String) -> String? {
        var reader: OpaquePointer?
        guard hs_open(instance, &reader) == HS_OK, let reader else { return nil }
        defer { hs_close(reader) }
        var capacity = 1 << 16
        for _ in 0..<8 {
            var buffer = [CChar](repeating: 0, count: capacity)
            var length = 0
            let rc = hs_get_json(reader, "", &buffer, capacity, &length)
            if rc == HS_ETOOSMALL { capacity = length + 1; continue }
            guard rc == HS_OK else { return nil }
            return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }
}
