import Foundation
import GRDB
import Testing

/// End-to-end tests: the built `runner` binary, its exit codes, stdout and stderr.
@Suite(.serialized) struct RunCommandTests {
    static func database(_ directory: URL) -> String { directory.appendingPathComponent("runs.sqlite").path }

    static func statuses(_ path: String) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db, sql: "SELECT status, COUNT(*) AS n FROM runs GROUP BY status"
                ).map {
                    ($0["status"] as String, $0["n"] as Int)
                })
        }
    }

    @Test func aTinySweepRunsEndToEnd() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(sweep: #"{"seed": [0, 1, 2]}"#), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--jobs", "2"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("trained 3 of 3 runs (3 completed) in ") == true)
            #expect(lines.contains("tiny: 3 runs: 3 completed"))
            #expect(lines.contains { $0.hasPrefix("  best run ") && $0.contains("final loss") && $0.contains("seed=") })
            // Not a terminal: plain progress lines, no carriage returns.
            #expect(result.stderr.hasPrefix("progress: 3/3 trials"))
            #expect(!result.stderr.contains("\r"))
            let again = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(again.status == 0)
            #expect(again.stdout.hasPrefix("trained 0 of 3 runs in "))
            #expect(again.stdout.contains("3 already finished"))
            #expect(again.stderr.isEmpty)
            #expect(try Self.statuses(Self.database(directory)) == ["completed": 3])
        }
    }

    @Test func aDryRunShowsTheGridAndStoresNothing() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(
                tinySpec(sweep: #"{"seed": {"range": [0, 4]}, "model.hiddenSize": [2, 3]}"#), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--dry-run", "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 0)
            #expect(
                result.stdout.hasPrefix(
                    "tiny (\(spec)): 8 trials\n  model.hiddenSize: 2, 3\n  seed: 0, 1, 2, 3\n  trial 0 run "))
            #expect(result.stdout.hasSuffix("  ... 5 more\n"))
            #expect(!FileManager.default.fileExists(atPath: Self.database(directory)))
        }
    }

    @Test func sigintStopsCleanlyWithStatus130AndARerunFinishes() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(sweep: #"{"seed": {"range": [0, 400]}}"#, iterations: 60), in: directory)
            let process = try RunnerCLI.start(["run", spec, "--db", "runs.sqlite", "--jobs", "2"], in: directory)
            try waitForCompletedRuns(at: Self.database(directory), atLeast: 3)
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            let (stdout, stderr) = RunnerCLI.output(of: process)
            #expect(process.terminationStatus == 130, "\(stderr)")
            #expect(stderr.contains("interrupted: no new trials"))
            #expect(stderr.contains("run the same command again to finish the sweep"))
            #expect(stdout.contains("tiny: 400 runs"))
            let statuses = try Self.statuses(Self.database(directory))
            #expect(statuses["running"] == nil, "nothing left half-recorded")
            #expect((statuses["completed"] ?? 0) >= 3)
            #expect((statuses["completed"] ?? 0) < 400)
            try expectEveryCompletedRunHasItsCurve(Self.database(directory))
            let rerun = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(rerun.status == 0)
            #expect(try Self.statuses(Self.database(directory)) == ["completed": 400])
        }
    }

    @Test func sigkillMidSweepLosesNoCompletedRunAndARerunFinishesEachOnce() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(
                tinySpec(
                    sweep: #"{"seed": {"range": [0, 300]}}"#,
                    extra: #""checkpoints": {"final": true, "initial": true}"#, iterations: 60), in: directory)
            let path = Self.database(directory)
            let process = try RunnerCLI.start(["run", spec, "--db", "runs.sqlite", "--jobs", "2"], in: directory)
            try waitForCompletedRuns(at: path, atLeast: 5)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = RunnerCLI.output(of: process)
            #expect(process.terminationReason == .uncaughtSignal)
            let queue = try DatabaseQueue(path: path)
            let check = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
            #expect(check == "ok")
            let completedBefore = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'completed'")
            }
            try queue.close()
            #expect(completedBefore.count >= 5)
            try expectEveryCompletedRunHasItsCurve(path)
            let checkpoints = directory.appendingPathComponent("checkpoints")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter {
                $0.hasPrefix(".")
            }
            #expect(leftovers.isEmpty, "temporary checkpoint files: \(leftovers)")
            let rerun = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(rerun.stdout.contains("recovered from a dead process") || rerun.stdout.contains("already finished"))
            let after = try DatabaseQueue(path: path)
            defer { try? after.close() }
            let ids = try after.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'completed'")
            }
            #expect(ids.count == 300)
            #expect(Set(ids).isSuperset(of: completedBefore))
            #expect(try after.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM curves") } == 300)
            let files = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path)
            #expect(files.filter { $0.hasSuffix(".initial.ckpt.gz") }.count == 300)
            #expect(files.filter { !$0.hasSuffix(".initial.ckpt.gz") && $0.hasSuffix(".ckpt.gz") }.count == 300)
            #expect(files.allSatisfy { !$0.hasPrefix(".") })
        }
    }

    @Test func twoProcessesOnOneDatabaseTrainEachRunOnce() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(sweep: #"{"seed": {"range": [0, 120]}}"#, iterations: 40), in: directory)
            let first = try RunnerCLI.start(["run", spec, "--db", "runs.sqlite", "--jobs", "1"], in: directory)
            let second = try RunnerCLI.start(["run", spec, "--db", "runs.sqlite", "--jobs", "1"], in: directory)
            first.waitUntilExit()
            second.waitUntilExit()
            let a = RunnerCLI.output(of: first)
            let b = RunnerCLI.output(of: second)
            #expect(first.terminationStatus == 0, "\(a.stderr)")
            #expect(second.terminationStatus == 0, "\(b.stderr)")
            #expect(!(a.stderr + b.stderr + a.stdout + b.stdout).contains("locked"))
            func trained(_ text: String) -> Int {
                Int(text.split(separator: " ").dropFirst().first ?? "") ?? -1
            }
            // Each process says how many it trained; together exactly all of them.
            #expect(trained(a.stdout) + trained(b.stdout) == 120, "\(a.stdout)\n\(b.stdout)")
            #expect(try Self.statuses(Self.database(directory)) == ["completed": 120])
        }
    }

    @Test func pluginsListsEveryPluginWithItsParameters() throws {
        try withTemporaryDirectory { directory in
            let result = try RunnerCLI.run(["plugins"], in: directory)
            #expect(result.status == 0)
            for name in [
                "sequence:", "sine:", "adding:", "copy:", "copy-memory:", "temporal-order:", "embedded-reber:",
                "h0-squared:", "mse-readout:", "sgd:", "momentum:", "adam:",
            ] {
                #expect(result.stdout.contains("  \(name) "), "\(name)")
            }
            #expect(
                result.stdout.contains("      beta2    number in [0, 1)  default 0.999. decay of the second moment"))
            #expect(result.stdout.contains("learningRate  number > 0"))
            #expect(result.stderr.isEmpty)
        }
    }
}

/// Waits (up to a minute) until the database holds at least `count` completed runs.
func waitForCompletedRuns(at path: String, atLeast count: Int) throws {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        if FileManager.default.fileExists(atPath: path), let queue = try? DatabaseQueue(path: path) {
            let done =
                ((try? queue.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE status = 'completed'")
                }) ?? nil) ?? 0
            try? queue.close()
            if done >= count { return }
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    Issue.record("timed out waiting for \(count) completed runs")
}

/// Every completed run has its loss curve: nothing is recorded half.
func expectEveryCompletedRunHasItsCurve(_ path: String) throws {
    let queue = try DatabaseQueue(path: path)
    defer { try? queue.close() }
    let missing = try queue.read { db in
        try Int.fetchOne(
            db,
            sql: "SELECT COUNT(*) FROM runs WHERE status = 'completed' AND id NOT IN (SELECT run_id FROM curves)"
        )
    }
    #expect(missing == 0)
}
