import Dispatch
import Foundation
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import RunnerStore
import Synchronization

/// Runs experiments into a results database: the heart of `runner run`.
///
/// Registers every trial as a run, recovers runs abandoned by dead processes, skips finished
/// runs, and trains the rest on the ``Scheduler``; each finished run is written (checkpoints
/// by the worker that trained it, the database row in batches) before the next batch starts.
public struct SweepRunner: Sendable {
    /// What `runner run` was asked to do.
    public struct Options: Sendable {
        /// Workers.
        public var jobs: Int
        /// Only this shard's trials.
        public var shard: Shard?
        /// Also rerun failed and diverged runs.
        public var retryFailed: Bool
        /// Pruning (``SearchRunner``): train each of these runs only to the given iteration, keep a
        /// snapshot there and leave it `interrupted`, to be continued from it once promoted.
        public var pauses: [String: Int] = [:]
        /// Pruning: train only these runs (the experiments' other runs stay as they are).
        public var only: Set<String>?
        /// Pruning: snapshot at least every this many iterations (0: as the spec says).
        public var snapshotEvery = 0
        /// Pruning: receives a paused run's snapshot at its pause, on the worker, before the run is
        /// given back (so that no other process can resume it before its rung metric is recorded).
        public var onPause: (@Sendable (PlannedTrial, TrainingSnapshot) -> Void)?
        /// Whether runs another experiment pruned are trained in full (they have no result); not
        /// in a pruned sweep, for which `pruned` is an end.
        public var trainsPruned = true
        /// Whether the experiments' recorded runs must all be among the planned trials (an adaptive
        /// search, whose later trials are not planned yet, checks its spec itself: ``SearchRunner``).
        public var checksRecordedRuns = true

        /// Creates options.
        public init(jobs: Int, shard: Shard? = nil, retryFailed: Bool = false) {
            self.jobs = jobs
            self.shard = shard
            self.retryFailed = retryFailed
        }
    }

    /// What happened.
    public struct Outcome: Sendable {
        /// Trials in the selected experiments (and shard).
        public var trials = 0
        /// Runs already finished before this invocation, skipped.
        public var alreadyDone = 0
        /// Runs recovered from dead processes.
        public var recovered = 0
        /// Runs trained to an end now, by status.
        public var counts: [RunStatus: Int] = [:]
        /// Runs another process claimed first.
        public var claimedElsewhere = 0
        /// Whether SIGINT stopped the sweep.
        public var interrupted = false
        /// The scheduler's timings.
        public var summary = Scheduler.Summary()
        /// Errors of runs that failed (their status is `failed`), one line each.
        public var errors: [String] = []
        /// Why results could not be stored (a full disk, an I/O error), if they could not: the
        /// sweep then stopped, and the runs it could not record were returned to `interrupted`.
        public var storageFailure: String?
    }

    /// The experiments.
    public var specs: [ExperimentSpec]
    /// The database.
    public var store: ResultStore
    /// The options.
    public var options: Options
    /// Where plugins come from.
    public var registry: PluginRegistry
    /// The trials, when planned (and so validated) before the store was opened (see ``plan(_:shard:)``).
    public var planned: [(spec: ExperimentSpec, trials: [PlannedTrial])]?

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - specs: the experiments.
    ///   - store: the database.
    ///   - options: what `runner run` was asked to do.
    ///   - registry: where plugins come from.
    ///   - planned: what ``plan(_:shard:)`` returned for `specs` and `options.shard`, if the caller
    ///     planned them already; otherwise ``run(stop:progress:)`` plans them.
    public init(
        specs: [ExperimentSpec],
        store: ResultStore,
        options: Options,
        registry: PluginRegistry = .standard,
        planned: [(spec: ExperimentSpec, trials: [PlannedTrial])]? = nil
    ) {
        self.specs = specs
        self.store = store
        self.options = options
        self.registry = registry
        self.planned = planned
    }

    /// A trial and the settings of its experiment.
    package struct Job: Sendable {
        package var trial: PlannedTrial
        package var checkpoints: ExperimentSpec.Checkpoints
    }

