import Foundation
import GRDB
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

@Suite struct PruningRunnerTests {
    static let sweep = #"{"training.learningRate": {"random": 9, "logUniform": [0.01, 3]}}"#

    static func spec(_ method: String = "successive-halving", name: String = "pruned") -> String {
        tinySpec(
            name: name, sweep: sweep,
            extra: #""pruning": {"method": "\#(method)", "minIterations": 5, "reduction": 3}"#, iterations: 30)
    }

    /// Each trial in trial order (index, id, status, iterations run, final loss and checkpoint bits),
    /// then the rung records.
    static func history(_ store: ResultStore, experiment: String = "pruned") throws -> [String] {
        try store.read { db in
            let runs = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.trial_index, r.id, r.status, r.iterations_run, r.final_loss, r.checkpoint_sha256,
                        r.curve_sha256 FROM experiment_runs e JOIN runs r ON r.id = e.run_id
                    WHERE e.experiment = ? ORDER BY e.trial_index
                    """, arguments: [experiment]
            ).map { row in
                let loss = (row["final_loss"] as Double?).map { String($0.bitPattern) } ?? "-"
                return [
                    "\(row["trial_index"] as Int)", row["id"] as String, row["status"] as String,
                    "\(row["iterations_run"] as Int? ?? -1)", loss, row["checkpoint_sha256"] as String? ?? "-",
                    row["curve_sha256"] as String? ?? "-",
                ].joined(separator: " ")
            }
            let rungs = try Row.fetchAll(
                db, sql: "SELECT run_id, iteration, metric, decision, cohort FROM rungs ORDER BY iteration, run_id"
            ).map { row in
                "\(row["run_id"] as String) \(row["iteration"] as Int) \((row["metric"] as Double?)?.bitPattern ?? 0) "
                    + "\(row["decision"] as String? ?? "-") \(row["cohort"] as Int? ?? -1)"
            }
            return runs + rungs
        }
    }

    static func run(_ text: String, in directory: URL, jobs: Int, stop: StopAfter? = nil) throws -> (
        SweepRunner.Outcome, ResultStore
    ) {
        let path = try writeSpec(text, named: "spec.json", in: directory)
        let loaded = try SpecLoader().load(path: path)
        let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
        let runner = SearchRunner(spec: loaded, store: store, options: .init(jobs: jobs), registry: .standard)
        return (try runner.run(stop: stop?.flag ?? StopFlag()) { total in stop?.reporter(total) }, store)
    }

    @Test func successiveHalvingKeepsOneOverEtaAtEachRungAndTheSurvivorHasTheUnprunedBits() throws {
        try withTemporaryDirectory { directory in
            let (outcome, store) = try Self.run(Self.spec(), in: directory, jobs: 2)
            // Rungs 5 and 15 below 30 iterations: 9 → 3 → 1.
            #expect(outcome.counts == [.pruned: 8, .completed: 1])
            #expect(outcome.trials == 9)
            let rows = try Self.history(store)
            let runs = rows.prefix(9).map { $0.split(separator: " ").map(String.init) }
            #expect(runs.filter { $0[2] == "pruned" && $0[3] == "5" }.count == 6)
            #expect(runs.filter { $0[2] == "pruned" && $0[3] == "15" }.count == 2)
            let survivor = try #require(runs.first { $0[2] == "completed" })
            #expect(survivor[3] == "30")
            // Only the final checkpoint is left; the rung snapshots are gone.
            let files = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("checkpoints").path)
            #expect(files == ["\(survivor[1]).ckpt.gz"])
            // The same config unpruned: the same final loss, checkpoint and curve, bit for bit.
            try withTemporaryDirectory { other in
                let plain = tinySpec(name: "pruned", sweep: Self.sweep, iterations: 30)
                let (_, unpruned) = try Self.run(plain, in: other, jobs: 1)
                let full = try Self.history(unpruned).map { $0.split(separator: " ").map(String.init) }
                let same = try #require(full.first { $0[1] == survivor[1] })
                #expect(same[2...] == survivor[2...])
                #expect(full.count == 9)
            }
        }
    }

    @Test func aPrunedSweepWhoseRunsAreFinishedElsewhereIsRegisteredWithThem() throws {
        try withTemporaryDirectory { directory in
            let plain = tinySpec(name: "full", sweep: Self.sweep, iterations: 30)
            _ = try Self.run(plain, in: directory, jobs: 2)
            let (outcome, store) = try Self.run(Self.spec(name: "pruned"), in: directory, jobs: 2)
            #expect(outcome.alreadyDone == 9)
            #expect(outcome.counts.isEmpty)
            let history = try Self.history(store, experiment: "pruned")
            #expect(history.filter { $0.contains(" completed 30 ") }.count == 9, "\(history)")
        }
    }

    @Test func aTPESearchWhoseRunsAreFinishedElsewhereIsRegisteredWithThem() throws {
        try withTemporaryDirectory { directory in
            _ = try SearchRunnerTests.search(in: directory, jobs: 2)
            let renamed = SearchRunnerTests.spec.replacingOccurrences(of: #""name":"tpe""#, with: #""name":"again""#)
            #expect(renamed != SearchRunnerTests.spec)
            let (outcome, store) = try Self.run(renamed, in: directory, jobs: 2)
            #expect(outcome.alreadyDone == 11)
            let linked = try store.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM experiment_runs WHERE experiment = 'again'")
            }
            #expect(linked == 11)
        }
    }

    @Test(arguments: ["successive-halving", "median"])
    func theDecisionsAreTheSameAtOneTwoAndEightJobs(method: String) throws {
        let one = try withTemporaryDirectory { try Self.history(Self.run(Self.spec(method), in: $0, jobs: 1).1) }
        let two = try withTemporaryDirectory { try Self.history(Self.run(Self.spec(method), in: $0, jobs: 2).1) }
        let eight = try withTemporaryDirectory { try Self.history(Self.run(Self.spec(method), in: $0, jobs: 8).1) }
        #expect(one == two)
        #expect(one == eight)
        #expect(one.count > 9)
    }

    @Test func theMedianRuleMatchesItsArithmetic() throws {
        try withTemporaryDirectory { directory in
            let (outcome, store) = try Self.run(Self.spec("median"), in: directory, jobs: 2)
            let records = try store.rungs(
                of: try SpecLoader().load(data: Data(Self.spec("median").utf8), file: "m.json")
                    .trials().map(\.runID))
            let atFirst = try store.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT g.metric, g.decision FROM rungs g JOIN experiment_runs e ON e.run_id = g.run_id
                        WHERE g.iteration = 5 ORDER BY e.trial_index
                        """
                ).map { ($0["metric"] as Double? ?? .nan, $0["decision"] as String) }
            }
            #expect(atFirst.count == 9)
            #expect(atFirst.map { $0.1 == "continue" } == Rungs.median(atFirst.map(\.0)))
            #expect(records.count == 9)
            #expect((outcome.counts[.pruned] ?? 0) + (outcome.counts[.completed] ?? 0) == 9)
        }
    }

    @Test(arguments: [1, 3, 8, 10])
    func anInterruptedPrunedSweepRerunGivesTheSameHistory(stopAfter: Int) throws {
        let reference = try withTemporaryDirectory { try Self.history(Self.run(Self.spec(), in: $0, jobs: 1).1) }
        try withTemporaryDirectory { directory in
            let (first, _) = try Self.run(Self.spec(), in: directory, jobs: 2, stop: StopAfter(stopAfter))
            #expect(first.interrupted)
            let (_, store) = try Self.run(Self.spec(), in: directory, jobs: 2)
            #expect(try Self.history(store) == reference)
        }
    }
}

