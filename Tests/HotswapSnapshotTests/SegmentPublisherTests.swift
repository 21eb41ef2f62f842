import CHotswap
import Foundation
import HotswapCore
import HotswapSnapshot
import HotswapSystem
import Testing

@Suite("Segment publisher")
struct SegmentPublisherTests {
    private func document(_ value: Value) throws -> [UInt8] { try EncodedSnapshot(encoding: value).bytes }

    @Test("generations start at 1, grow by one, and continue in a new publisher")
    func publish_generationsContinueAcrossPublishers() throws {
        let instance = uniqueInstance("gens")
        defer { try? SegmentPublisher.remove(instance: instance) }
        do {
            let publisher = try SegmentPublisher(instance: instance)
            #expect(publisher.generation == 0)
            #expect(try publisher.publish(try document(["v": 1])) == 1)
            #expect(try publisher.publish(try document(["v": 2])) == 2)
            #expect(publisher.generation == 2)
        }
        let restarted = try SegmentPublisher(instance: instance)
        #expect(restarted.generation == 2)
        #expect(try restarted.publish(try document(["v": 3])) == 3)
        #expect(try restarted.publish(try document(["v": 4]), minimumGeneration: 50) == 50)
        #expect(try restarted.publish(try document(["v": 5]), minimumGeneration: 10) == 51)
        let reader = try TestReader(path: restarted.path)
        #expect(reader.generation == 51)
        #expect(reader.int("v") == .success(5))
    }

    @Test("a second publisher for the same instance is refused while the first lives")
    func init_whenAnotherPublisherHoldsTheLock_throwsBusy() throws {
        _ = try withPublisher("busy") { publisher in
            #expect(throws: SegmentError(.busy, "")) { try SegmentPublisher(instance: publisher.instance) }
        }
    }

    @Test("invalid instance names and modes are rejected before touching the file system",
          arguments: ["", "a/b", ".hidden", String(repeating: "x", count: 201), "nul\u{0}byte"])
    func init_whenInstanceInvalid_throwsInvalid(_ name: String) {
        #expect(throws: SegmentError(.invalid, "")) { try SegmentPublisher(instance: name) }
    }

    @Test("mode and group are applied to the segment")
    func publish_appliesModeAndGroup() throws {
        let instance = uniqueInstance("mode")
        defer { try? SegmentPublisher.remove(instance: instance) }
        let publisher = try SegmentPublisher(instance: instance, mode: 0o640, group: String(getgid()))
        try publisher.publish(try document(["v": 1]))
        var st = stat()
        #expect(stat(publisher.path, &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o640)
        #expect(st.st_gid == getgid())
        #expect(throws: SegmentError(.invalid, "")) {
            try SegmentPublisher(instance: uniqueInstance("badgroup"), group: "no-such-group-hotswap-test")
        }
        #expect(throws: SegmentError(.invalid, "")) { try SegmentPublisher(instance: uniqueInstance("badmode"), mode: 0o17777) }
    }

    @Test("a snapshot larger than the segment grows it; an open reader follows without failing")
    func publish_whenSnapshotOutgrowsSegment_readerRemaps() throws {
        try withPublisher("grow") { publisher in
            try publisher.publish(try document(["size": 1, "blob": "small"]))
            #expect(publisher.segmentsBuilt == 1)
            let firstCapacity = publisher.capacity
            let reader = try TestReader(path: publisher.path)
            #expect(reader.int("size") == .success(1))
            let big = String(repeating: "y", count: firstCapacity + 1000)
            try publisher.publish(try document(["size": 2, "blob": .string(big)]))
            #expect(publisher.segmentsBuilt == 2)
            #expect(publisher.capacity > firstCapacity)
            #expect(reader.int("size") == .success(2))
            #expect(reader.string("blob") == .success(Array(big.utf8)))
            #expect(hs_stat(reader.handle, HS_STAT_REMAPS) == 1)
            try publisher.publish(try document(["size": 3]))
            #expect(reader.int("size") == .success(3))
            #expect(reader.generation == 3)
        }
    }

    @Test("hs_wait returns once the publisher moves the generation")
    func wait_wakesOnPublish() async throws {
        let instance = uniqueInstance("wait")
        defer { try? SegmentPublisher.remove(instance: instance) }
        let publisher = try SegmentPublisher(instance: instance)
        try publisher.publish(try document(["v": 1]))
        let path = publisher.path
        let waiter = Task.detached { () -> Int32 in
            guard let reader = try? TestReader(path: path) else { return HS_ENOSEGMENT }
            return hs_wait(reader.handle, 1, 30_000)
        }
        try publisher.publish(try document(["v": 2]))
        #expect(await waiter.value == HS_OK)
    }
}