    /// Expands the experiments into their trials (this shard's, when sharded), in order, with
    /// `model.init` resolved (see ``WarmStart``): the run ids are those the runs are recorded under.
    ///
    /// - Throws: ``SpecError`` for an invalid combination of sweep values or an unusable `model.init`.
    public func plannedTrials() throws(SpecError) -> [(spec: ExperimentSpec, trials: [PlannedTrial])] {
        try plan().planned
    }

    /// Expands experiments into their trials (a shard's, when sharded), validating every trial
    /// config: what a caller does before opening a database, so that a refused spec writes nothing.
    /// `model.init` is left as written (resolving it needs the store; see ``plannedTrials()``).
    ///
    /// - Throws: ``SpecError`` for an invalid combination of sweep values or a trial too large.
    public static func plan(_ specs: [ExperimentSpec], shard: Shard?) throws(SpecError) -> [(
        spec: ExperimentSpec, trials: [PlannedTrial]
    )] {
        var planned: [(spec: ExperimentSpec, trials: [PlannedTrial])] = []
        for spec in specs {
            let trials = try spec.trials()
            planned.append((spec, shard.map { $0.select(trials) } ?? trials))
        }
        return planned
    }

    /// ``plannedTrials()`` and the initial states of the trials that name `model.init`.
    private func plan() throws(SpecError) -> (
        planned: [(spec: ExperimentSpec, trials: [PlannedTrial])], states: [String: InitialState]
    ) {
        let raw: [(spec: ExperimentSpec, trials: [PlannedTrial])]
        if let planned = self.planned {
            raw = planned
        } else {
            raw = try Self.plan(specs, shard: options.shard)
        }
        var planned: [(spec: ExperimentSpec, trials: [PlannedTrial])] = []
        var states: [String: InitialState] = [:]
        let warmStart = WarmStart(store: store, registry: registry)
        for (spec, trials) in raw {
            let resolved = try warmStart.canonicalize(trials, file: spec.file)
            planned.append((spec, resolved.trials))
            states.merge(resolved.states) { first, _ in first }
        }
        return (planned, states)
    }

    /// Refuses a sweep whose `jobs` largest trials, trained at once, need more memory than the
    /// schema allows (each trial alone was checked when its config was resolved).
    ///
    /// - Parameters:
    ///   - planned: what ``plan(_:shard:)`` returned.
    ///   - jobs: the workers.
    /// - Throws: ``SpecError`` naming the spec, the memory needed and the `--jobs` that fits.
    public static func checkMemory(_ planned: [(spec: ExperimentSpec, trials: [PlannedTrial])], jobs: Int)
        throws(SpecError)
    {
        var largest: [(bytes: Int, spec: ExperimentSpec)] = []
        for (spec, trials) in planned {
            for trial in trials {
                let bytes = spec.schema.footprint(of: trial.config).bytes ?? .max
                if largest.count < jobs || bytes > (largest.last?.bytes ?? 0) {
                    largest.append((bytes, spec))
                    largest.sort { $0.bytes > $1.bytes }
                    if largest.count > jobs { largest.removeLast() }
                }
            }
        }
        guard let first = largest.first else { return }
        let limit = first.spec.schema.memoryLimit
        var total = 0
        var fitting = 0
        for entry in largest {
            let (sum, overflow) = total.addingReportingOverflow(entry.bytes)
            if overflow || sum > limit { break }
            total = sum
            fitting += 1
        }
        guard fitting < largest.count else { return }
        let needed = largest.reduce(0) { $0.addingReportingOverflow($1.bytes).overflow ? .max : $0 + $1.bytes }
        throw SpecError(
            .outOfRange,
            file: first.spec.file,
            "its \(largest.count) largest trials, trained at once by --jobs \(jobs), need "
                + "\(ConfigSchema.bytesText(needed)) of memory, more than this machine's "
                + "\(ConfigSchema.bytesText(limit)); pass --jobs \(max(1, fitting)) or make the trials smaller."
        )
    }

