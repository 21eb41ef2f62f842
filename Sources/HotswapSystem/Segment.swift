import CHotswap
import Glibc

/// Why publishing into the shared-memory segment failed.
public struct SegmentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; a struct over a private enum so kinds can be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case busy, permission, invalid, tooLarge, system
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// Another writer (another hotswapd for the same instance) holds the segment's lock.
        public static let busy = Code(.busy)
        /// The segment, its lock file, mode or group could not be set up (EACCES, EPERM).
        public static let permission = Code(.permission)
        /// A bad instance name, mode or group.
        public static let invalid = Code(.invalid)
        /// The document is larger than the format allows (4 GiB - 1).
        public static let tooLarge = Code(.tooLarge)
        /// Another system error; `errno` tells which.
        public static let system = Code(.system)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    /// The errno behind a `.system` or `.permission` failure, else 0.
    public var errno: Int32

    public var description: String {
        errno == 0 ? message : "\(message): \(String(cString: strerror(errno)))"
    }

    /// Equality compares `code` only, like ConfigError.
    public static func == (a: SegmentError, b: SegmentError) -> Bool { a.code == b.code }

    public init(_ code: Code, _ message: String, errno: Int32 = 0) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// Translates a libhotswap return code of a writer call.
    init(hs rc: Int32, _ what: String, errno err: Int32) {
        switch rc {
        case HS_EBUSY: self.init(.busy, "\(what): another hotswapd is publishing this instance")
        case HS_EACCESS: self.init(.permission, what, errno: err)
        case HS_EINVAL: self.init(.invalid, "\(what): not a valid snapshot document (or a bad argument)")
        case HS_ETOOSMALL: self.init(.tooLarge, "\(what): the snapshot exceeds the 4 GiB limit of the segment format")
        case HS_ENOMEM: self.init(.system, what, errno: ENOMEM)
        default: self.init(.system, what, errno: err)
        }
    }
}

/// The daemon's handle on the shared-memory segment `/dev/shm/hotswap.<instance>`, into which
/// it publishes each accepted snapshot for libhotswap readers.
///
/// Creating a publisher takes the instance's writer lock (a second hotswapd for the same
/// instance gets `.busy`) and reattaches to an existing segment: generations continue from
/// the last one published, also after a crash mid-publish, and never go backwards. The
/// segment is created on the first `publish`, grown (a larger segment built aside and renamed
/// into place, the old one marked retired for its readers) whenever a snapshot does not fit,
/// and left readable when the publisher goes away.
///
/// - Important: not thread-safe; one task (the publishing service) owns it.
public final class SegmentPublisher {
    /// The instance name: 1 to 200 bytes, no `/`, not starting with `.`.
    public let instance: String
    /// The segment file, `<directory>/hotswap.<instance>`.
    public let path: String
    private let handle: OpaquePointer

    /// Opens the writer side of the instance's segment.
    ///
    /// - Parameters:
    ///   - mode: permission bits of the segment (default `0o644`: every local user may read).
    ///   - group: a group name or numeric id to own the segment (with mode `0o640`, only its
    ///     members can read); nil keeps the daemon's group.
    ///   - directory: where segments live; `/dev/shm` except in tests.
    /// - Throws: `SegmentError` (`.busy`, `.invalid`, `.permission`, `.system`).
    public init(instance: String, mode: UInt32 = 0o644, group: String? = nil, directory: String = "/dev/shm") throws(SegmentError) {
        guard Self.isValidInstance(instance) else {
            throw SegmentError(.invalid, "invalid instance name '\(instance)': use 1 to 200 bytes without '/' and not starting with '.'")
        }
        guard mode <= 0o7777 else {
            throw SegmentError(.invalid, "invalid segment mode \(String(mode, radix: 8))")
        }
        let gid: Int64
        if let group {
            gid = try Self.resolveGroup(group)
        } else {
            gid = -1
        }
        self.instance = instance
        self.path = directory + "/hotswap." + instance
        var out: OpaquePointer?
        let rc = hsw_open(path, mode, gid, &out)
        guard rc == HS_OK, let out else {
            throw SegmentError(hs: rc, "cannot open segment \(path)", errno: Glibc.errno)
        }
        handle = out
    }

    deinit { hsw_close(handle) }

    /// The generation of the live snapshot: 0 before anything was ever published here, else
    /// the last generation published (by this process or a previous one).
    public var generation: UInt64 { hsw_generation(handle) }

    /// The largest document that fits without growing the segment (0 before the first
    /// publish).
    public var capacity: Int { Int(hsw_capacity(handle)) }

    /// How many segments this publisher built: the first one and every growth.
    public var segmentsBuilt: Int { Int(hsw_replacements(handle)) }

    /// Publishes an encoded snapshot (`EncodedSnapshot.bytes` from HotswapSnapshot) and
    /// returns its generation: `max(generation + 1, minimumGeneration)`.
    ///
    /// Readers see either the previous snapshot or this one, never a mix; the call never waits
    /// for readers. Waiters in `hs_wait` are woken. Bytes that are not a valid document
    /// (structure or checksum) are refused with `.invalid` and the live snapshot stays.
    /// - Parameter minimumGeneration: lets a daemon whose history survived a reboot (which
    ///   empties `/dev/shm`) keep generations increasing.
    @discardableResult
    public func publish(_ document: [UInt8], minimumGeneration: UInt64 = 0) throws(SegmentError) -> UInt64 {
        var generation: UInt64 = 0
        let rc = document.withUnsafeBytes { hsw_publish(handle, $0.baseAddress, $0.count, minimumGeneration, &generation) }
        guard rc == HS_OK else {
            throw SegmentError(hs: rc, "cannot publish into \(path)", errno: Glibc.errno)
        }
        return generation
    }

    /// Removes an instance's segment and its lock file (for tests and `hotswapd --cleanup`
    /// style tooling). A missing segment is not an error.
    public static func remove(instance: String, directory: String = "/dev/shm") throws(SegmentError) {
        let path = directory + "/hotswap." + instance
        let rc = hsw_remove(path)
        guard rc == HS_OK else { throw SegmentError(hs: rc, "cannot remove \(path)", errno: Glibc.errno) }
    }

    static func isValidInstance(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count <= 200 && !bytes.contains(UInt8(ascii: "/"))
            && bytes.first != UInt8(ascii: ".") && !bytes.contains(0)
    }

    /// A numeric gid, or a group name looked up in the group database.
    static func resolveGroup(_ group: String) throws(SegmentError) -> Int64 {
        if let id = UInt32(group) { return Int64(id) }
        var entry = group_t()
        var result: UnsafeMutablePointer<group_t>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let rc = getgrnam_r(group, &entry, &buffer, buffer.count, &result)
        guard rc == 0, let result else {
            throw SegmentError(.invalid, "unknown group '\(group)' for the segment", errno: rc == 0 ? 0 : rc)
        }
        return Int64(result.pointee.gr_gid)
    }
}

private typealias group_t = Glibc.group