@Suite(.serialized) struct PruningCommandTests {
    @Test func hyperbandRunsItsBracketsAndCountsThem() throws {
        try withTemporaryDirectory { directory in
            // 17 trials, rungs 5 and 15 below 30: bracket s=2 takes 9 (9 → 3 → 1), s=1 takes 5 (trained
            // to 15, 1 kept), s=0 the last 3 (trained in full).
            let text = PruningRunnerTests.spec("hyperband").replacingOccurrences(
                of: #""random":9"#, with: #""random":17"#)
            let spec = try writeSpec(text, in: directory)
            let result = try RunnerCLI.run(
                ["run", spec, "--db", "runs.sqlite", "--quiet", "--jobs", "2"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("trained 17 of 17 runs (5 completed, 12 pruned) in "), "\(result.stdout)")
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let rows = try PruningRunnerTests.history(store, experiment: "pruned").prefix(17)
                .map { $0.split(separator: " ").map(String.init) }
            #expect(rows[9..<14].filter { $0[2] == "pruned" }.allSatisfy { $0[3] == "15" })
            #expect(rows[9..<14].filter { $0[2] == "completed" }.count == 1)
            #expect(rows[14...].allSatisfy { $0[2] == "completed" && $0[3] == "30" })
            #expect(rows[..<9].filter { $0[2] == "pruned" && $0[3] == "5" }.count == 6)
        }
    }

    @Test func runnerRunPrunesAndReportsTheCounts() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(PruningRunnerTests.spec(), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("trained 9 of 9 runs (1 completed, 8 pruned) in "), "\(result.stdout)")
            let again = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(again.stdout.hasPrefix("trained 0 of 9 runs in "), "\(again.stdout)")
            let report = try RunnerCLI.run(["report", "--db", "runs.sqlite"], in: directory)
            #expect(report.stdout.contains("runs: 9 (1 completed, 8 pruned)"), "\(report.stdout)")
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let survivor = try #require(
                try store.statuses(of: SpecLoader().load(path: spec).trials().map(\.runID)).first {
                    $0.value == .completed
                }
            ).key
            let show = try RunnerCLI.run(["show", survivor, "--db", "runs.sqlite"], in: directory)
            let rungs = show.stdout.split(separator: "\n").first { $0.hasPrefix("rungs ") }.map(String.init) ?? ""
            #expect(
                rungs.contains("5: ") && rungs.contains(" continue (of 9), 15: ") && rungs.hasSuffix("continue (of 3)"),
                "\(show.stdout)")
            let pruned = try #require(
                try store.statuses(of: SpecLoader().load(path: spec).trials().map(\.runID)).first {
                    $0.value == .pruned
                }
            ).key
            let shown = try RunnerCLI.run(["show", pruned, "--db", "runs.sqlite"], in: directory)
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("status              pruned"))
            #expect(shown.stdout.contains("pruned (of "), "\(shown.stdout)")
            #expect(shown.stdout.contains("stopped             pruned at iteration "))
        }
    }
}

