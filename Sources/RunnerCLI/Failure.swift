import ArgumentParser
import Foundation
import RunnerEngine
import RunnerFiles
import RunnerReport
import RunnerSpec
import RunnerStore

/// Prints `error: MESSAGE` on one line on stderr and returns the exit code to throw.
///
/// Usage errors (anything the user typed or wrote in a file) exit 64, other failures 1: the
/// message is the whole output, never a stack trace.
func failure(_ message: any CustomStringConvertible, usage: Bool) -> ExitCode {
    // The throwing write: with SIGPIPE ignored (runner run), a closed stderr must not trap.
    try? FileHandle.standardError.write(contentsOf: Data("error: \(oneLine(message.description))\n".utf8))
    return ExitCode(usage ? 64 : 1)
}

/// Prints a library error on one line on stderr and returns its exit code (see
/// ``isUsageError(_:)``); an `ExitCode` already reported passes through.
func failure(_ error: any Error) -> ExitCode {
    if let code = error as? ExitCode { return code }
    return failure("\(error)", usage: isUsageError(error))
}

/// Whether an error is the user's to fix by changing what they typed or wrote (exit 64) rather
/// than a failure (exit 1): the one place the command line decides its exit codes.
///
/// Specs, shard and `--where` expressions and init files are always the user's; the store and the
/// report say which of their errors are (a bad `--db` path, an unknown run, a column that does not
/// exist); anything else (I/O, a damaged checkpoint, SQLite) is a failure.
func isUsageError(_ error: any Error) -> Bool {
    switch error {
    case let error as StoreError: error.isUsageError
    case let error as ReportError: error.isUsageError
    case is SpecError, is ShardError, is FilterError, is InitFileError, is ValidationError: true
    default: false
    }
}

/// `text` with its control characters written as escapes (`\n`, `\t`, `\u{1B}`), so that a value
/// quoted in a message (a name, a key or a path with a line break in it) keeps the message on one
/// line and shows what the value holds.
func oneLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where isControl(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
}
