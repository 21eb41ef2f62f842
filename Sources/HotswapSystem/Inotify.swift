import Glibc

/// One inotify event: which watch, what happened, and the name inside a watched directory.
public struct InotifyEvent: Sendable, Equatable {
    public var watch: Inotify.Watch
    public var mask: Inotify.Mask
    public var cookie: UInt32
    /// The entry's name when the watch is on a directory; empty for the directory itself.
    public var name: String

    public init(watch: Inotify.Watch, mask: Inotify.Mask, cookie: UInt32 = 0, name: String) {
        self.watch = watch
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    /// Decodes the records of one `read()` of an inotify descriptor: each is a 16-byte
    /// header (`wd`, `mask`, `cookie`, `len`, native byte order) followed by `len` bytes of
    /// NUL-padded name. A truncated record ends the list rather than reading past the buffer.
    public static func parse(_ bytes: [UInt8]) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var i = 0
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        while i + 16 <= bytes.count {
            let wd = Int32(bitPattern: u32(i))
            let mask = u32(i + 4)
            let cookie = u32(i + 8)
            let len = Int(u32(i + 12))
            guard i + 16 + len <= bytes.count else { break }
            let raw = bytes[(i + 16)..<(i + 16 + len)]
            let name = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            events.append(InotifyEvent(watch: Inotify.Watch(raw: wd), mask: Inotify.Mask(rawValue: mask), cookie: cookie, name: name))
            i += 16 + len
        }
        return events
    }
}

/// Watches directories for changes. The corresponding C calls are `inotify_init1`,
/// `inotify_add_watch`, `inotify_rm_watch` and `read`.
///
/// hotswapd watches the parent directories of its sources rather than the files, because
/// editors and Kubernetes replace files by rename (a watch on the old inode would go quiet).
public final class Inotify {
    public struct Watch: Hashable, Sendable {
        let raw: Int32
        public init(raw: Int32) { self.raw = raw }
    }

    public struct Mask: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let modify = Mask(rawValue: UInt32(IN_MODIFY))
        public static let attrib = Mask(rawValue: UInt32(IN_ATTRIB))
        public static let closeWrite = Mask(rawValue: UInt32(IN_CLOSE_WRITE))
        public static let movedFrom = Mask(rawValue: UInt32(IN_MOVED_FROM))
        public static let movedTo = Mask(rawValue: UInt32(IN_MOVED_TO))
        public static let create = Mask(rawValue: UInt32(IN_CREATE))
        public static let delete = Mask(rawValue: UInt32(IN_DELETE))
        public static let deleteSelf = Mask(rawValue: UInt32(IN_DELETE_SELF))
        public static let moveSelf = Mask(rawValue: UInt32(IN_MOVE_SELF))
        public static let ignored = Mask(rawValue: UInt32(IN_IGNORED))
        public static let overflow = Mask(rawValue: UInt32(IN_Q_OVERFLOW))
        public static let isDirectory = Mask(rawValue: UInt32(IN_ISDIR))
        public static let onlyDirectory = Mask(rawValue: UInt32(IN_ONLYDIR))

        /// Every way an entry of a directory can change content or identity.
        public static let directoryChanges: Mask = [.modify, .attrib, .closeWrite, .movedFrom, .movedTo, .create, .delete, .deleteSelf, .moveSelf]
    }

    private let fd: OwnedFD

    public init() throws(SystemError) {
        fd = OwnedFD(adopting: try sys("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) })
    }

    public var descriptor: Descriptor { fd.descriptor }

    public func add(_ path: String, mask: Mask) throws(SystemError) -> Watch {
        Watch(raw: try sys("inotify_add_watch", path) { inotify_add_watch(fd.raw, path, mask.rawValue) })
    }

    public func remove(_ watch: Watch) {
        _ = inotify_rm_watch(fd.raw, watch.raw)
    }

    /// Reads every pending event; empty when none are pending.
    public func read() throws(SystemError) -> [InotifyEvent] {
        var all: [InotifyEvent] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return all }
                throw SystemError(call: "read", errno: errno, subject: "inotify")
            }
            all += InotifyEvent.parse(Array(buffer[0..<n]))
        }
    }
}