@Suite(.serialized) struct SharedDatabaseSearchTests {
    /// Two `runner run` processes on one database, started together.
    static func twoProcesses(_ spec: String, in directory: URL) throws -> ResultStore {
        let path = try writeSpec(spec, named: "spec.json", in: directory)
        let arguments = ["run", path, "--db", "runs.sqlite", "--jobs", "1", "--quiet"]
        let first = try RunnerCLI.start(arguments, in: directory)
        let second = try RunnerCLI.start(arguments, in: directory)
        first.waitUntilExit()
        second.waitUntilExit()
        let (a, b) = (RunnerCLI.output(of: first), RunnerCLI.output(of: second))
        #expect(first.terminationStatus == 0, "\(a.stderr)")
        #expect(second.terminationStatus == 0, "\(b.stderr)")
        return try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
    }

    @Test func twoProcessesSharingADatabaseMakeTheSameTPEHistoryAsOne() throws {
        let reference = try withTemporaryDirectory { try SearchRunnerTests.search(in: $0, jobs: 1).1 }
        let shared = try withTemporaryDirectory { directory in
            try SearchRunnerTests.history(try Self.twoProcesses(SearchRunnerTests.spec, in: directory))
        }
        #expect(reference.count == 11)
        #expect(shared == reference)
    }

    @Test func twoProcessesSharingADatabaseMakeTheSamePruningDecisionsAsOne() throws {
        let reference = try withTemporaryDirectory { directory in
            try PruningRunnerTests.history(PruningRunnerTests.run(PruningRunnerTests.spec(), in: directory, jobs: 1).1)
        }
        let shared = try withTemporaryDirectory { directory in
            try PruningRunnerTests.history(try Self.twoProcesses(PruningRunnerTests.spec(), in: directory))
        }
        #expect(shared == reference)
    }
}

@Suite(.serialized) struct KilledSearchTests {
    static let tpe = SearchRunnerTests.spec.replacingOccurrences(of: #""iterations":20"#, with: #""iterations":300"#)
    static let pruned = PruningRunnerTests.spec().replacingOccurrences(
        of: #""iterations":30"#, with: #""iterations":300"#)

    /// Starts `runner run`, kills it with SIGKILL after `delay` seconds (if still running), then
    /// runs the same command to the end; returns the database.
    static func killAndRerun(_ spec: String, delay: Double, in directory: URL) throws -> ResultStore {
        let path = try writeSpec(spec, named: "spec.json", in: directory)
        let arguments = ["run", path, "--db", "runs.sqlite", "--jobs", "2", "--quiet"]
        let process = try RunnerCLI.start(arguments, in: directory)
        Thread.sleep(forTimeInterval: delay)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = RunnerCLI.output(of: process)
        // The shortest delay lands mid-search (a whole search takes longer here): the rerun has
        // something to recover.
        if delay < 0.3 { #expect(process.terminationReason == .uncaughtSignal) }
        let rerun = try RunnerCLI.run(arguments, in: directory)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        return try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
    }

    @Test(arguments: [0.2, 0.5, 1.0])
    func aTPESearchKilledAndRerunHasTheSameHistory(delay: Double) throws {
        #expect(Self.tpe != SearchRunnerTests.spec)
        let reference = try withTemporaryDirectory { directory in
            let path = try writeSpec(Self.tpe, named: "spec.json", in: directory)
            _ = try RunnerCLI.run(["run", path, "--db", "runs.sqlite", "--jobs", "1", "--quiet"], in: directory)
            return try SearchRunnerTests.history(
                ResultStore(path: directory.appendingPathComponent("runs.sqlite").path))
        }
        let killed = try withTemporaryDirectory { directory in
            try SearchRunnerTests.history(Self.killAndRerun(Self.tpe, delay: delay, in: directory))
        }
        #expect(reference.count == 11)
        #expect(killed == reference)
    }

    @Test(arguments: [0.2, 0.5, 1.0])
    func aPrunedSweepKilledAndRerunHasTheSameDecisionsAndBits(delay: Double) throws {
        #expect(Self.pruned != PruningRunnerTests.spec())
        let reference = try withTemporaryDirectory { directory in
            try PruningRunnerTests.history(PruningRunnerTests.run(Self.pruned, in: directory, jobs: 1).1)
        }
        let killed = try withTemporaryDirectory { directory in
            try PruningRunnerTests.history(Self.killAndRerun(Self.pruned, delay: delay, in: directory))
        }
        #expect(killed == reference)
    }
}
