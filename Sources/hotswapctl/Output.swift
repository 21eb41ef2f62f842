import Glibc
import HotswapFormats

/// Writes text to standard output as is.
func writeOut(_ text: String) {
    var text = text
    text.withUTF8 { buf in writeAll(1, buf) }
}

/// Writes an emitted document, ending it with exactly the newline it may lack.
func writeDocument(_ text: String) {
    writeOut(text.hasSuffix("\n") ? text : text + "\n")
}

/// Writes one line to standard error.
func writeErr(_ line: String) {
    var text = line.hasSuffix("\n") ? line : line + "\n"
    text.withUTF8 { buf in writeAll(2, buf) }
}

private func writeAll(_ fd: Int32, _ buf: UnsafeBufferPointer<UInt8>) {
    var offset = 0
    while offset < buf.count {
        let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return   // A closed pipe (`hotswapctl … | head`): nothing sensible left to do.
        }
        offset += n
    }
}

/// Reports a failure the way every verb does: `hotswapctl: <reason>` (or a JSON object with
/// `--json`) on one line of stderr.
func reportFailure(_ reason: String, json: Bool) {
    if json {
        var out = "{\"ok\":false,\"error\":"
        JSON.writeString(reason, to: &out)
        writeErr(out + "}")
    } else {
        // Keep it to one line: the contract is a one-line reason.
        writeErr("hotswapctl: " + reason.split(separator: "\n").joined(separator: "; "))
    }
}
