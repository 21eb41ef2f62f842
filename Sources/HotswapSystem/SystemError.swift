import Glibc

/// A failed system call: which call, on what, and the errno it returned.
///
/// Environment failures (a missing file, a refused connection) are values of this type;
/// programmer errors (`EBADF`, `EFAULT`) trap in `sys` instead, as they mean a bug in hotswapd.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32
    /// What the call was acting on (a path, a socket name), for the message.
    public var subject: String?

    public init(call: String, errno: Int32, subject: String? = nil) {
        self.call = call
        self.errno = errno
        self.subject = subject
    }

    /// The C library's text for `errno` ("No such file or directory").
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        if let subject { return "\(call) \(subject): \(reason)" }
        return "\(call): \(reason)"
    }
}

/// The one funnel every system call goes through: retries `EINTR`, traps on `EBADF`/`EFAULT`
/// (bugs), and turns `-1` into a thrown `SystemError`.
@discardableResult
func sys<T: FixedWidthInteger>(_ call: String, _ subject: String? = nil, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let err = Glibc.errno
        if err == EINTR { continue }
        precondition(err != EBADF && err != EFAULT, "\(call): \(String(cString: strerror(err))) means a bug in hotswapd")
        throw SystemError(call: call, errno: err, subject: subject)
    }
}
