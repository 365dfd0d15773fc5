import Foundation
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

@Suite struct MergeTests {
    /// Runs the tiny spec as 4 shards, each into its own folder, and returns their stores.
    private func shards(_ spec: ExperimentSpec, in directory: URL, count: Int = 4) throws -> [ResultStore] {
        try (0..<count).map { index in
            let store = try makeStore("shard-\(index)", in: directory)
            try runSweep(spec, into: store, shard: Shard(index: index, count: count))
            return store
        }
    }

    @Test func mergingEveryShardEqualsASingleMachineRun() throws {
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let parts = try shards(spec, in: directory)
            let local = try makeStore("local", in: directory)
            try runSweep(spec, into: local)
            let merged = try makeStore("merged", in: directory)

            let summary = try merged.merge(parts.map(\.path))

            #expect(summary.inputs == 4)
            #expect(summary.runsAdded == 10)
            #expect(summary.runsUpdated == 0 && summary.runsUnchanged == 0)
            #expect(summary.checkpointsCopied == 20, "a final and an initial checkpoint a run")
            #expect(summary.columnsAdded == ["task.targets"])
            #expect(summary.warnings.isEmpty)
            let expected = try fingerprints(of: "tiny", in: local)
            #expect(expected.count == 10)
            #expect(try fingerprints(of: "tiny", in: merged) == expected)
            #expect(try merged.runs(ofExperiment: "tiny").map(\.id) == local.runs(ofExperiment: "tiny").map(\.id))
            for id in expected.keys {
                #expect(try merged.curve(id) == local.curve(id))
            }
            try expectCheckpointsPresent("tiny", in: merged)
            let query = "SELECT id, \"task.targets\", hidden_size FROM runs ORDER BY id"
            #expect(try sqlite(merged.path, query) == sqlite(local.path, query))
            #expect(try merged.experiment("tiny")?.sweptPaths == ["model.hiddenSize", "task.targets"])
        }
    }

    @Test func mergingTheSameInputsAgainChangesNothing() throws {
        try withTemporaryDirectory { directory in
            let parts = try shards(try tinySpec(), in: directory)
            let merged = try makeStore("merged", in: directory)
            try merged.merge(parts.map(\.path))
            let before = try dump(merged.path)
            let files = try FileManager.default.contentsOfDirectory(atPath: merged.checkpointDirectory.path).sorted()

            let again = try merged.merge(parts.map(\.path) + parts.map(\.path))

            #expect(try dump(merged.path) == before)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: merged.checkpointDirectory.path).sorted() == files)
            #expect(again.runsAdded == 0 && again.runsUpdated == 0 && again.experimentsAdded == 0)
            #expect(again.runsUnchanged == 20)
            #expect(again.checkpointsCopied == 0 && again.checkpointsPresent == 20)
            #expect(again.columnsAdded.isEmpty)
        }
    }

    @Test func mergingTheShardsInAnotherOrderGivesTheSameRuns() throws {
        try withTemporaryDirectory { directory in
            let parts = try shards(try tinySpec(), in: directory)
            let forward = try makeStore("forward", in: directory)
            let backward = try makeStore("backward", in: directory)
            try forward.merge(parts.map(\.path))
            try backward.merge(parts.reversed().map(\.path))
            let query = "SELECT id, status, final_loss, checkpoint_sha256, curve_sha256 FROM runs ORDER BY id"
            #expect(try sqlite(forward.path, query) == sqlite(backward.path, query))
            let links = "SELECT * FROM experiment_runs ORDER BY run_id"
            #expect(try sqlite(forward.path, links) == sqlite(backward.path, links))
        }
    }

    @Test func aDifferentResultForTheSameRunIsAConflictThatNamesItAndChangesNothing() throws {
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let merged = try makeStore("merged", in: directory)
            try runSweep(spec, into: merged)
            let other = try makeStore("other", in: directory)
            try runSweep(spec, into: other, shard: Shard(index: 1, count: 4))
            let id = try #require(try other.runs(ofExperiment: "tiny").first?.id)
            let recorded = try #require(try other.run(id).finalLoss)
            try sqlite(other.path, "UPDATE runs SET final_loss = final_loss * 2 WHERE id = '\(id)'")
            let before = try dump(merged.path)

            #expect {
                try merged.merge([other.path])
            } throws: { error in
                guard let error = error as? StoreError, error.code == .conflict else { return false }
                let text = error.description
                return text.contains("run \(id)") && text.contains("\(recorded)") && text.contains("\(recorded * 2)")
                    && text.contains(other.path) && !text.contains("\n") && !error.isUsageError
            }
            #expect(try dump(merged.path) == before)
        }
    }

    @Test func aDifferentCheckpointDigestIsAConflictToo() throws {
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let parts = try shards(spec, in: directory, count: 2)
            let merged = try makeStore("merged", in: directory)
            try merged.merge([parts[0].path])
            let id = try #require(try parts[0].runs(ofExperiment: "tiny").first?.id)
            try sqlite(
                parts[0].path, "UPDATE runs SET checkpoint_sha256 = 'ab' || checkpoint_sha256 WHERE id = '\(id)'")
            #expect(throws: StoreError.self) { try merged.merge([parts[0].path]) }
        }
    }

    @Test func aFinishedResultWinsOverAPendingOrInterruptedRunInEitherOrder() throws {
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let pending = try makeStore("pending", in: directory)
            try pending.register(spec, trials: try spec.trials())
            let interrupted = try makeStore("interrupted", in: directory)
            try interrupted.register(spec, trials: try spec.trials())
            try sqlite(interrupted.path, "UPDATE runs SET status = 'interrupted'")
            let finished = try makeStore("finished", in: directory)
            try runSweep(spec, into: finished)
            let expected = try fingerprints(of: "tiny", in: finished)

            let first = try makeStore("first", in: directory)
            let summary = try first.merge([pending.path, interrupted.path, finished.path])
            #expect(summary.runsAdded == 10 && summary.runsUpdated == 20)
            let last = try makeStore("last", in: directory)
            try last.merge([finished.path, interrupted.path, pending.path])

            #expect(try fingerprints(of: "tiny", in: first) == expected)
            #expect(try fingerprints(of: "tiny", in: last) == expected)
            try expectCheckpointsPresent("tiny", in: first)
        }
    }

    @Test func aRunStillRunningInAnInputComesInAsInterruptedAndOwnedByNobody() throws {
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let input = try makeStore("input", in: directory)
            try input.register(spec, trials: try spec.trials())
            try sqlite(input.path, "UPDATE runs SET status = 'running', owner_host = 'node7', owner_pid = 42")
            let merged = try makeStore("merged", in: directory)
            try merged.merge([input.path])
            #expect(
                try sqlite(merged.path, "SELECT DISTINCT status, owner_host IS NULL, owner_pid IS NULL FROM runs")
                    == "interrupted|1|1")
            #expect(try merged.recoverAbandonedRuns().isEmpty)
        }
    }

    @Test func aMissingCheckpointFileStopsTheMergeAndLeavesTheOutputUnchanged() throws {
        try withTemporaryDirectory { directory in
            let parts = try shards(try tinySpec(), in: directory, count: 2)
            let merged = try makeStore("merged", in: directory)
            try merged.merge([parts[0].path])
            let before = try dump(merged.path)
            let run = try #require(try parts[1].runs(ofExperiment: "tiny").last)
            try FileManager.default.removeItem(at: parts[1].resolve(try #require(run.checkpointPath)))

            #expect {
                try merged.merge([parts[1].path])
            } throws: { error in
                guard let error = error as? StoreError, error.code == .checkpoint else { return false }
                return error.description.contains("run \(run.id)") && error.description.contains("checkpoints/")
            }
            #expect(try dump(merged.path) == before)
        }
    }

    @Test func aDamagedCheckpointInTheOutputIsReplacedByTheVerifiedCopy() throws {
        try withTemporaryDirectory { directory in
            let parts = try shards(try tinySpec(), in: directory, count: 1)
            let merged = try makeStore("merged", in: directory)
            try merged.merge([parts[0].path])
            let run = try #require(try merged.runs(ofExperiment: "tiny").first)
            let file = merged.resolve(try #require(run.checkpointPath))
            let good = try Data(contentsOf: file)
            try flippingBit(good, at: good.count / 2).write(to: file)

            let again = try merged.merge([parts[0].path])

            #expect(again.checkpointsCopied == 1)
            #expect(try Data(contentsOf: file) == good)
        }
    }

    @Test func aChangedSpecUnderTheSameNameKeepsTheLastRegisteredAndWarns() throws {
        try withTemporaryDirectory { directory in
            let old = try makeStore("old", in: directory)
            try runSweep(try tinySpec(iterations: 20), into: old, shard: Shard(index: 0, count: 5))
            let new = try makeStore("new", in: directory)
            let changed = try tinySpec(iterations: 25)
            try runSweep(changed, into: new, shard: Shard(index: 0, count: 5))
            let merged = try makeStore("merged", in: directory)

            let summary = try merged.merge([new.path, old.path])

            #expect(summary.warnings.count == 1)
            #expect(summary.warnings.first?.contains("experiment \"tiny\"") == true)
            #expect(try merged.experiment("tiny")?.specText == changed.text)
            #expect(try merged.runs(ofExperiment: "tiny").count == 4, "the runs of both specs")
        }
    }

    @Test func verificationsAreMergedOnce() throws {
        try withTemporaryDirectory { directory in
            let input = try makeStore("input", in: directory)
            try runSweep(try tinySpec(), into: input, shard: Shard(index: 0, count: 5))
            let id = try #require(try input.runs(ofExperiment: "tiny").first?.id)
            try input.record([
                VerificationRecord(
                    runID: id, checked: "2025-01-01T00:00:00.000Z", outcome: .identical, firstDivergentIteration: nil,
                    recordedLoss: nil, reproducedLoss: nil, detail: nil, environment: .current)
            ])
            let merged = try makeStore("merged", in: directory)
            #expect(try merged.merge([input.path, input.path]).verificationsAdded == 1)
            #expect(try merged.merge([input.path]).verificationsAdded == 0)
            #expect(try merged.verifications(of: id).count == 1)
        }
    }

    @Test func aDatabaseOfANewerSchemaIsRefused() throws {
        try withTemporaryDirectory { directory in
            let input = try makeStore("input", in: directory)
            try sqlite(input.path, "PRAGMA user_version = 99")
            let merged = try makeStore("merged", in: directory)
            #expect {
                try merged.merge([input.path])
            } throws: { error in
                (error as? StoreError)?.code == .newerSchema && "\(error)".contains("schema version 99")
            }
        }
    }

    @Test func theOutputItselfIsRefusedAsAnInput() throws {
        try withTemporaryDirectory { directory in
            let merged = try makeStore("merged", in: directory)
            #expect {
                try merged.merge([merged.path])
            } throws: { error in
                (error as? StoreError)?.code == .badPath && (error as? StoreError)?.isUsageError == true
            }
        }
    }

    @Test func shardsWrittenToOneFolderShareTheirCheckpointsWithTheOutput() throws {
        // The flat layout (results/shard-I.sqlite beside results/merged.sqlite): one checkpoints/
        // folder, so every file is already in place.
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            var paths: [String] = []
            for index in 0..<2 {
                let store = try ResultStore(path: directory.appendingPathComponent("shard-\(index).sqlite").path)
                try runSweep(spec, into: store, shard: Shard(index: index, count: 2))
                paths.append(store.path)
            }
            let merged = try ResultStore(path: directory.appendingPathComponent("merged.sqlite").path)
            let summary = try merged.merge(paths)
            #expect(summary.runsAdded == 10 && summary.checkpointsCopied == 0 && summary.checkpointsPresent == 20)
            try expectCheckpointsPresent("tiny", in: merged)
        }
    }
}
