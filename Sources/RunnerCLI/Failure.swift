import ArgumentParser
import Foundation

/// Prints `error: MESSAGE` on one line on stderr and returns the exit code to throw.
///
/// Usage errors (anything the user typed or wrote in a file) exit 64, other failures 1: the
/// message is the whole output, never a stack trace.
func failure(_ message: any CustomStringConvertible, usage: Bool) -> ExitCode {
    // The throwing write: with SIGPIPE ignored (runner run), a closed stderr must not trap.
    try? FileHandle.standardError.write(contentsOf: Data("error: \(message)\n".utf8))
    return ExitCode(usage ? 64 : 1)
}
