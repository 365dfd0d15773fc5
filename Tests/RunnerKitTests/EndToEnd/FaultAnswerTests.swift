import Foundation
import GRDB
import Testing

/// End-to-end tests: faults that must end in one clear line and the right exit code (issue 11).
@Suite struct FaultAnswerTests {
    /// Trains a tiny two-trial experiment into `runs.sqlite` in `directory`.
    static func tinyDatabase(_ directory: URL, iterations: Int = 30) throws {
        let spec = try writeSpec(tinySpec(sweep: #"{"seed": [0, 1]}"#, iterations: iterations), in: directory)
        let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
        try #require(result.status == 0, "\(result.stderr)")
    }

    static func runCount(_ directory: URL) throws -> Int {
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("runs.sqlite").path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs") ?? 0 }
    }

    /// A file that behaves like `/dev/full`: a device node of its own when this process may make
    /// one (so that a `runner` that renames over its output could not remove the system's), else
    /// `/dev/full` itself.
    static func fullDevice(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("full").path
        if getuid() == 0, try runProgram("mknod", [path, "c", "1", "7"]).status == 0 { return path }
        return "/dev/full"
    }

    /// Runs `runner` with its standard output on `standardOutput`.
    static func run(_ arguments: [String], in directory: URL, standardOutput path: String) throws -> (
        status: Int32, stderr: String
    ) {
        let process = Process()
        process.executableURL = RunnerCLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: errors)
        return (process.terminationStatus, stderr)
    }
}
