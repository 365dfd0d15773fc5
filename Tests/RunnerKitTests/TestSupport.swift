import Foundation
import LSTMCore

/// Runs `body` with a fresh, empty directory under the system temporary directory, and removes
/// the directory afterwards.
///
/// - Parameter body: Receives the directory's URL.
/// - Returns: What `body` returns.
/// - Throws: What `body` or creating the directory throws.
func withTemporaryDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("runnerkit-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// What a finished child process left.
struct ProcessOutput {
    /// The exit status.
    var status: Int32
    /// Everything it wrote to standard output.
    var standardOutput: Data
    /// Everything it wrote to standard error, as text.
    var standardError: String
}

/// Runs a program found on `PATH` (through `/usr/bin/env`) and waits for it.
///
/// Standard output is read to the end before standard error, so a program must not write more
/// than a pipe's buffer (64 KiB) to standard error.
///
/// - Parameters:
///   - program: The program's name, such as `gzip` or `python3`.
///   - arguments: Its arguments.
/// - Returns: Its exit status and output.
/// - Throws: When the program cannot be started.
func runProgram(_ program: String, _ arguments: [String]) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let standardOutput = output.fileHandleForReading.readDataToEndOfFile()
    let standardError = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: standardOutput,
        standardError: String(decoding: standardError, as: UTF8.self)
    )
}

/// `count` pseudo-random bytes from a fixed seed.
///
/// - Parameters:
///   - count: How many bytes.
///   - seed: The generator's seed.
/// - Returns: The bytes.
func randomBytes(count: Int, seed: UInt64) -> Data {
    var generator = SplitMix64(seed: seed)
    var bytes = [UInt8](repeating: 0, count: count)
    for index in bytes.indices {
        bytes[index] = UInt8.random(in: .min ... .max, using: &generator)
    }
    return Data(bytes)
}

/// `data` with bit `bit` of byte `offset` inverted.
///
/// - Parameters:
///   - data: The original bytes.
///   - offset: The byte's index from the start.
///   - bit: The bit, 0 (least significant) to 7.
/// - Returns: The changed copy.
func flippingBit(_ data: Data, at offset: Int, bit: Int = 0) -> Data {
    var copy = Data(data)
    copy[copy.startIndex + offset] ^= UInt8(1) << UInt8(bit)
    return copy
}