    /// Runs everything that is not finished yet.
    ///
    /// Everything is checked before the first write: every trial config, every `model.init`, and
    /// the checkpoint folder. A failure to store results (a full disk, an I/O error) is not a
    /// failure of the trials: the sweep stops, the runs it could not record go back to
    /// `interrupted`, and ``Outcome/storageFailure`` says why; running again finishes them.
    ///
    /// - Parameters:
    ///   - stop: set by SIGINT: no new trials start, running ones end as `interrupted`.
    ///   - progress: receives each finished trial; created for the number of runs to train.
    /// - Returns: counts and timings.
    /// - Throws: ``SpecError`` (bad sweep combinations, unusable `model.init`), ``StoreError``
    ///   (the database or the checkpoint folder cannot be used).
    public func run(stop: StopFlag, progress: (Int) -> ProgressReporter?) throws -> Outcome {
        var outcome = Outcome()
        // Every model.init is read and checked before anything is written.
        let (planned, initialStates) = try plan()
        var jobs: [Job] = []
        var seen: Set<String> = []
        // Every spec is checked before the first one is registered, so a refusal writes nothing.
        var allRunIDs: [Set<String>] = []
        for (spec, trials) in planned {
            let all =
                options.shard == nil
                ? trials
                : try WarmStart(store: store, registry: registry).canonicalize(spec.trials(), file: spec.file).trials
            allRunIDs.append(Set(all.map(\.runID)))
            if options.checksRecordedRuns {
                try store.checkRecordedSpec(spec, runIDs: allRunIDs[allRunIDs.count - 1])
            }
        }
        if planned.contains(where: { $0.spec.checkpoints.writesFiles }) {
            try store.prepareCheckpointDirectory()
        }
        for ((spec, trials), runIDs) in zip(planned, allRunIDs) {
            try store.register(spec, trials: trials, allRunIDs: options.checksRecordedRuns ? runIDs : nil)
            for trial in trials where seen.insert(trial.runID).inserted {
                jobs.append(Job(trial: trial, checkpoints: spec.checkpoints))
            }
        }
        outcome.trials = jobs.count
        outcome.recovered = try store.recoverAbandonedRuns().count
        AtomicFile.removeStaleTemporaries(in: store.checkpointDirectory)
        let statuses = try store.statuses(of: jobs.map(\.trial.runID))
        let trainsPruned = options.trainsPruned
        let claimable = Set(ResultStore.claimable(retryFailed: options.retryFailed, pruned: trainsPruned))
        let only = options.only
        let runnable = jobs.filter { job in
            claimable.contains(statuses[job.trial.runID] ?? .pending) && (only?.contains(job.trial.runID) ?? true)
        }
        outcome.alreadyDone = jobs.count - runnable.count
        guard !runnable.isEmpty else { return outcome }

        let reporter = progress(runnable.count)
        let store = self.store
        let registry = self.registry
        let retry = options.retryFailed
        let folder = store.url.deletingLastPathComponent()
        let snapshotted = CheckpointFiles.runsWithSnapshots(folder: folder)
        let checkpointSettings = Dictionary(runnable.map { ($0.trial.runID, $0.checkpoints) }) { first, _ in first }
        let pauses = options.pauses
        let pruningEvery = options.snapshotEvery
        let onPause = options.onPause
        let counts = Mutex([RunStatus: Int]())
        let trained = Mutex([String: RunStatus]())
        let failures = Mutex([String]())
        // A failure to store results stops the sweep (the first one is reported): the trials are
        // not at fault, and training on would only produce more results that cannot be kept.
        let halt = StopFlag(parent: stop)
        let storageFailure = Mutex<(any Error)?>(nil)
        let storageFailed: @Sendable (any Error) -> Void = { error in
            storageFailure.withLock { first in
                if first == nil { first = error }
            }
            halt.set()
        }
        let claims = ClaimAhead(order: runnable.map(\.trial.runID), chunk: 4)
        let heartbeat = Heartbeat(store: store)
        defer { heartbeat.stop() }
        let writer = DispatchQueue(label: "lstm-runner.writer", qos: .utility)
        // Group commit: the checkpoint files of a batch are written unsynced, then made durable
        // together (one syncfs, one directory fsync) just before the rows that point at them are
        // committed, so that a committed row never names a file that a crash could lose.
        let checkpointFolder = store.checkpointDirectory
        let syncCheckpoints: @Sendable () throws -> Void = {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: checkpointFolder.path, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                try AtomicFile.syncBatch(in: checkpointFolder)
            }
        }
        // Up to 64 finished runs may wait for the writer (one batch): workers go on training while
        // a batch of checkpoint files is synced.
        let backlog = DispatchSemaphore(value: 64 + 4 * options.jobs)

