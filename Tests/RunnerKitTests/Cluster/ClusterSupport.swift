import Foundation
import Testing

@testable import RunnerEngine
@testable import RunnerFiles
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

/// A sweep of 10 tiny trials (H in {4, 6} x five target sequences, X = 3, 30 iterations): fast
/// in a debug build, uneven over 4 shards (3, 3, 2, 2), and with `task.targets`, a swept path
/// that has no standard column, so the store adds a column named after it.
///
/// - Parameters:
///   - name: the experiment's name.
///   - iterations: the updates per trial.
/// - Returns: the spec's JSON text.
func tinySpecJSON(name: String, iterations: Int = 30) -> String {
    """
    {
      "name": "\(name)",
      "description": "Ten tiny trials for the cluster tests.",
      "task": { "plugin": "sequence", "inputSize": 3, "targets": [-0.5, 0.2, 0.1, -0.5] },
      "model": { "hiddenSize": 4, "cellOutput": "identity" },
      "training": { "iterations": \(iterations), "optimizer": "sgd", "learningRate": 0.1, "loss": "h0-squared" },
      "seed": 0,
      "sweep": {
        "model.hiddenSize": [4, 6],
        "task.targets": [[-0.5, 0.2, 0.1, -0.5], [0.5, -0.5, 0.5, -0.5], [0.1, 0.2, 0.3, 0.4],
                         [-0.1, -0.2, -0.3, -0.4], [0.3, -0.3, 0.3, -0.3]]
      },
      "checkpoints": { "final": true, "initial": true, "every": 0 }
    }
    """
}

/// The tiny spec, loaded.
func tinySpec(name: String = "tiny", iterations: Int = 30) throws -> ExperimentSpec {
    try SpecLoader().load(data: Data(tinySpecJSON(name: name, iterations: iterations).utf8), file: "\(name).json")
}

/// A store in a fresh folder under `directory`: `directory/NAME/runs.sqlite`.
func makeStore(_ name: String, in directory: URL) throws -> ResultStore {
    let folder = directory.appendingPathComponent(name, isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try ResultStore(path: folder.appendingPathComponent("runs.sqlite").path)
}

/// Runs a spec (one shard of it, or all) into a store, in this process, and expects no failure.
@discardableResult
func runSweep(_ spec: ExperimentSpec, into store: ResultStore, shard: Shard? = nil) throws -> SweepRunner.Outcome {
    let runner = SweepRunner(specs: [spec], store: store, options: .init(jobs: 2, shard: shard))
    let outcome = try runner.run(stop: StopFlag()) { _ in nil }
    #expect(outcome.errors.isEmpty)
    return outcome
}

/// Runs SQL through the `sqlite3` command-line tool (`make deps` installs it) and returns its
/// output with the trailing newline removed.
@discardableResult
func sqlite(_ database: String, _ sql: String) throws -> String {
    let output = try runProgram("sqlite3", [database, sql])
    guard output.status == 0 else {
        throw TestFailure("sqlite3 \(database) \"\(sql)\" exited \(output.status): \(output.standardError)")
    }
    return String(decoding: output.standardOutput, as: UTF8.self).trimmingCharacters(in: .newlines)
}

/// Every table's schema and rows, as `sqlite3 .dump` prints them: equal dumps, equal databases.
func dump(_ database: String) throws -> String {
    try sqlite(database, ".dump")
}

/// The results of an experiment's runs that must not depend on where they were trained, by run id.
struct RunFingerprint: Equatable, CustomStringConvertible {
    var status: RunStatus
    var finalLossBits: UInt64?
    var checkpointSHA256: String?
    var curveSHA256: String?
    var hasCheckpoint: Bool
    var hasInitialCheckpoint: Bool

    var description: String {
        "\(status.rawValue) \(finalLossBits.map { String($0, radix: 16) } ?? "-") "
            + "\(checkpointSHA256?.prefix(12) ?? "-") \(curveSHA256?.prefix(12) ?? "-")"
    }
}

/// The fingerprints of an experiment's runs, by id; `trialIndexes` in trial order.
func fingerprints(of experiment: String, in store: ResultStore) throws -> [String: RunFingerprint] {
    var result: [String: RunFingerprint] = [:]
    for run in try store.runs(ofExperiment: experiment) {
        result[run.id] = RunFingerprint(
            status: run.status,
            finalLossBits: run.finalLoss?.bitPattern,
            checkpointSHA256: run.checkpointSHA256,
            curveSHA256: run.curveSHA256,
            hasCheckpoint: run.checkpointPath != nil,
            hasInitialCheckpoint: run.initialCheckpointPath != nil
        )
    }
    return result
}

/// Checks that every run's checkpoint files exist beside `store` and hold the recorded payload.
func expectCheckpointsPresent(_ experiment: String, in store: ResultStore) throws {
    for run in try store.runs(ofExperiment: experiment) {
        let final = try store.finalCheckpoint(of: run)
        #expect(final.header.payloadSHA256 == run.checkpointSHA256, "run \(run.id)")
        #expect(run.checkpointPath.map { !$0.hasPrefix("/") } == true, "paths stay relative")
        if let initial = run.initialCheckpointPath {
            #expect(try Checkpoint.read(from: store.resolve(initial)).header.runID == run.id)
        } else {
            Issue.record("run \(run.id) has no initial checkpoint")
        }
    }
}

/// A test's own failure with a message.
struct TestFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

// MARK: - The built runner

/// The package's root folder, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // Cluster
    .deletingLastPathComponent()  // RunnerKitTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

/// `.build/debug/runner`, which `swift build --build-tests` (the first step of `make test`) builds;
/// records an issue saying so when it is missing.
func builtRunner() -> URL? {
    let url = packageRoot.appendingPathComponent(".build/debug/runner")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        Issue.record("\(url.path) is missing; build it first with `swift build --build-tests` (make test does).")
        return nil
    }
    return url
}

/// Runs an executable by path with extra environment variables, and waits for it.
///
/// Output goes through files, not pipes, so a chatty program cannot block on a full pipe.
///
/// - Parameters:
///   - executable: the program.
///   - arguments: its arguments.
///   - environment: variables added to (or replacing those of) this process's environment.
/// - Returns: its exit status and output.
/// - Throws: when it cannot be started.
func runExecutable(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws
    -> ProcessOutput
{
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runnerkit-process-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("stdout")
    let errURL = folder.appendingPathComponent("stderr")
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: try Data(contentsOf: outURL),
        standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
    )
}

extension ProcessOutput {
    /// Standard output as text.
    var text: String { String(decoding: standardOutput, as: UTF8.self) }
}
