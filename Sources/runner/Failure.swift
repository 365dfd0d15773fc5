import ArgumentParser
import Foundation

/// Prints `error: MESSAGE` on one line on stderr and returns the exit code to throw.
///
/// Usage errors (anything the user typed or wrote in a file) exit 64, other failures 1: the
/// message is the whole output, never a stack trace.
func failure(_ message: any CustomStringConvertible, usage: Bool) -> ExitCode {
    // The throwing write: with SIGPIPE ignored (runner run), a closed stderr must not trap.
    try? FileHandle.standardError.write(contentsOf: Data("error: \(oneLine(message.description))\n".utf8))
    return ExitCode(usage ? 64 : 1)
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