        let summary = Scheduler(jobs: options.jobs, registry: registry).run(
            runnable.map(\.trial),
            stop: halt,
            claim: { trial in
                do {
                    return try claims.take(trial.runID) { ids in
                        try store.claim(ids, retryFailed: retry, pruned: trainsPruned)
                    }
                } catch {
                    storageFailed(error)
                    return false
                }
            },
            execute: { trial, stop in
                let settings = checkpointSettings[trial.runID] ?? .standard
                let start = initialStates[trial.runID]
                let runner = Trial(config: trial.config, registry: registry)
                let initial = start ?? runner.initialState()
                let every = Self.snapshotInterval(settings.every, pruning: pruningEvery)
                let resume =
                    every > 0
                    ? CheckpointFiles.latestSnapshot(runID: trial.runID, config: trial.config, folder: folder) : nil
                let pause = pauses[trial.runID]
                var paused = false
                return try runner.run(
                    from: initial,
                    resume: resume,
                    snapshotEvery: every,
                    onSnapshot: { snapshot in
                        try? CheckpointFiles.writeSnapshot(
                            snapshot,
                            trial: trial,
                            trainingSet: initial.trainingSet,
                            folder: folder,
                            level: Int32(settings.compression)
                        )
                        if let pause, snapshot.iteration >= pause {
                            paused = true
                            onPause?(trial, snapshot)
                        }
                    },
                    shouldStop: { stop.isSet || paused }
                )
            },
            record: { trial, outcome in
                // Both ends are taken here, as the trial ends: the writer may get to the row later.
                let finishedAt = Date()
                let finished = ResultStore.timestamp(finishedAt)
                let result: TrialResult
                do {
                    result = try outcome.get()
                } catch {
                    counts.withLock { $0[.failed, default: 0] += 1 }
                    try? store.recordFailure(runID: trial.runID, error: "\(error)")
                    failures.withLock { $0.append("run \(trial.runID): \(error)") }
                    return
                }
                counts.withLock { $0[result.status, default: 0] += 1 }
                trained.withLock { $0[trial.runID] = result.status }
                reporter?.finished(result)
                // Checkpoints and rows are written by one writer queue, so that the workers go
                // straight on to their next trial while files are encoded and synced.
                backlog.wait()
                writer.async {
                    defer { backlog.signal() }
                    do {
                        if result.status == .interrupted {
                            try store.release(trial.runID)
                            return
                        }
                        let settings = checkpointSettings[trial.runID] ?? .standard
                        let written = try CheckpointFiles.write(
                            result,
                            settings: settings,
                            folder: folder,
                            deferSync: true
                        )
                        try store.enqueue(
                            ResultStore.FinishedRun(
                                result: result,
                                checkpoint: written,
                                started: ResultStore.timestamp(finishedAt - result.trainingSeconds),
                                finished: finished,
                                duration: result.trainingSeconds
                            ),
                            beforeFlush: syncCheckpoints
                        )
                        // Only runs that snapshot now or did before have snapshots to remove
                        // (listing the folder after every run would cost time growing with the sweep).
                        if settings.every > 0 || pruningEvery > 0 || snapshotted.contains(trial.runID) {
                            CheckpointFiles.removeSnapshots(runID: trial.runID, folder: folder)
                        }
                    } catch {
                        // The result could not be stored: the run is not finished, and is trained
                        // again by the next invocation (same bits).
                        storageFailed(error)
                        try? store.release(trial.runID)
                    }
                }
            }
        )
        writer.sync {}
        do {
            try syncCheckpoints()
            try store.flush()
        } catch {
            storageFailed(error)
        }
        let failedStorage = storageFailure.withLock { $0 != nil }
        if failedStorage {
            // The checkpoint files of runs whose rows could not be committed name nothing: removing
            // them makes room (on a full disk) to return the runs to `interrupted`.
            for runID in (try? store.heldRuns()) ?? [] {
                CheckpointFiles.removeUnrecorded(runID: runID, folder: folder)
            }
        }
        if halt.isSet {
            do {
                try store.releaseClaims()
            } catch {
                // Best effort on a full disk: the next invocation recovers the runs of this (then
                // dead) process anyway.
                storageFailed(error)
            }
        }
        reporter?.finish()
        outcome.summary = summary
        outcome.counts = counts.withLock { $0 }
        if failedStorage {
            // Count as interrupted what trained to an end but could not be recorded.
            let results = trained.withLock { $0 }
            let recorded = (try? store.statuses(of: Array(results.keys))) ?? [:]
            for (runID, status) in results where status != .interrupted && recorded[runID] != status {
                outcome.counts[status, default: 0] -= 1
                outcome.counts[.interrupted, default: 0] += 1
            }
            outcome.counts = outcome.counts.filter { $0.value > 0 }
        }
        outcome.claimedElsewhere = summary.skipped
        outcome.interrupted = stop.isSet
        outcome.errors = failures.withLock { $0 }
        outcome.storageFailure = storageFailure.withLock { $0 }.map(Self.storageFailureText)
        return outcome
    }

    /// One line for a failure to store results: `disk full` first when it is that.
    package static func storageFailureText(_ error: any Error) -> String {
        if let (file, reason) = diskFull(error) {
            return "disk full: cannot write \(file) (\(reason)); the sweep stopped: free some space, then run the "
                + "same command again to finish it (its unfinished runs are interrupted, not failed)."
        }
        return "cannot store results: \(error) The sweep stopped; its unfinished runs are interrupted, not failed: "
            + "run the same command again once this is fixed."
    }

    /// The file and the reason when `error` comes from a full disk or quota: `ENOSPC` or `EDQUOT`
    /// writing a file, `SQLITE_FULL` from the database.
    package static func diskFull(_ error: any Error) -> (file: String, reason: String)? {
        let full: Set<Int32> = [ENOSPC, EDQUOT]
        switch error {
        case let error as StoreError where error.code == .diskFull:
            return (error.file, error.problem)
        case let error as AtomicFileError where error.systemError.map(full.contains) == true:
            return (error.path, error.reason)
        case let error as CheckpointError where error.systemError.map(full.contains) == true:
            return (error.file, error.systemError.map { String(cString: strerror($0)) } ?? "")
        default:
            return nil
        }
    }
}

