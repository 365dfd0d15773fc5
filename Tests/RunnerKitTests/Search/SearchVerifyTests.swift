import Foundation
import GRDB
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

/// `runner verify` of adaptive searches (a replay decision by decision), a tpe search pruned by
/// the median rule, and runs one experiment pruned that another trains in full.
@Suite struct SearchVerifyTests {
    /// A tpe search pruned by the median rule: rungs at 5, 10 and 20 of 30 iterations.
    static let medianTPE = tinySpec(
        name: "tpe",
        sweep: #"""
            {"training.learningRate": {"random": 14, "logUniform": [0.01, 3]},
             "model.hiddenSize": {"random": 14, "integers": [2, 9]}}
            """#,
        extra: #"""
            "search": {"method": "tpe", "startup": 6, "batch": 4, "seed": 5},
            "pruning": {"method": "median", "minIterations": 5, "reduction": 2}
            """#,
        iterations: 30)

    /// Runs `spec` with `runner run`, then `runner verify NAME` after `tamper` changed the database.
    static func verify(
        _ spec: String, name: String, in directory: URL, tamper: String? = nil
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let path = try writeSpec(spec, in: directory)
        let run = try RunnerCLI.run(["run", path, "--db", "runs.sqlite", "--quiet"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        if let tamper {
            let queue = try DatabaseQueue(path: directory.appendingPathComponent("runs.sqlite").path)
            try queue.write { try $0.execute(sql: tamper) }
        }
        return try RunnerCLI.run(["verify", name, "--db", "runs.sqlite", "--jobs", "2"], in: directory)
    }

    static func lines(_ text: String, starting prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test func aPrunedSweepVerifiesRunByRunAndDecisionByDecision() throws {
        try withTemporaryDirectory { directory in
            let result = try Self.verify(PruningRunnerTests.spec(), name: "pruned", in: directory)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            // 9 trials, 6 pruned at 5, 2 at 15, one trained to the end: 9 + 3 decisions.
            #expect(result.stdout.contains("9 of 9 runs identical"), "\(result.stdout)")
            #expect(result.stdout.contains("search: 12 of 12 rung decisions replayed identical"), "\(result.stdout)")
            #expect(
                Self.lines(result.stdout, starting: "").filter { $0.contains("  identical  pruned at iteration 5: ") }
                    .count == 6)
            #expect(
                Self.lines(result.stdout, starting: "").filter { $0.contains("  identical  pruned at iteration 15: ") }
                    .count == 2)
        }
    }

    @Test func aRecordedDecisionTheRuleDoesNotTakeFailsVerification() throws {
        try withTemporaryDirectory { directory in
            let result = try Self.verify(
                PruningRunnerTests.spec(), name: "pruned", in: directory,
                tamper: "UPDATE rungs SET decision = 'continue' WHERE iteration = 15 AND decision = 'pruned'")
            #expect(result.status == 1)
            let differences = Self.lines(result.stdout, starting: "search: rung 15: run ")
            #expect(differences.count == 2, "\(result.stdout)")
            #expect(
                differences.allSatisfy { $0.contains("is recorded continue, the replay says pruned (cohort of 3)") })
            #expect(result.stdout.contains("search: 10 of 12 rung decisions replayed identical"), "\(result.stdout)")
        }
    }

    @Test func aRecordedRungMetricThatTrainingDoesNotReproduceFailsItsRun() throws {
        try withTemporaryDirectory { directory in
            let result = try Self.verify(
                PruningRunnerTests.spec(), name: "pruned", in: directory,
                tamper: """
                    UPDATE rungs SET metric = metric * 1.0000001
                    WHERE rowid = (SELECT min(rowid) FROM rungs WHERE iteration = 15)
                    """)
            #expect(result.status == 1)
            let differs = Self.lines(result.stdout, starting: "").filter {
                $0.contains("  differs  metric at rung 15: recorded ")
            }
            #expect(differs.count == 1, "\(result.stdout)")
            #expect(result.stdout.contains("8 of 9 runs identical"))
        }
    }

    @Test func aTPESearchReplaysItsSuggestionsAndAReorderedHistoryFails() throws {
        try withTemporaryDirectory { directory in
            let result = try Self.verify(SearchRunnerTests.spec, name: "tpe", in: directory)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("search: 11 of 11 suggestions replayed identical"), "\(result.stdout)")
        }
        try withTemporaryDirectory { directory in
            // Trials 9 and 10 (round 2, suggested from rounds 0 and 1) swapped.
            let result = try Self.verify(
                SearchRunnerTests.spec, name: "tpe", in: directory,
                tamper: """
                    UPDATE experiment_runs SET trial_index = 19 - trial_index
                    WHERE experiment = 'tpe' AND trial_index IN (9, 10)
                    """)
            #expect(result.status == 1)
            let differences = Self.lines(result.stdout, starting: "search: trial ")
            #expect(differences.count == 1, "\(result.stdout)")
            #expect(differences.first?.hasPrefix("search: trial 9 (round 2): the sampler suggests run ") == true)
        }
    }

    @Test func aSinglePrunedRunVerifiesToItsRung() throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(PruningRunnerTests.spec(), in: directory)
            _ = try RunnerCLI.run(["run", path, "--db", "runs.sqlite", "--quiet"], in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let pruned = try #require(try store.runs(ofExperiment: "pruned").first { $0.status == .pruned })
            let result = try RunnerCLI.run(
                ["verify", String(pruned.id.prefix(8)), "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 0, "\(result.stdout)")
            #expect(
                result.stdout.contains("\(pruned.id)  identical  pruned at iteration \(pruned.iterationsRun ?? 0): "))
            // One run is no search: nothing is replayed.
            #expect(!result.stdout.contains("search:"))
        }
    }

    @Test func aTPESearchPrunedByTheMedianRuleIsTheSameAtOneTwoAndEightJobsAndVerifies() throws {
        func history(jobs: Int) throws -> ([String], SweepRunner.Outcome) {
            try withTemporaryDirectory { directory in
                let (outcome, store) = try PruningRunnerTests.run(Self.medianTPE, in: directory, jobs: jobs)
                let rows = try PruningRunnerTests.history(store, experiment: "tpe")
                if jobs == 2 {
                    let verify = try RunnerCLI.run(["verify", "tpe", "--db", "runs.sqlite"], in: directory)
                    #expect(verify.status == 0, "\(verify.stdout)")
                    #expect(verify.stdout.contains("14 of 14 runs identical"), "\(verify.stdout)")
                    #expect(
                        Self.lines(verify.stdout, starting: "search: ").last?.hasSuffix(
                            "suggestions and rung decisions replayed identical") == true, "\(verify.stdout)")
                }
                return (rows, outcome)
            }
        }
        let (one, outcome) = try history(jobs: 1)
        let (two, _) = try history(jobs: 2)
        let (eight, _) = try history(jobs: 8)
        #expect(one == two)
        #expect(one == eight)
        #expect(outcome.trials == 14)
        // The median rule pruned some trials (none of the first five: it compares with five earlier
        // ones at least) and let others finish.
        let pruned = outcome.counts[.pruned] ?? 0
        #expect(pruned > 0 && pruned < 9, "\(outcome.counts)")
        #expect(outcome.counts[.completed, default: 0] + pruned == 14)
        let runs = one.prefix(14).map { $0.split(separator: " ").map(String.init) }
        #expect(runs.prefix(5).allSatisfy { $0[2] == "completed" }, "\(runs)")
    }

    @Test func aTPESearchRefusesSuccessiveHalvingInOneLine() throws {
        try withTemporaryDirectory { directory in
            let spec = Self.medianTPE.replacingOccurrences(of: #""median""#, with: #""successive-halving""#)
            let path = try writeSpec(spec, in: directory)
            let result = try RunnerCLI.run(["run", path, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr
                    == "error: \(path): pruning.method is \"successive-halving\" on a tpe search, whose trials come "
                    + "round by round, while successive-halving compares a fixed cohort at each rung; use \"median\" "
                    + "(it compares each trial with the earlier ones), or prune a grid or random sweep.\n")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs.sqlite").path))
        }
    }

    @Test func aSweepThatDoesNotPruneTrainsInFullTheRunsAnotherExperimentPruned() throws {
        let plain = tinySpec(name: "full", sweep: PruningRunnerTests.sweep, iterations: 30)
        let alone = try withTemporaryDirectory { directory in
            try PruningRunnerTests.history(PruningRunnerTests.run(plain, in: directory, jobs: 2).1, experiment: "full")
        }
        try withTemporaryDirectory { directory in
            let (_, store) = try PruningRunnerTests.run(PruningRunnerTests.spec(), in: directory, jobs: 2)
            let before = try store.runs(ofExperiment: "pruned")
            #expect(before.filter { $0.status == .pruned }.count == 8)
            let (outcome, _) = try PruningRunnerTests.run(plain, in: directory, jobs: 2)
            #expect(outcome.counts == [.completed: 8])
            #expect(outcome.alreadyDone == 1)
            let after = try PruningRunnerTests.history(store, experiment: "full")
            #expect(after.prefix(9) == alone.prefix(9))
            // The pruned sweep, run again, finds every run at an end and trains nothing.
            let (again, _) = try PruningRunnerTests.run(PruningRunnerTests.spec(), in: directory, jobs: 2)
            #expect(again.counts.isEmpty)
            #expect(again.alreadyDone == 9)
        }
    }
}

@Suite struct SearchRetryTests {
    @Test(arguments: ["tpe", "pruned"])
    func retryFailedIsRefusedForAnAdaptiveSearchInOneLine(kind: String) throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(kind == "tpe" ? SearchRunnerTests.spec : PruningRunnerTests.spec(), in: directory)
            let result = try RunnerCLI.run(["run", path, "--db", "runs.sqlite", "--retry-failed"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr
                    == "error: \(path): is an adaptive search, whose later suggestions and rung decisions were taken "
                    + "with its failed runs ranked last; --retry-failed would change those results under them. Run it "
                    + "without --retry-failed, or under another \"name\" (or --db) to start the search again.\n")
        }
    }
}
