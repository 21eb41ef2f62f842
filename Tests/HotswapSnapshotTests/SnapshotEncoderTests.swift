import CHotswap
import Foundation
import HotswapCore
import HotswapFormats
import HotswapSnapshot
import HotswapSystem
import Testing

/// Documents that exercise every node type, every awkward key, and the edges of the format.
let encoderCases: [(name: String, value: Value)] = [
    ("scalars", [
        "null": nil, "t": true, "f": false, "i": 42, "neg": -7, "min": .integer(.min), "max": .integer(.max),
        "pi": 3.141592653589793, "tiny": 1e-300, "negzero": -0.0, "whole": 2.0, "str": "hello",
    ]),
    ("nested objects and arrays", [
        "server": ["host": "h", "port": 8080],
        "servers": [["host": "a", "port": 1], ["host": "b", "tags": ["x", "y"]]],
        "matrix": [[1, 2], [3, [4, 5]]],
    ]),
    ("keys that need escaping or the pointer spelling", [
        "a.b": 1, "x/y": 2, "t~z": 3, "": ["": 4], "0": "zero", "~1": 5, "/lead": 6,
        "ключ": "значение", "emoji 😀": true, "sp ace": 7,
    ]),
    ("strings", [
        "nul": "a\u{0}b", "escapes": "q\"\\\n\t\u{1}\u{1F}", "long": .string(String(repeating: "x", count: 70_000)),
        "unicode": "é😀", "empty": "",
    ]),
    ("date-times", [
        "offset": .dateTime(DateTime(kind: .offsetDateTime, year: 1979, month: 5, day: 27, hour: 7, minute: 32, offsetMinutes: -420)),
        "local": .dateTime(DateTime(kind: .localDateTime, year: 1979, month: 5, day: 27, hour: 0, minute: 32, second: 0, nanosecond: 999_000_000, fractionDigits: 3)),
        "date": .dateTime(DateTime(kind: .localDate, year: 2024, month: 2, day: 29)),
        "time": .dateTime(DateTime(kind: .localTime, hour: 7, minute: 32)),
    ]),
    ("non-finite floats", ["nan": .float(.nan), "inf": .float(.infinity), "ninf": .float(-.infinity)]),
    ("empty containers", ["o": [:], "a": [], "nested": [[], [[]], [:]]]),
    ("root scalar", 5),
    ("root string", "just a string"),
    ("root array", [1, "two", [3], ["four": 4]]),
    ("empty root object", [:]),
    ("many keys", .object(Object((0..<3000).map { ("key\($0)", Value.integer(Int64($0) * 3)) }))),
]

@Suite("Snapshot encoder, checked through the C reader")
struct SnapshotEncoderTests {
    @Test("every node reads back with its type, value and JSON, by both path spellings", arguments: encoderCases.indices)
    func encodeThenRead_everyNodeMatches(_ index: Int) throws {
        let (name, value) = encoderCases[index]
        let snapshot = try EncodedSnapshot(encoding: value)
        try withPublisher("enc") { publisher in
            try publisher.publish(snapshot.bytes)
            let reader = try TestReader(path: publisher.path)
            #expect(try reader.json("").get() == Array(JSON.emit(value, style: .compact).utf8), "\(name): whole document")
            for (path, node) in allPaths(value) {
                for spelling in Set([path.pointer, path.description]) {
                    check(reader, spelling, node, context: "\(name) \(spelling)")
                }
            }
        }
    }

    private func check(_ reader: TestReader, _ path: String, _ node: Value, context: String) {
        let expectedType: Int32
        switch node.kind {
        case .null: expectedType = HS_TYPE_NULL
        case .bool: expectedType = HS_TYPE_BOOL
        case .integer: expectedType = HS_TYPE_INT
        case .float: expectedType = HS_TYPE_FLOAT
        case .string: expectedType = HS_TYPE_STRING
        case .dateTime: expectedType = HS_TYPE_DATETIME
        case .array: expectedType = HS_TYPE_ARRAY
        case .object: expectedType = HS_TYPE_OBJECT
        }
        #expect(reader.type(path) == expectedType, "\(context): type")
        #expect((try? reader.json(path).get()) == Array(JSON.emit(node, style: .compact).utf8), "\(context): json")
        switch node.kind {
        case let .bool(b):
            #expect(reader.bool(path) == .success(b), "\(context)")
            #expect(reader.int(path) == .failure(ReaderFailure(rc: HS_ETYPE)), "\(context)")
        case let .integer(i):
            #expect(reader.int(path) == .success(i), "\(context)")
            #expect(reader.double(path) == .success(Double(i)), "\(context): integers read as doubles")
        case let .float(d):
            let read = try? reader.double(path).get()
            #expect(read.map { $0 == d || ($0.isNaN && d.isNaN) } == true, "\(context): \(String(describing: read)) vs \(d)")
            #expect(reader.int(path) == .failure(ReaderFailure(rc: HS_ETYPE)), "\(context): no float to integer")
        case let .string(s):
            #expect(reader.string(path) == .success(Array(s.utf8)), "\(context)")
        case let .dateTime(d):
            #expect(reader.string(path) == .success(Array(d.description.utf8)), "\(context)")
        case .null, .array, .object:
            #expect(reader.string(path) == .failure(ReaderFailure(rc: HS_ETYPE)), "\(context)")
        }
    }

