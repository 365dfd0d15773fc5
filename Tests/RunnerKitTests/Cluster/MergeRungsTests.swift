import Foundation
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

/// `runner merge` and the `rungs` table of pruned sweeps (schema 4).
@Suite struct MergeRungsTests {
    static let rungsQuery = "SELECT run_id, iteration, metric, decision, cohort FROM rungs ORDER BY run_id, iteration"

    /// Runs a pruned sweep into `directory/name/runs.sqlite`.
    static func prunedSweep(_ name: String, seed: Int = 0, in directory: URL) throws -> ResultStore {
        let folder = directory.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = tinySpec(
            name: name, sweep: PruningRunnerTests.sweep,
            extra:
                #""seed": \#(seed), "pruning": {"method": "successive-halving", "minIterations": 5, "reduction": 3}"#,
            iterations: 30)
        return try PruningRunnerTests.run(text, in: folder, jobs: 2).1
    }

    @Test func twoPrunedSweepDatabasesMergeWithTheirRungRecordsOnce() throws {
        try withTemporaryDirectory { directory in
            let first = try Self.prunedSweep("first", in: directory)
            let second = try Self.prunedSweep("second", seed: 1, in: directory)
            let expected = [try sqlite(first.path, Self.rungsQuery), try sqlite(second.path, Self.rungsQuery)]
                .joined(separator: "\n").split(separator: "\n").sorted()
            // 9 trials reach rung 5 and 3 of them rung 15, in each database.
            #expect(expected.count == 24)
            let merged = try makeStore("merged", in: directory)

            let summary = try merged.merge([first.path, second.path])

            #expect(summary.runsAdded == 18)
            #expect(summary.rungsCopied == 24)
            #expect(try sqlite(merged.path, Self.rungsQuery).split(separator: "\n").sorted() == expected)
            #expect(try fingerprints(of: "first", in: merged) == fingerprints(of: "first", in: first))
            let before = try dump(merged.path)
            #expect(try merged.merge([second.path, first.path]).rungsCopied == 0)
            #expect(try dump(merged.path) == before)
        }
    }

    @Test func theRungRecordsFollowTheRunRowTheMergeKeeps() throws {
        try withTemporaryDirectory { directory in
            let input = try Self.prunedSweep("pruned", in: directory)
            let rungs = try sqlite(input.path, Self.rungsQuery)
            let ids = try input.runs(ofExperiment: "pruned").map(\.id)
            let pruned = try #require(try input.runs(ofExperiment: "pruned").first { $0.status == .pruned }?.id)

            // The output has the trials pending, one with a stale rung record: the input's pruned and
            // completed rows win, and their rung records replace it.
            let merged = try makeStore("merged", in: directory)
            let spec = try SpecLoader().load(path: directory.appendingPathComponent("pruned/spec.json").path)
            try merged.register(spec, trials: try spec.trials())
            try sqlite(merged.path, "INSERT INTO rungs (run_id, iteration, metric) VALUES ('\(ids[0])', 5, 99)")
            #expect(try merged.merge([input.path]).runsUpdated == 9)
            #expect(try sqlite(merged.path, Self.rungsQuery) == rungs)

            // An input where that run is only paused at its rung, with other records: the output keeps
            // its pruned row and the rung records that go with it.
            let paused = directory.appendingPathComponent("paused.sqlite").path
            try sqlite(input.path, ".backup '\(paused)'")
            try sqlite(
                paused,
                "UPDATE runs SET status = 'interrupted' WHERE id = '\(pruned)'; "
                    + "UPDATE rungs SET metric = 42, decision = NULL WHERE run_id = '\(pruned)'")
            let kept = try merged.merge([paused])
            #expect(kept.runsUnchanged == 9 && kept.rungsCopied == 0)
            #expect(try sqlite(merged.path, Self.rungsQuery) == rungs)

            // Rung records the output lacks (a merge by an older build) are filled in from an input
            // with the same row.
            try sqlite(merged.path, "DELETE FROM rungs WHERE run_id = '\(pruned)'")
            let filled = try merged.merge([input.path])
            #expect(filled.rungsCopied >= 1)
            #expect(try sqlite(merged.path, Self.rungsQuery) == rungs)
        }
    }
}
