import HotswapCore
import HotswapFormats

/// One configuration snapshot encoded as the document bytes of docs/shm-format.md, ready to
/// be copied into a slot of the shared-memory segment.
///
/// Encoding is pure and deterministic: the same value always gives the same bytes, so the
/// daemon can encode once, compare `contentHash` with the live snapshot's, and skip publishing
/// a configuration that did not change.
public struct EncodedSnapshot: Sendable, Equatable {
    /// The document: header, key index, nodes, strings and the compact JSON text.
    public let bytes: [UInt8]
    /// A 64-bit hash of the document's compact JSON text: equal configurations have equal
    /// hashes, whatever files they came from and whatever their origins.
    public let contentHash: UInt64
    /// Number of nodes (every object, array and scalar, the root included).
    public let nodeCount: Int
    /// Bytes of the compact JSON text inside the document.
    public let jsonByteCount: Int

    /// The document's compact JSON text (the last section of `bytes`).
    public var jsonText: ArraySlice<UInt8> { bytes.suffix(jsonByteCount) }

    /// Whether both snapshots hold the same configuration, judged by the JSON text (hash
    /// first, then every byte), not the typed nodes: a date-time read back from a segment as
    /// JSON is a string, and the same configuration must still count as unchanged.
    public func hasSameContent(as other: EncodedSnapshot) -> Bool {
        contentHash == other.contentHash && jsonText.elementsEqual(other.jsonText)
    }

