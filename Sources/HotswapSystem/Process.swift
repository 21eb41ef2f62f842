import Glibc

/// Facts about the running process and its environment.
public enum ProcessInfoLite {
    /// The environment variables, as the process received them.
    public static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                result[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return result
    }

    public static var pid: Int32 { getpid() }
    public static var uid: UInt32 { getuid() }

    /// The numeric id of a group name, or nil when unknown.
    public static func groupID(named name: String) -> UInt32? {
        if let n = UInt32(name) { return n }
        guard let g = getgrnam(name) else { return nil }
        return g.pointee.gr_gid
    }

    /// The numeric id of a user name, or nil when unknown.
    public static func userID(named name: String) -> UInt32? {
        if let n = UInt32(name) { return n }
        guard let p = getpwnam(name) else { return nil }
        return p.pointee.pw_uid
    }

    /// Every group `uid` belongs to (primary and supplementary), for authorising a peer
    /// whose credentials only carry its primary group.
    public static func groups(ofUser uid: UInt32, primary gid: UInt32) -> [UInt32] {
        guard let pw = getpwuid(uid) else { return [gid] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(pw.pointee.pw_name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(pw.pointee.pw_name, gid, &groups, &count)
        }
        return Array(groups.prefix(Int(max(0, count))))
    }
}

extension Files {
    /// The names in a directory (no `.`/`..`), sorted bytewise, which is the lexical order
    /// drop-in directories apply in. Nil when the directory does not exist.
    public static func list(_ path: String) throws(SystemError) -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemError(call: "opendir", errno: errno, subject: path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Whether `path` is a regular file (following symlinks).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether `path` is a directory (following symlinks).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The absolute form of `path`, resolving symlinks (`realpath`); nil if it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The current working directory.
    public static var currentDirectory: String {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return "." }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func remove(_ path: String) {
        _ = unlink(path)
    }
}