/// Refreshes the heartbeat of this process's running runs every 5 seconds, on a timer.
package final class Heartbeat: Sendable {
    private let timer: Mutex<(any DispatchSourceTimer)?>

    package init(store: ResultStore, every interval: DispatchTimeInterval = .seconds(5)) {
        let source = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        source.schedule(deadline: .now() + interval, repeating: interval)
        source.setEventHandler { try? store.heartbeat() }
        source.resume()
        timer = Mutex(source)
    }

    package func stop() {
        timer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
    }
}

/// Claims runs a few at a time, ahead of the workers: one transaction for the next `chunk`
/// runs in hand-out order, instead of one per run. Runs claimed but not started when the sweep
/// stops are released with the others (``ResultStore/releaseClaims()``).
package final class ClaimAhead: Sendable {
    private struct State {
        var held: Set<String> = []
        var asked: Set<String> = []
    }

    private let order: [String]
    private let position: [String: Int]
    private let chunk: Int
    private let state = Mutex(State())

    package init(order: [String], chunk: Int) {
        self.order = order
        position = Dictionary(order.enumerated().map { ($1, $0) }) { first, _ in first }
        self.chunk = chunk
    }

    /// Whether this process holds `runID`, claiming it and the next runs if not asked yet.
    ///
    /// The claim runs under the lock, so that a worker never sees a run as asked for but not
    /// yet won (claims were serialized by the database anyway).
    package func take(_ runID: String, claim: ([String]) throws -> Set<String>) throws -> Bool {
        try state.withLock { state in
            if state.held.remove(runID) != nil { return true }
            if state.asked.contains(runID) { return false }
            let start = position[runID] ?? 0
            let ids = order[start..<min(order.count, start + chunk)].filter { !state.asked.contains($0) }
            state.asked.formUnion(ids)
            let won = try claim(ids)
            state.held.formUnion(won.subtracting([runID]))
            return won.contains(runID)
        }
    }
}
