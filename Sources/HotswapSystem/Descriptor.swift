import Glibc

/// A file descriptor number, as the event loop and the wrappers pass it around. It owns
/// nothing: `OwnedFD` owns, `Descriptor` only names.
public struct Descriptor: Hashable, Sendable, CustomStringConvertible {
    let raw: Int32
    init(_ raw: Int32) { self.raw = raw }
    public var description: String { "fd \(raw)" }
}

/// Owns one open descriptor. It is closed exactly once: by `close()` or by `deinit`.
struct OwnedFD: ~Copyable {
    let raw: Int32

    init(adopting raw: Int32) {
        precondition(raw >= 0, "adopting an invalid descriptor")
        self.raw = raw
    }

    var descriptor: Descriptor { Descriptor(raw) }

    consuming func close() {
        let fd = raw
        discard self
        // There is nothing useful to do when close fails on Linux: the descriptor is released
        // either way (even on EINTR), and retrying could close someone else's descriptor.
        _ = Glibc.close(fd)
    }

    deinit { _ = Glibc.close(raw) }
}
