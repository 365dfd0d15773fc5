import Foundation
import GRDB
import LSTMCore
import Synchronization
import Testing

@testable import RunnerEngine
@testable import RunnerFiles
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

@Suite struct StoreTests {
    /// Runs a spec into a database in `directory` and returns the outcome.
    @discardableResult
    static func sweep(_ spec: String, in directory: URL, jobs: Int = 2, retry: Bool = false) throws
        -> SweepRunner.Outcome
    {
        let path = try writeSpec(spec, named: "spec-\(UUID().uuidString.prefix(8)).json", in: directory)
        let loaded = try SpecLoader().load(path: path)
        let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
        return try SweepRunner(specs: [loaded], store: store, options: .init(jobs: jobs, retryFailed: retry)).run(
            stop: StopFlag()
        ) { _ in nil }
    }

    @Test func aSweepIsStoredAndReadBack() throws {
        try withTemporaryDirectory { directory in
            let outcome = try Self.sweep(
                tinySpec(sweep: #"{"seed": [0, 1, 2], "task.targets": [[0.1, 0.2], [0.3, -0.1, 0.0]]}"#), in: directory)
            #expect(outcome.counts[.completed] == 6)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let runs = try store.runs(ofExperiment: "tiny")
            #expect(runs.count == 6)
            for run in runs {
                #expect(run.status == .completed)
                let curve = try #require(try store.curve(run.id))
                #expect(curve.count == 30)
                #expect(run.iterationsRun == 30)
                #expect(run.bestLoss == curve.min())
                #expect(run.environment?.toolchain.hasPrefix("swift") == true)
                #expect(run.environment?.buildConfig.isEmpty == false)
                #expect(run.environment?.codeVersion.isEmpty == false)
                let checkpoint = try store.finalCheckpoint(of: run)
                #expect(checkpoint.header.payloadSHA256 == run.checkpointSHA256)
                #expect(try run.config().runID == run.id)
            }
            // The swept list-valued path has a column of its own, holding JSON.
            let targets = try store.queue.read { db in
                try String.fetchAll(db, sql: #"SELECT "task.targets" FROM runs ORDER BY id"#)
            }
            #expect(Set(targets) == ["[0.1,0.2]", "[0.3,-0.1,0.0]"])
            #expect(try store.experiment("tiny")?.sweptPaths == ["seed", "task.targets"])
            #expect(try store.queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        }
    }

    @Test func everyRunStartsBeforeItFinishesByItsDuration() throws {
        // Tiny, quick runs with large checkpoints, so the writer falls behind the trainers.
        try withTemporaryDirectory { directory in
            let outcome = try Self.sweep(
                tinySpec(
                    sweep: #"{"seed": {"range": [0, 60]}}"#, extra: #""model": {"hiddenSize": 120}"#, iterations: 1),
                in: directory)
            #expect(outcome.counts[.completed] == 60)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for run in try store.runs(ofExperiment: "tiny") {
                let started = try #require(run.started.flatMap(format.date(from:)), "\(run.started ?? "nil")")
                let finished = try #require(run.finished.flatMap(format.date(from:)), "\(run.finished ?? "nil")")
                let duration = try #require(run.duration)
                #expect(
                    started <= finished, "\(run.id): started \(run.started ?? "") after finished \(run.finished ?? "")")
                #expect(abs(finished.timeIntervalSince(started) - duration) < 0.002, "\(run.id)")
            }
        }
    }

    @Test func runningASpecAgainSkipsCompletedRuns() throws {
        try withTemporaryDirectory { directory in
            let spec = tinySpec(sweep: #"{"seed": [0, 1, 2, 3]}"#)
            let first = try Self.sweep(spec, in: directory)
            let second = try Self.sweep(spec, in: directory)
            #expect(first.counts[.completed] == 4)
            #expect(second.counts.isEmpty)
            #expect(second.alreadyDone == 4)
            // A bigger sweep trains only the new runs.
            let third = try Self.sweep(tinySpec(sweep: #"{"seed": [0, 1, 2, 3, 4, 5]}"#), in: directory)
            #expect(third.counts[.completed] == 2)
        }
    }

    @Test func failedAndDivergedRunsRerunOnlyWhenAsked() throws {
        try withTemporaryDirectory { directory in
            let spec = tinySpec(
                sweep: #"{"training.learningRate": [0.1, 100]}"#,
                extra:
                    #""task": {"plugin": "sine", "sequenceLength": 6, "samples": 2}, "training": {"iterations": 60, "loss": "mse-readout"}"#
            )
            let first = try Self.sweep(spec, in: directory)
            #expect(first.counts == [.completed: 1, .diverged: 1])
            #expect(try Self.sweep(spec, in: directory).counts.isEmpty)
            #expect(try Self.sweep(spec, in: directory, retry: true).counts == [.diverged: 1])
        }
    }

    @Test func runsLeftRunningByADeadProcessAreRecovered() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            try Self.sweep(tinySpec(sweep: #"{"seed": [0, 1]}"#), in: directory)
            let store = try ResultStore(path: path)
            let id = try store.runs(ofExperiment: "tiny")[0].id
            // Pretend a process that no longer exists holds it (pid 2^22 - 1 is beyond pid_max's default).
            try store.queue.write { db in
                try db.execute(
                    sql:
                        "UPDATE runs SET status = 'running', owner_host = ?, owner_pid = 4194303, heartbeat = ? WHERE id = ?",
                    arguments: [RunEnvironment.current.host, ResultStore.timestamp(), id]
                )
            }
            #expect(try store.recoverAbandonedRuns() == [id])
            #expect(try store.statuses(of: [id])[id] == .interrupted)
            let outcome = try Self.sweep(tinySpec(sweep: #"{"seed": [0, 1]}"#), in: directory)
            #expect(outcome.counts == [.completed: 1])
            #expect(try store.curve(id)?.count == 30)
        }
    }

    @Test func storesOpeningOneNewDatabaseAtOnceAllSucceed() throws {
        // The race two `runner run` processes started together run: creating the file, switching
        // it to WAL and migrating it, from several connections at the same moment.
        try withTemporaryDirectory { directory in
            for round in 0..<20 {
                let path = directory.appendingPathComponent("race-\(round).sqlite").path
                let failures = Mutex([String]())
                DispatchQueue.concurrentPerform(iterations: 6) { _ in
                    do {
                        _ = try ResultStore(path: path, environment: .unrecorded)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
                #expect(failures.withLock { $0 } == [], "round \(round)")
            }
        }
    }

    @Test func aClaimIsTakenByOneProcessOnly() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("runs.sqlite").path
            let specPath = try writeSpec(tinySpec(), in: directory)
            let spec = try SpecLoader().load(path: specPath)
            let store = try ResultStore(path: path)
            try store.register(spec, trials: spec.trials())
            let id = try spec.trials()[0].runID
            var other = RunEnvironment.current
            other.host = "another-host"
            let elsewhere = try ResultStore(path: path, environment: other)
            #expect(try store.claim([id], retryFailed: false) == [id])
            #expect(try elsewhere.claim([id], retryFailed: false).isEmpty)
            #expect(try store.claim([id], retryFailed: false).isEmpty)
        }
    }

    @Test func aQueuedRunKeepsWhatItsRowHoldsAndNoneOfItsArrays() throws {
        try withTemporaryDirectory { directory in
            let spec = try SpecLoader().load(path: try writeSpec(tinySpec(), in: directory))
            let result = try Trial(config: try spec.trials()[0].config).run()
            #expect(result.finalParameters.values.count > 12 && result.trainingSet != nil)
            let queued = ResultStore.FinishedRun(
                result: result, checkpoint: .init(), started: "s", finished: "f", duration: 1
            ).result
            #expect(queued.finalParameters.values.count == 12 && queued.initialParameters.values.count == 12)
            #expect(queued.trainingSet == nil && queued.optimizerState.isEmpty && queued.predictions.isEmpty)
            #expect(queued.runID == result.runID && queued.status == result.status)
            #expect(queued.losses.map(\.bitPattern) == result.losses.map(\.bitPattern))
            #expect(queued.finalLoss == result.finalLoss && queued.bestIteration == result.bestIteration)
            #expect(queued.heldOut == result.heldOut && queued.trainingSeconds == result.trainingSeconds)
        }
    }

    @Test func aFinalCheckpointReproducesThePredictions() throws {
        try withTemporaryDirectory { directory in
            let specPath = try writeSpec(
                tinySpec(extra: #""training": {"optimizer": "adam", "loss": "mse-readout", "learningRate": 0.05}"#),
                in: directory)
            let spec = try SpecLoader().load(path: specPath)
            let result = try Trial(config: try spec.trials()[0].config).run()
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            _ = try SweepRunner(specs: [spec], store: store, options: .init(jobs: 1)).run(stop: StopFlag()) { _ in nil }
            let run = try store.run(result.runID)
            let final = try RunMaterializer(store: store).final(of: run)
            #expect(!final.retrained)
            #expect(final.parameters == result.finalParameters)
            let network = LSTMNetwork(
                parameters: final.parameters, cellOutput: final.config.cellOutput, loss: MSEReadoutLoss(),
                trainingSet: try #require(final.trainingSet))
            #expect(network.evaluate().predictions.map(\.bitPattern) == result.predictions.map(\.bitPattern))
            // Without the file, the run is trained again to the same bits.
            try FileManager.default.removeItem(at: store.resolve(try #require(run.checkpointPath)))
            try store.queue.write { db in try db.execute(sql: "UPDATE runs SET checkpoint_path = NULL") }
            let again = try RunMaterializer(store: store).final(of: try store.run(result.runID))
            #expect(again.retrained)
            #expect(again.parameters == result.finalParameters)
        }
    }

    @Test func runIDPrefixesResolveLikeGit() throws {
        try withTemporaryDirectory { directory in
            try Self.sweep(tinySpec(sweep: #"{"seed": {"range": [0, 40]}}"#), in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let ids = try store.runs(ofExperiment: "tiny").map(\.id)
            #expect(try store.run(String(ids[0].prefix(8))).id == ids[0])
            let first = Dictionary(grouping: ids) { $0.prefix(1) }.first { $0.value.count > 1 }
            let shared = try #require(first?.key)
            #expect(throws: StoreError.self) { try store.run(String(shared)) }
            do {
                _ = try store.run(String(shared))
            } catch let error as StoreError {
                #expect(error.code == .ambiguous)
                #expect(error.description.contains("matches several runs"))
            }
            do {
                _ = try store.run("ffffffffffff")
            } catch let error as StoreError {
                #expect(error.code == .notFound)
            }
        }
    }
}

@Suite struct StoreMigrationTests {
    @Test func anEmptyFileIsCreatedAtTheCurrentVersion() throws {
        try withTemporaryDirectory { directory in
            let store = try ResultStore(path: directory.appendingPathComponent("new.sqlite").path)
            let version = try store.queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
            #expect(version == StoreSchema.currentVersion)
            let tables = try store.queue.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            #expect(tables.contains("runs") && tables.contains("curves") && tables.contains("verifications"))
        }
    }

    @Test func anOlderSchemaIsMigratedWithItsRowsKept() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("old.sqlite").path
            // A version-1 database, as the first release wrote it, with one run.
            let old = try DatabaseQueue(path: path)
            try old.write { db in
                try StoreSchema.migrate(db, file: path, upTo: 1)
                try db.execute(
                    sql: """
                        INSERT INTO experiments (name, spec_file, spec_text, spec_sha256, created, updated)
                        VALUES ('e', 'e.json', '{}', 'x', 't', 't');
                        INSERT INTO runs (id, experiment, status, config, seed, task, hidden_size, cell_output,
                            iterations, learning_rate, optimizer, loss, final_loss)
                        VALUES ('abcdefabcdef', 'e', 'completed', '{}', 0, 'sequence', 4, 'identity', 10, 0.1, 'sgd',
                            'h0-squared', 0.25);
                        """
                )
            }
            #expect(try old.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") } == 1)
            try old.close()
            let store = try ResultStore(path: path)
            #expect(
                try store.queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
                    == StoreSchema.currentVersion)
            let run = try store.run("abcdef")
            #expect(run.finalLoss == 0.25)
            #expect(run.curveSHA256 == nil)
            #expect(try store.verifications(of: run.id).isEmpty)
        }
    }

    @Test func aNewerSchemaIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("future.sqlite").path
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: "PRAGMA user_version = 99") }
            try queue.close()
            #expect(throws: StoreError.self) { try ResultStore(path: path) }
            do {
                _ = try ResultStore(path: path)
            } catch let error as StoreError {
                #expect(error.code == .newerSchema)
                #expect(
                    error.description
                        == "\(path): has schema version 99; this runner reads versions up to \(StoreSchema.currentVersion). Upgrade lstm-runner."
                )
            }
        }
    }
}

@Suite struct BadDatabasePathTests {
    @Test func aMissingDirectoryIsReported() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("nope/x.sqlite").path
            let result = try RunnerCLI.run(
                ["run", try writeSpec(tinySpec(), in: directory), "--db", path], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr
                    == "error: \(path): the directory \(directory.appendingPathComponent("nope").path) does not exist; create it or choose another --db.\n"
            )
        }
    }

    @Test func aReadOnlyFileIsReported() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("ro.sqlite").path
            _ = try ResultStore(path: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
            // The check is on the permission bits, so it holds for root too.
            let result = try RunnerCLI.run(
                ["run", try writeSpec(tinySpec(), in: directory), "--db", path], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr == "error: \(path): is read-only; make it writable (chmod u+w) or choose another --db.\n")
        }
    }

    @Test func aFileThatIsNotADatabaseIsReported() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("notes.sqlite").path
            try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
            let result = try RunnerCLI.run(
                ["run", try writeSpec(tinySpec(), in: directory), "--db", path], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix("error: \(path): is not an SQLite database"))
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        }
    }
}

@Suite struct WarmStartTests {
    @Test func aTrialCanStartFromAFinishedRunACheckpointOrAnNPZ() throws {
        try withTemporaryDirectory { directory in
            try StoreTests.sweep(tinySpec(name: "first"), in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let first = try store.runs(ofExperiment: "first")[0]
            let trained = try store.finalCheckpoint(of: first).parameters()
            let npz = directory.appendingPathComponent("w.npz")
            try NPZ.write(NPZ.exportArrays(trained, trainingSet: nil), to: npz)
            let checkpoint = store.resolve(try #require(first.checkpointPath)).path
            for (name, source) in [
                ("from-run", String(first.id.prefix(6))), ("from-file", checkpoint), ("from-npz", npz.path),
            ] {
                try StoreTests.sweep(tinySpec(name: name, extra: #""model": {"init": "\#(source)"}"#), in: directory)
                let run = try store.runs(ofExperiment: name)[0]
                #expect(run.status == .completed)
                let (_, initial) = try RunMaterializer(store: store).initialState(of: run)
                #expect(initial.parameters == trained, "\(name)")
                // The data still come from the trial's own seed: the same as the first run's.
                #expect(try store.curve(run.id)?.first ?? 1 < store.curve(first.id)?.first ?? 0)
            }
        }
    }

    @Test func aWarmStartWithTheWrongShapeIsRefusedBeforeAnythingRuns() throws {
        try withTemporaryDirectory { directory in
            try StoreTests.sweep(tinySpec(name: "first"), in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let first = try store.runs(ofExperiment: "first")[0]
            let spec = try writeSpec(
                tinySpec(name: "second", extra: #""model": {"hiddenSize": 7, "init": "\#(first.id)"}"#), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr.contains(
                    "model.init is \"\(first.id)\", whose parameters have X=3, H=5, R=0; the trial needs X=3, H=7, R=0."
                ))
        }
    }
}

@Suite struct ResumeTests {
    @Test func anInterruptedRunResumesFromItsLastSnapshotToTheSameBits() throws {
        try withTemporaryDirectory { directory in
            let spec = tinySpec(
                extra: #""training": {"optimizer": "momentum", "learningRate": 0.05}, "checkpoints": {"every": 10}"#,
                iterations: 40
            )
            let path = try writeSpec(spec, in: directory)
            let loaded = try SpecLoader().load(path: path)
            let trial = try loaded.trials()[0]
            let uninterrupted = try Trial(config: trial.config).run()
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let snapshot = directory.appendingPathComponent("checkpoints/\(trial.runID).iter-00000020.ckpt.gz")
            // An earlier process trained the run to iteration 25, wrote its snapshots (10, 20)
            // and was stopped: the run is recorded as interrupted.
            try store.register(loaded, trials: [trial])
            #expect(try store.claim([trial.runID], retryFailed: false) == [trial.runID])
            let start = Trial(config: trial.config).initialState()
            var iterations = 0
            let partial = try Trial(config: trial.config).run(
                from: start,
                snapshotEvery: 10,
                onSnapshot: { snapshot in
                    try? CheckpointFiles.writeSnapshot(
                        snapshot,
                        trial: trial,
                        trainingSet: start.trainingSet,
                        folder: directory,
                        level: 0
                    )
                },
                shouldStop: {
                    iterations += 1
                    return iterations == 25
                }
            )
            #expect(partial.status == .interrupted)
            try store.release(trial.runID)
            #expect(try store.statuses(of: [trial.runID])[trial.runID] == .interrupted)
            var resumable = try #require(
                CheckpointFiles.latestSnapshot(runID: trial.runID, config: trial.config, folder: directory))
            #expect(resumable.iteration == 20)
            // Mark the snapshot (its first recorded loss), to see below that the rerun resumed from it.
            resumable.losses[0] = 123
            try FileManager.default.removeItem(at: snapshot)
            try CheckpointFiles.writeSnapshot(
                resumable, trial: trial, trainingSet: start.trainingSet, folder: directory, level: 0)
            let second = try SweepRunner(specs: [loaded], store: store, options: .init(jobs: 1)).run(stop: StopFlag()) {
                _ in nil
            }
            #expect(second.counts == [.completed: 1])
            let curve = try #require(try store.curve(trial.runID))
            #expect(curve[0] == 123, "resumed from the snapshot, not from scratch")
            #expect(curve.dropFirst().map(\.bitPattern) == uninterrupted.losses.dropFirst().map(\.bitPattern))
            let run = try store.run(trial.runID)
            #expect(run.checkpointSHA256 == (try CheckpointFiles.final(uninterrupted).header.payloadSHA256))
            // The snapshots are removed once the run has finished.
            let left = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("checkpoints").path)
            #expect(left.allSatisfy { !$0.contains(".iter-") })
        }
    }

    /// A sweep whose trials stop early (or not), each snapshotting every 10 iterations.
    struct ResumeCase: Sendable, CustomTestStringConvertible {
        var label: String
        var extra: String
        /// What the uninterrupted sweep must show for the case to test anything.
        var stopReason: String?
        var testDescription: String { label }
    }

    static let resumeCases = [
        ResumeCase(
            label: "patience",
            extra:
                #""task": {"plugin": "sine"}, "training": {"optimizer": "adam", "learningRate": 0.1}, "#
                + #""stop": {"patience": 37}"#,
            stopReason: "no new best loss for 37 iterations"
        ),
        ResumeCase(
            label: "targetLoss",
            extra: #""training": {"optimizer": "momentum", "learningRate": 0.05}, "stop": {"targetLoss": 0.005}"#,
            stopReason: "the loss reached stop.targetLoss"
        ),
        ResumeCase(
            label: "every-N snapshots alone",
            extra: #""training": {"optimizer": "adam", "learningRate": 0.05}"#,
            stopReason: nil
        ),
    ]

    /// What a sweep recorded, run by run: every column a result sets, and the digests.
    static func rows(_ store: ResultStore, _ experiment: String) throws -> [String] {
        try store.runs(ofExperiment: experiment).map { run in
            [
                run.id, run.status.rawValue, "\(run.iterationsRun ?? -1)", "\(run.bestIteration ?? -1)",
                "\(run.bestLoss?.bitPattern ?? 0)", "\(run.finalLoss?.bitPattern ?? 0)",
                "\(run.targetReachedIteration ?? -1)", run.stopReason ?? "-", run.checkpointSHA256 ?? "-",
                run.curveSHA256 ?? "-",
            ].joined(separator: " ")
        }.sorted()
    }

    @Test(arguments: resumeCases)
    func aSweepInterruptedAfterSnapshotsEndsWithTheRowsOfAnUninterruptedOne(_ test: ResumeCase) throws {
        try withTemporaryDirectory { directory in
            let spec = tinySpec(
                sweep: #"{"seed": {"range": [0, 4]}}"#, extra: test.extra + #", "checkpoints": {"every": 10}"#,
                iterations: 90)
            let loaded = try SpecLoader().load(path: try writeSpec(spec, in: directory))
            let trials = try loaded.trials()
            let whole = directory.appendingPathComponent("whole", isDirectory: true)
            let resumed = directory.appendingPathComponent("resumed", isDirectory: true)
            for folder in [whole, resumed] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let reference = try ResultStore(path: whole.appendingPathComponent("runs.sqlite").path)
            _ = try SweepRunner(specs: [loaded], store: reference, options: .init(jobs: 2)).run(stop: StopFlag()) {
                _ in nil
            }
            let expected = try Self.rows(reference, loaded.name)
            if let reason = test.stopReason {
                #expect(expected.contains { $0.contains(reason) }, "the case must stop early: \(expected)")
            }
            // An earlier process trained each run part of the way, wrote its snapshots and was
            // stopped, each run at another iteration (just after a snapshot, or between two).
            let store = try ResultStore(path: resumed.appendingPathComponent("runs.sqlite").path)
            try store.register(loaded, trials: trials)
            for (index, trial) in trials.enumerated() {
                #expect(try store.claim([trial.runID], retryFailed: false) == [trial.runID])
                let start = Trial(config: trial.config).initialState()
                let stopAt = [30, 31, 45, 20][index % 4]
                var iterations = 0
                _ = try Trial(config: trial.config).run(
                    from: start,
                    snapshotEvery: 10,
                    onSnapshot: { snapshot in
                        try? CheckpointFiles.writeSnapshot(
                            snapshot, trial: trial, trainingSet: start.trainingSet, folder: resumed, level: 0)
                    },
                    shouldStop: {
                        iterations += 1
                        return iterations == stopAt
                    }
                )
                try store.release(trial.runID)
            }
            #expect(!CheckpointFiles.runsWithSnapshots(folder: resumed).isEmpty)
            _ = try SweepRunner(specs: [loaded], store: store, options: .init(jobs: 2)).run(stop: StopFlag()) { _ in
                nil
            }
            #expect(try Self.rows(store, loaded.name) == expected)
        }
    }

    @Test func snapshotsLeftByAnEarlierSpecAreRemovedEvenWhenTheSpecNoLongerSnapshots() throws {
        try withTemporaryDirectory { directory in
            let loaded = try SpecLoader().load(path: try writeSpec(tinySpec(iterations: 20), in: directory))
            let trial = try loaded.trials()[0]
            let start = Trial(config: trial.config).initialState()
            _ = try Trial(config: trial.config).run(
                from: start,
                snapshotEvery: 10,
                onSnapshot: { snapshot in
                    try? CheckpointFiles.writeSnapshot(
                        snapshot, trial: trial, trainingSet: start.trainingSet, folder: directory, level: 0)
                },
                shouldStop: { false }
            )
            #expect(CheckpointFiles.runsWithSnapshots(folder: directory) == [trial.runID])
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let outcome = try SweepRunner(specs: [loaded], store: store, options: .init(jobs: 1)).run(stop: StopFlag())
            {
                _ in nil
            }
            #expect(outcome.counts == [.completed: 1])
            #expect(CheckpointFiles.runsWithSnapshots(folder: directory).isEmpty)
            let left = try FileManager.default.contentsOfDirectory(
                atPath: directory.appendingPathComponent("checkpoints").path)
            #expect(left == ["\(trial.runID).ckpt.gz"])
        }
    }
}