    /// `contentHash` as 16 lower-case hex digits, the spelling status output uses.
    public var contentHashHex: String {
        let digits = String(contentHash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension EncodedSnapshot {
    /// Encodes `value` (any value; a configuration is normally an object).
    ///
    /// - Throws: `ConfigError.limit` when the document would exceed 4 GiB - 1 bytes (its
    ///   offsets are 32-bit).
    public init(encoding value: Value) throws(ConfigError) {
        self = try SnapshotEncoder.encode(value)
    }
}

/// Builds documents. Layout constants mirror Sources/CHotswap/hs_layout.h.
enum SnapshotEncoder {
    static let docMagic: UInt32 = 0x3144_5348   // "HSD1"
    static let headerSize = 128
    static let bucketSize = 8
    static let nodeSize = 32
    static let none: UInt32 = 0xFFFF_FFFF
    static let maxDocument = 0xFFFF_FFFF

    enum NodeType: UInt8 {
        case null = 0, bool, integer, float, string, dateTime, array, object
    }

    /// A node in breadth-first order.
    struct Node {
        var value: Value
        var parent: UInt32
        /// The token naming this node in its parent (member name or decimal index).
        var token: String
        var firstChild: UInt32 = 0
        var childCount: UInt32 = 0
        var jsonStart = 0
        var jsonEnd = 0
    }

    static func encode(_ root: Value) throws(ConfigError) -> EncodedSnapshot {
        // Breadth-first: the children of each container get consecutive indices.
        var nodes = [Node(value: root, parent: none, token: "")]
        var head = 0
        while head < nodes.count {
            let value = nodes[head].value
            switch value.kind {
            case let .array(elements):
                nodes[head].firstChild = UInt32(truncatingIfNeeded: nodes.count)
                nodes[head].childCount = UInt32(truncatingIfNeeded: elements.count)
                for (i, element) in elements.enumerated() {
                    nodes.append(Node(value: element, parent: UInt32(head), token: String(i)))
                }
            case let .object(object):
                nodes[head].firstChild = UInt32(truncatingIfNeeded: nodes.count)
                nodes[head].childCount = UInt32(truncatingIfNeeded: object.count)
                for (key, member) in zip(object.keys, object.values) {
                    nodes.append(Node(value: member, parent: UInt32(head), token: key))
                }
            default:
                break
            }
            if nodes.count > maxDocument / nodeSize {
                throw ConfigError(.limit, "configuration too large for a snapshot (more than \(maxDocument / nodeSize) nodes)")
            }
            head += 1
        }

        let json = emitJSON(&nodes)
        let contentHash = json.withUnsafeBytes { SnapshotHash.bytes(seed: SnapshotHash.contentSeed, $0) }
        let seed = contentHash

        // Paths as canonical JSON Pointers, string values, and path-hash states, in node order.
        var strings: [UInt8] = []
        var pathOffset = [UInt32](repeating: 0, count: nodes.count)
        var pathLength = [UInt32](repeating: 0, count: nodes.count)
        var valueOffset = [UInt32](repeating: 0, count: nodes.count)
        var valueLength = [UInt32](repeating: 0, count: nodes.count)
        var hashState = [UInt64](repeating: seed, count: nodes.count)
        var depth = [Int](repeating: 0, count: nodes.count)
        for i in nodes.indices {
            let start = strings.count
            if i != 0 {
                let parent = Int(nodes[i].parent)
                let parentStart = Int(pathOffset[parent])
                // Byte by byte on purpose: appending a slice of `strings` to itself keeps the
                // buffer shared by the slice, so every append copied the whole buffer
                // (quadratic: a 10 MB configuration never finished encoding).
                for k in parentStart..<parentStart + Int(pathLength[parent]) { strings.append(strings[k]) }
                strings.append(UInt8(ascii: "/"))
                for byte in nodes[i].token.utf8 {
                    switch byte {
                    case UInt8(ascii: "~"): strings.append(UInt8(ascii: "~")); strings.append(UInt8(ascii: "0"))
                    case UInt8(ascii: "/"): strings.append(UInt8(ascii: "~")); strings.append(UInt8(ascii: "1"))
                    default: strings.append(byte)
                    }
                }
                hashState[i] = SnapshotHash.pathStep(hashState[parent], SnapshotHash.token(nodes[i].token.utf8))
                depth[i] = depth[parent] + 1
            }
            pathOffset[i] = UInt32(truncatingIfNeeded: start)
            pathLength[i] = UInt32(truncatingIfNeeded: strings.count - start)
            strings.append(0)
            let text: String?
            switch nodes[i].value.kind {
            case let .string(s): text = s
            case let .dateTime(d): text = d.description
            default: text = nil
            }
            if let text {
                valueOffset[i] = UInt32(truncatingIfNeeded: strings.count)
                let before = strings.count
                strings.append(contentsOf: text.utf8)
                valueLength[i] = UInt32(truncatingIfNeeded: strings.count - before)
                strings.append(0)
            }
            if strings.count > maxDocument {
                throw ConfigError(.limit, "configuration too large for a snapshot (over 4 GiB of keys and strings)")
            }
        }

        var bucketCount = 8
        while bucketCount < 2 * nodes.count { bucketCount *= 2 }
        let bucketsOffset = headerSize
        let nodesOffset = align8(bucketsOffset + bucketCount * bucketSize)
        let stringsOffset = nodesOffset + nodes.count * nodeSize
        let jsonOffset = align8(stringsOffset + strings.count)
        let total = jsonOffset + json.count
        guard total <= maxDocument else {
            throw ConfigError(.limit, "configuration too large for a snapshot (\(total) bytes; the limit is 4 GiB - 1)")
        }

        var doc = [UInt8](repeating: 0, count: total)
        doc.withUnsafeMutableBytes { raw in
            // Key index: linear probing, nodes inserted in index order.
            for b in 0..<bucketCount {
                raw.store32(none, at: bucketsOffset + b * bucketSize)
            }
            var maxProbe = 0
            let mask = bucketCount - 1
            for i in nodes.indices {
                let h = SnapshotHash.pathFinal(hashState[i], tokenCount: depth[i])
                var probe = 0
                while true {
                    let at = bucketsOffset + ((Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: h)) &+ probe) & mask) * bucketSize
                    if raw.load32(at) == none {
                        raw.store32(UInt32(i), at: at)
                        raw.store32(UInt32(truncatingIfNeeded: h >> 32), at: at + 4)
                        break
                    }
                    probe += 1
                }
                maxProbe = max(maxProbe, probe)
            }

            for (i, node) in nodes.enumerated() {
                let at = nodesOffset + i * nodeSize
                let (type, payload) = typeAndPayload(node, valueOffset: valueOffset[i], valueLength: valueLength[i])
                raw[at] = type.rawValue
                raw.store32(node.parent, at: at + 4)
                raw.store64(payload, at: at + 8)
                raw.store32(pathOffset[i], at: at + 16)
                raw.store32(pathLength[i], at: at + 20)
                raw.store32(UInt32(node.jsonStart), at: at + 24)
                raw.store32(UInt32(node.jsonEnd - node.jsonStart), at: at + 28)
            }
            strings.withUnsafeBytes { raw.baseAddress!.advanced(by: stringsOffset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            json.withUnsafeBytes { src in
                if src.count > 0 { raw.baseAddress!.advanced(by: jsonOffset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
            }

            raw.store32(docMagic, at: 0)
            raw.store64(UInt64(total), at: 16)
            raw.store64(contentHash, at: 24)
            raw.store64(seed, at: 32)
            raw.store32(UInt32(nodes.count), at: 40)
            raw.store32(UInt32(bucketCount), at: 44)
            raw.store32(UInt32(maxProbe), at: 48)
            raw.store32(UInt32(bucketsOffset), at: 52)
            raw.store32(UInt32(nodesOffset), at: 56)
            raw.store32(UInt32(stringsOffset), at: 60)
            raw.store32(UInt32(strings.count), at: 64)
            raw.store32(UInt32(jsonOffset), at: 68)
            raw.store32(UInt32(json.count), at: 72)
            let checksum = SnapshotHash.bytes(seed: SnapshotHash.checksumSeed, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(raw)[16...]))
            raw.store64(checksum, at: 8)
        }
        return EncodedSnapshot(bytes: doc, contentHash: contentHash, nodeCount: nodes.count, jsonByteCount: json.count)
    }

    static func typeAndPayload(_ node: Node, valueOffset: UInt32, valueLength: UInt32) -> (NodeType, UInt64) {
        let textPayload = UInt64(valueOffset) | UInt64(valueLength) << 32
        switch node.value.kind {
        case .null: return (.null, 0)
        case let .bool(b): return (.bool, b ? 1 : 0)
        case let .integer(i): return (.integer, UInt64(bitPattern: i))
        case let .float(d): return (.float, d.bitPattern)
        case .string: return (.string, textPayload)
        case .dateTime: return (.dateTime, textPayload)
        case .array, .object:
            let first = node.childCount == 0 ? 0 : UInt64(node.firstChild)
            return (node.value.arrayValue != nil ? .array : .object, first | UInt64(node.childCount) << 32)
        }
    }

    /// The compact JSON text of the whole document, recording where each node's text starts
    /// and ends. The bytes are those of `JSON.emit(root, style: .compact)`: scalars and keys
    /// are written by HotswapFormats' emitter itself, only the punctuation of containers is
    /// assembled here (a test checks the equality), so that every node's JSON is a substring.
    /// Iterative, so a deeply nested value cannot exhaust the stack.
    static func emitJSON(_ nodes: inout [Node]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        // (node, next child to write)
        var stack: [(node: Int, next: UInt32)] = [(0, 0)]
        nodes[0].jsonStart = 0
        var scratch = ""
        while let top = stack.last {
            let i = top.node
            let node = nodes[i]
            switch node.value.kind {
            case .array, .object:
                let isObject = node.value.objectValue != nil
                if top.next == 0 && (out.count == nodes[i].jsonStart) {
                    out.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
                }
                if top.next == node.childCount {
                    out.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    nodes[i].jsonEnd = out.count
                    stack.removeLast()
                    continue
                }
                if top.next > 0 { out.append(UInt8(ascii: ",")) }
                let child = Int(node.firstChild + top.next)
                if isObject {
                    scratch.removeAll(keepingCapacity: true)
                    JSON.writeString(nodes[child].token, to: &scratch)
                    out.append(contentsOf: scratch.utf8)
                    out.append(UInt8(ascii: ":"))
                }
                stack[stack.count - 1].next += 1
                nodes[child].jsonStart = out.count
                stack.append((child, 0))
            default:
                out.append(contentsOf: JSON.emit(node.value, style: .compact).utf8)
                nodes[i].jsonEnd = out.count
                stack.removeLast()
            }
        }
        return out
    }

    static func align8(_ n: Int) -> Int { (n + 7) & ~7 }
}

extension UnsafeMutableRawBufferPointer {
    fileprivate func store32(_ v: UInt32, at offset: Int) {
        storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self)
    }
    fileprivate func store64(_ v: UInt64, at offset: Int) {
        storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt64.self)
    }
    fileprivate func load32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
