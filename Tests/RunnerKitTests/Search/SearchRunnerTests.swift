import Foundation
import GRDB
import Synchronization
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

/// Counts finished trials and sets a stop flag after a given number of them.
final class StopAfter: Sendable {
    let count = Mutex(0)
    let limit: Int
    let flag = StopFlag()

    init(_ limit: Int) { self.limit = limit }

    func reporter(_ total: Int) -> ProgressReporter {
        ProgressReporter(total: total, terminal: false, interval: .zero) { [self] _ in
            let reached = count.withLock { value in
                value += 1
                return value >= limit
            }
            if reached { flag.set() }
        }
    }
}

@Suite struct SearchRunnerTests {
    static let spec = tinySpec(
        name: "tpe",
        sweep: #"""
            {"training.learningRate": {"random": 11, "logUniform": [0.01, 3]},
             "model.hiddenSize": {"random": 11, "integers": [2, 9]}}
            """#,
        extra: #""search": {"method": "tpe", "startup": 4, "batch": 3, "seed": 5}"#,
        iterations: 20)

    /// Each trial of the experiment in trial order: index, run id, status and the final loss's bits.
    static func history(_ store: ResultStore) throws -> [String] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.trial_index, r.id, r.status, r.final_loss FROM experiment_runs e JOIN runs r ON r.id = e.run_id
                    WHERE e.experiment = 'tpe' ORDER BY e.trial_index
                    """
            ).map { row in
                let loss = (row["final_loss"] as Double?).map { String($0.bitPattern) } ?? "-"
                return "\(row["trial_index"] as Int) \(row["id"] as String) \(row["status"] as String) \(loss)"
            }
        }
    }

    static func search(in directory: URL, jobs: Int, stop: StopAfter? = nil) throws -> (SweepRunner.Outcome, [String]) {
        let path = directory.appendingPathComponent("tpe.json").path
        if !FileManager.default.fileExists(atPath: path) {
            try Data(spec.utf8).write(to: URL(fileURLWithPath: path))
        }
        let loaded = try SpecLoader().load(path: path)
        let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
        let runner = SearchRunner(spec: loaded, store: store, options: .init(jobs: jobs), registry: .standard)
        let outcome = try runner.run(stop: stop?.flag ?? StopFlag()) { total in stop?.reporter(total) }
        return (outcome, try history(store))
    }

    @Test func theHistoryIsTheSameAtOneTwoAndEightJobs() throws {
        let one = try withTemporaryDirectory { try Self.search(in: $0, jobs: 1) }
        let two = try withTemporaryDirectory { try Self.search(in: $0, jobs: 2) }
        let eight = try withTemporaryDirectory { try Self.search(in: $0, jobs: 8) }
        #expect(one.1.count == 11)
        #expect(one.1.allSatisfy { $0.contains(" completed ") })
        #expect(one.1 == two.1)
        #expect(one.1 == eight.1)
        #expect(one.0.counts == [.completed: 11])
        #expect(one.0.trials == 11)
        // Rounds after the first are TPE's: not the random search's draws.
        let random = try SpecLoader().load(
            data: Data(Self.spec.replacingOccurrences(of: #""startup": 4, "batch": 3, "#, with: "").utf8),
            file: "r.json"
        ).trials()
        #expect(random.count == 4)
        let plain = tinySpec(
            name: "tpe",
            sweep: #"""
                {"training.learningRate": {"random": 11, "logUniform": [0.01, 3]},
                 "model.hiddenSize": {"random": 11, "integers": [2, 9]}}
                """#, iterations: 20)
        let draws = try SpecLoader().load(data: Data(plain.utf8), file: "p.json").trials().map(\.runID)
        let ids = one.1.map { $0.split(separator: " ")[1] }.map(String.init)
        #expect(Array(ids.prefix(4)) == Array(draws.prefix(4)))
        #expect(ids[4...] != draws[4...])
    }

    @Test(arguments: [1, 4, 6, 9])
    func anInterruptedSearchRerunGivesTheSameHistory(stopAfter: Int) throws {
        let reference = try withTemporaryDirectory { try Self.search(in: $0, jobs: 1) }.1
        try withTemporaryDirectory { directory in
            let (first, partial) = try Self.search(in: directory, jobs: 2, stop: StopAfter(stopAfter))
            #expect(first.interrupted)
            #expect(partial.count < 11)
            let (_, rerun) = try Self.search(in: directory, jobs: 2)
            #expect(rerun == reference)
        }
    }

    @Test func aSearchRecordedWithAnotherSeedIsRefusedNamingIt() throws {
        try withTemporaryDirectory { directory in
            _ = try Self.search(in: directory, jobs: 2)
            let changed = Self.spec.replacingOccurrences(of: #""seed":5"#, with: #""seed":6"#)
            #expect(changed != Self.spec)
            let path = try writeSpec(changed, named: "changed.json", in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let runner = SearchRunner(
                spec: try SpecLoader().load(path: path), store: store, options: .init(jobs: 1), registry: .standard)
            do {
                _ = try runner.run(stop: StopFlag()) { _ in nil }
                Issue.record("a changed search was run into the same experiment")
            } catch let error as StoreError {
                #expect(error.code == .specMismatch)
                #expect(error.description.contains("search.seed is 5 there and 6 in "), "\(error)")
            }
            #expect(try Self.history(store).count == 11)
        }
    }

    @Test func aShardedAdaptiveSearchIsRefused() throws {
        let spec = try SpecLoader().load(data: Data(Self.spec.utf8), file: "tpe.json")
        #expect(throws: SpecError.self) { try SearchRunner.refuseUnsupported([spec], shard: Shard(index: 1, count: 2)) }
        try SearchRunner.refuseUnsupported([spec], shard: nil)
    }
}

@Suite(.serialized) struct SearchCommandTests {
    @Test func runnerRunTrainsATPESearchAndARerunTrainsNothing() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(SearchRunnerTests.spec, named: "tpe.json", in: directory)
            let first = try RunnerCLI.run(
                ["run", spec, "--db", "runs.sqlite", "--jobs", "2", "--quiet"], in: directory)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.hasPrefix("trained 11 of 11 runs (11 completed) in "), "\(first.stdout)")
            let again = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.hasPrefix("trained 0 of 11 runs in "), "\(again.stdout)")
            #expect(again.stdout.contains("11 already finished"), "\(again.stdout)")
        }
    }

    @Test func aPlainSweepATPESearchAndAPrunedSweepRunInOneCommand() throws {
        try withTemporaryDirectory { directory in
            let tpe = try writeSpec(SearchRunnerTests.spec, named: "tpe.json", in: directory)
            let pruned = try writeSpec(PruningRunnerTests.spec(), named: "pruned.json", in: directory)
            let plain = try writeSpec(
                tinySpec(name: "plain", sweep: #"{"seed": [0, 1]}"#), named: "plain.json", in: directory)
            let result = try RunnerCLI.run(
                ["run", tpe, pruned, plain, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(
                result.stdout.hasPrefix("trained 22 of 22 runs (14 completed, 8 pruned) in "), "\(result.stdout)")
        }
    }

    @Test func aDryRunSaysWhatTheSearchAndThePruningWillDo() throws {
        try withTemporaryDirectory { directory in
            let tpe = try writeSpec(SearchRunnerTests.spec, named: "tpe.json", in: directory)
            let result = try RunnerCLI.run(["run", tpe, "--dry-run"], in: directory)
            #expect(result.status == 0)
            #expect(
                result.stdout.hasPrefix(
                    "tpe (\(tpe)): a tpe search of 11 trials: the 4 startup trials below, then rounds of 3 suggested "
                        + "from the results (seed 5)\n"), "\(result.stdout)")
            let pruned = try writeSpec(PruningRunnerTests.spec(), named: "pruned.json", in: directory)
            let shown = try RunnerCLI.run(["run", pruned, "--dry-run"], in: directory)
            #expect(shown.stdout.contains("\n  pruning: successive-halving at iterations 5, 15 (reduction 3)\n"))
        }
    }

    @Test func aShardedTPESearchExits64WithOneLine() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(SearchRunnerTests.spec, named: "tpe.json", in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--shard", "1/2"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.contains("is a tpe search, whose rounds need every result of the round before"))
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs.sqlite").path))
        }
    }
}
