import Glibc
import HotswapCore

/// Whole-file reads and crash-safe writes: the only file I/O the daemon and hotswapctl do.
public enum Files {
    /// Reads a whole file, refusing files larger than `limit` bytes before reading them all.
    /// - Throws: `ConfigError.io` ("cannot read etc/app.yaml: No such file or directory") or
    ///   `ConfigError.limit` for a file over the limit.
    public static func read(_ path: String, limit: Int = 64 << 20) throws(ConfigError) -> [UInt8] {
        do {
            let fd = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
            defer { close(fd) }
            return try readAll(fd: fd, name: path, limit: limit)
        } catch {
            throw ConfigError(.io, "cannot read \(path): \(error.reason)", at: nil)
        }
    }

    /// Reads standard input to its end, with the same limit.
    public static func readStandardInput(limit: Int = 64 << 20) throws(ConfigError) -> [UInt8] {
        do {
            return try readAll(fd: 0, name: "<stdin>", limit: limit)
        } catch {
            throw ConfigError(.io, "cannot read standard input: \(error.reason)")
        }
    }

    private static func readAll(fd: Int32, name: String, limit: Int) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            bytes.reserveCapacity(min(Int(st.st_size), limit) + 1)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try sys("read", name) {
                chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit {
                throw SystemError(call: "read", errno: EFBIG, subject: name)
            }
        }
        return bytes
    }

    /// Replaces `path` atomically and durably: writes a temporary file beside it, fsyncs it,
    /// renames it over `path`, and fsyncs the directory, so that after a crash the file holds
    /// either the old or the new content, never a mixture or nothing.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        let dir = directory(of: path)
        let tmp = path + ".tmp.\(getpid())"
        let fd = try sys("open", tmp) { open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        do {
            var offset = 0
            while offset < bytes.count {
                let n = try sys("write", tmp) {
                    bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                }
                offset += n
            }
            try sys("fsync", tmp) { fsync(fd) }
            close(fd)
            try sys("rename", path) { rename(tmp, path) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        let dfd = try sys("open", dir) { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(dfd) }
        try sys("fsync", dir) { fsync(dfd) }
    }

    /// Creates a directory and its parents (`mkdir -p`); existing directories are fine.
    public static func createDirectory(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, mode) != 0 && Glibc.errno != EEXIST {
                throw SystemError(call: "mkdir", errno: Glibc.errno, subject: prefix)
            }
            prefix += "/"
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The folder part of a path (`.` for a bare name), without touching the file system.
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` resolved against `base` when relative.
    public static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : (base == "." ? path : base + "/" + path)
    }
}
