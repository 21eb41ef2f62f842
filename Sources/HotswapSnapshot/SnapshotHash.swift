/// The hash functions of docs/shm-format.md ("Hash functions"), bit for bit what
/// libhotswap computes: the key index, the checksums and the content hash depend on both
/// sides agreeing.
///
/// Fast and non-cryptographic: they find keys and detect corruption, they do not
/// authenticate anything.
enum SnapshotHash {
    static let k1: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let k2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let headerSeed: UInt64 = 0x6873_6865_6164_6572
    static let checksumSeed: UInt64 = 0x6873_636B_7375_6D31
    static let contentSeed: UInt64 = 0x6873_636F_6E74_656E

    @inline(__always)
    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    static func fmix(_ x: UInt64) -> UInt64 {
        var x = x
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x = x &* 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    /// Absorbs the bytes as little-endian 8-byte words, the last one zero-padded.
    static func absorb(_ start: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = start
        let n = bytes.count
        var i = 0
        while i + 8 <= n {
            let w = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            h = rotl((h ^ w) &* k1, 31)
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = rotl((h ^ w) &* k1, 31)
        }
        return h
    }

    static func token(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        absorb(UInt64(bytes.count) &* k2, bytes)
    }

    static func token<C: Collection>(_ token: C) -> UInt64 where C.Element == UInt8 {
        let direct = token.withContiguousStorageIfAvailable { self.token(UnsafeRawBufferPointer($0)) }
        if let direct { return direct }
        return Array(token).withUnsafeBytes { self.token($0) }
    }

    /// One step of the path hash: the state after appending a token.
    static func pathStep(_ h: UInt64, _ tokenHash: UInt64) -> UInt64 {
        rotl((h ^ tokenHash) &* k2, 27) &+ k1
    }

    static func pathFinal(_ h: UInt64, tokenCount: Int) -> UInt64 {
        fmix(h ^ UInt64(tokenCount))
    }

    static func bytes(seed: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        fmix(absorb(seed ^ (UInt64(bytes.count) &* k2), bytes))
    }
}
