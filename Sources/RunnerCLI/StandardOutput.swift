import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output, with every write checked: the one way commands print results.
///
/// A write that fails (a full disk, a closed descriptor) ends the process at once with exit code
/// 1 and one line on stderr, `error: cannot write to standard output: No space left on device`,
/// so that a truncated report never looks like a complete one. A reader that went away (`EPIPE`,
/// as in `runner report | head -1` when SIGPIPE is ignored) ends it quietly with status 141, as
/// SIGPIPE's default action would: the reader chose to stop reading, and `set -o pipefail` still
/// sees a failure. ``checkAtExit()`` applies the same check to whatever else reached `stdout`
/// (argument-parser's help) when the process exits.
enum StandardOutput {
    /// Whether a failure has been reported, so that the exit check does not report it again.
    private static let failed = Atomic<Bool>(false)

    /// Writes `text` and `terminator` to descriptor 1 (all of it, retrying short and interrupted
    /// writes), and ends the process if that fails.
    ///
    /// - Parameters:
    ///   - text: What to print.
    ///   - terminator: Appended to `text` (a line break unless given).
    static func write(_ text: String, terminator: String = "\n") {
        // Whatever `print` left in the C library's buffer goes first.
        guard fflush(nil) == 0 else { fail(errno, end: { code in exit(code) }) }
        var bytes = text + terminator
        let failure: Int32? = bytes.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(1, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure { fail(failure, end: { code in exit(code) }) }
    }

    /// Flushes the C library's buffers at exit (what `print` wrote: argument-parser's help) and
    /// reports a failure that nothing reported yet; for `atexit`.
    static func checkAtExit() {
        guard !failed.load(ordering: .relaxed), fflush(nil) != 0 else { return }
        fail(errno, end: { code in _exit(code) })
    }

    /// Reports a failed write with `errno` value `number` and ends the process through `end`.
    private static func fail(_ number: Int32, end: (Int32) -> Never) -> Never {
        failed.store(true, ordering: .relaxed)
        if number == EPIPE { end(141) }
        let reason = String(cString: strerror(number))
        try? FileHandle.standardError.write(
            contentsOf: Data("error: cannot write to standard output: \(reason)\n".utf8))
        end(1)
    }
}