    @Test("paths that do not exist are not found, whatever their spelling")
    func lookup_whenPathIsAbsent_returnsNotFound() throws {
        let value: Value = ["servers": [["host": "a"]], "a.b": 1, "n": 5]
        try withPublisher("absent") { publisher in
            try publisher.publish(try EncodedSnapshot(encoding: value).bytes)
            let reader = try TestReader(path: publisher.path)
            for path in ["servers.1", "servers.01.host", "servers.-", "a.b", "/a", "/a.b/c", "n.x", "/servers/0/host/x", "missing"] {
                #expect(reader.type(path) == nil, "\(path)")
                #expect(reader.int(path) == .failure(ReaderFailure(rc: HS_ENOTFOUND)), "\(path)")
            }
            #expect(reader.int("a..b") == .failure(ReaderFailure(rc: HS_EINVAL)))
            #expect(reader.int("/a~2") == .failure(ReaderFailure(rc: HS_EINVAL)))
        }
    }

    @Test("encoding is deterministic and the content hash ignores origins")
    func encode_isDeterministic_andHashIgnoresOrigins() throws {
        let origin = Origin(file: "app.yaml", line: 3, column: 5)
        let a: Value = ["port": .integer(8080, origin: origin), "host": "h"]
        let b: Value = ["port": 8080, "host": "h"]
        let ea = try EncodedSnapshot(encoding: a)
        let eb = try EncodedSnapshot(encoding: b)
        #expect(ea == eb)
        #expect(ea.contentHash == eb.contentHash)
        #expect(ea.contentHashHex.count == 16)
        let changed = try EncodedSnapshot(encoding: ["port": 8081, "host": "h"])
        #expect(changed.contentHash != ea.contentHash)
        let reordered = try EncodedSnapshot(encoding: ["host": "h", "port": 8080])
        #expect(reordered.contentHash != ea.contentHash, "key order is part of the canonical JSON")
        #expect(ea.nodeCount == 3)
        #expect(ea.jsonByteCount == JSON.emit(a, style: .compact).utf8.count)
    }

    @Test("the Swift and C encoders produce identical bytes for documents without floats", arguments: encoderCases.indices)
    func encode_matchesCEncoder_byteForByte(_ index: Int) throws {
        let (name, value) = encoderCases[index]
        guard !containsFloatOrDateTime(value) else { return }
        let swift = try EncodedSnapshot(encoding: value)
        let json = Array(JSON.emit(value, style: .compact).utf8)
        var doc: UnsafeMutablePointer<UInt8>?
        var length = 0
        let rc = json.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { hsw_doc_from_json($0.baseAddress, $0.count, &doc, &length) }
        }
        try #require(rc == HS_OK, "\(name): C encoder rejected the JSON")
        defer { hsw_doc_free(doc) }
        let c = Array(UnsafeBufferPointer(start: doc, count: length))
        let firstDifference = zip(c, swift.bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(c.count == swift.bytes.count && firstDifference == nil,
                "\(name): C \(c.count) bytes, Swift \(swift.bytes.count) bytes, first difference at \(String(describing: firstDifference))")
    }

    private func containsFloatOrDateTime(_ value: Value) -> Bool {
        allPaths(value).contains { path, node in
            switch node.kind {
            case .float, .dateTime: return true
            default: return false
            }
        }
    }

    @Test("a corrupted document is refused at publish and the live snapshot stays")
    func publish_whenDocumentByteFlipped_refusesAndKeepsLiveSnapshot() throws {
        let snapshot = try EncodedSnapshot(encoding: ["message": "hello world", "n": 1])
        var bytes = snapshot.bytes
        bytes[bytes.count - 3] ^= 0x20   // inside the JSON text: only the checksum notices
        try withPublisher("corrupt") { publisher in
            try publisher.publish(snapshot.bytes)
            #expect(throws: SegmentError(.invalid, "")) { try publisher.publish(bytes) }
            #expect(throws: SegmentError(.invalid, "")) { try publisher.publish([]) }
            #expect(publisher.generation == 1)
            let reader = try TestReader(path: publisher.path)
            #expect(reader.string("message") == .success(Array("hello world".utf8)))
        }
    }

    @Test("deep nesting encodes without recursion and reads back")
    func encode_whenDeeplyNested_readsBack() throws {
        var value: Value = 42
        let depth = 2000
        for _ in 0..<depth { value = .array([value]) }
        let snapshot = try EncodedSnapshot(encoding: value)
        #expect(snapshot.nodeCount == depth + 1)
        try withPublisher("deep") { publisher in
            try publisher.publish(snapshot.bytes)
            let reader = try TestReader(path: publisher.path)
            let path = Array(repeating: "0", count: depth).joined(separator: ".")
            #expect(reader.int(path) == .success(42))
            #expect(reader.int("/" + Array(repeating: "0", count: depth).joined(separator: "/")) == .success(42))
        }
    }
}
