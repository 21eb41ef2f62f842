import CHotswap
import Foundation
import HotswapCore
import HotswapSnapshot
import HotswapSystem

/// A unique instance name for one test, so parallel tests never share a segment.
func uniqueInstance(_ name: String) -> String {
    "swtest-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Runs `body` with a publisher for a fresh instance; removes the segment afterwards.
func withPublisher<T>(_ name: String, mode: UInt32 = 0o644, _ body: (SegmentPublisher) throws -> T) throws -> T {
    let instance = uniqueInstance(name)
    defer { try? SegmentPublisher.remove(instance: instance) }
    let publisher = try SegmentPublisher(instance: instance, mode: mode)
    return try body(publisher)
}

/// The C reader, wrapped just enough for tests: libhotswap is the oracle for the encoder.
final class TestReader {
    let handle: OpaquePointer

    init(path: String) throws {
        var out: OpaquePointer?
        let rc = hs_open_path(path, &out)
        guard rc == HS_OK, let out else { throw ReaderFailure(rc: rc) }
        handle = out
    }

    deinit { hs_close(handle) }

    var generation: UInt64 { hs_generation(handle) }

    func type(_ path: String) -> Int32? {
        var t: Int32 = -1
        return hs_get_type(handle, path, &t) == HS_OK ? t : nil
    }

    func int(_ path: String) -> Result<Int64, ReaderFailure> {
        var v: Int64 = 0
        let rc = hs_get_i64(handle, path, &v)
        return rc == HS_OK ? .success(v) : .failure(ReaderFailure(rc: rc))
    }

    func double(_ path: String) -> Result<Double, ReaderFailure> {
        var v: Double = 0
        let rc = hs_get_f64(handle, path, &v)
        return rc == HS_OK ? .success(v) : .failure(ReaderFailure(rc: rc))
    }

    func bool(_ path: String) -> Result<Bool, ReaderFailure> {
        var v = false
        let rc = hs_get_bool(handle, path, &v)
        return rc == HS_OK ? .success(v) : .failure(ReaderFailure(rc: rc))
    }

    func string(_ path: String) -> Result<[UInt8], ReaderFailure> {
        bytes { hs_get_str(handle, path, $0, $1, $2) }
    }

    func json(_ path: String) -> Result<[UInt8], ReaderFailure> {
        bytes { hs_get_json(handle, path, $0, $1, $2) }
    }

    /// Calls a buffer-filling function, growing the buffer on HS_ETOOSMALL.
    private func bytes(_ call: (UnsafeMutablePointer<CChar>?, Int, UnsafeMutablePointer<Int>) -> Int32) -> Result<[UInt8], ReaderFailure> {
        var capacity = 16
        for _ in 0..<8 {
            var buffer = [CChar](repeating: 0, count: capacity)
            var length = 0
            let rc = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress, capacity, &length) }
            if rc == HS_OK {
                return .success(buffer[0..<length].map { UInt8(bitPattern: $0) })
            }
            guard rc == HS_ETOOSMALL else { return .failure(ReaderFailure(rc: rc)) }
            capacity = length + 1
        }
        return .failure(ReaderFailure(rc: HS_EBUSY))
    }
}

struct ReaderFailure: Error, Equatable, CustomStringConvertible {
    let rc: Int32
    var description: String { "\(rc) (\(String(cString: hs_strerror(rc))))" }
}

/// Every path of `value` (the root included), parents before children.
func allPaths(_ value: Value) -> [(ConfigPath, Value)] {
    var result: [(ConfigPath, Value)] = []
    var pending: [(ConfigPath, Value)] = [(.root, value)]
    while let (path, node) = pending.popLast() {
        result.append((path, node))
        switch node.kind {
        case let .array(elements):
            for (i, element) in elements.enumerated() { pending.append((path.appending(i), element)) }
        case let .object(object):
            for (key, member) in zip(object.keys, object.values) { pending.append((path.appending(key), member)) }
        default:
            break
        }
    }
    return result
}
