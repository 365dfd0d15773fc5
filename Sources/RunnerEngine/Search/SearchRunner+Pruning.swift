import Foundation
import RunnerFiles
import RunnerModel
import RunnerSpec
import RunnerStore

/// Pruned sweeps: successive halving and the median rule over a grid or random sweep.
///
/// The sweep advances rung by rung (``Rungs/rungs(minIterations:reduction:iterations:)``). At rung
/// `R` every trial still in the cohort trains to iteration `R` (from its snapshot at the rung
/// before), is paused there with a snapshot and its metric recorded in the `rungs` table; once the
/// whole cohort has reported, the rule decides in trial order (``Rungs``), the decisions are
/// recorded, the losers become `pruned` (iterations run: `R`), and the others go on to the next
/// rung. After the last rung the survivors train to the end and are recorded as any run is; their
/// bits are those of an unpruned run of the same config, since resuming from a snapshot is exact.
///
/// A decision depends only on the recorded metrics of the cohort, so the decisions (and every
/// result) are the same at any `--jobs`, after an interruption and a rerun (recorded metrics and
/// decisions are read back, not recomputed by training), and with several processes sharing the
/// database (each waits for the rung's runs that another process holds, then computes the same
/// decisions; the first record of each stands).
extension SearchRunner {
    /// Whether a status is an end (the run is trained no further).
    static func isFinal(_ status: RunStatus?) -> Bool {
        switch status {
        case .completed?, .diverged?, .failed?, .pruned?: true
        default: false
        }
    }

    /// The metric a snapshot shows at a rung: the validation loss of the pass at the rung (where the
    /// task has one and `metric` is not `final_loss`), else the training loss of the rung's iteration.
    package static func metric(
        of snapshot: TrainingSnapshot, at rung: Int, metric: PruningSettings.Metric?
    ) -> Double? {
        let training = rung >= 1 && rung <= snapshot.losses.count ? snapshot.losses[rung - 1] : nil
        let validation = snapshot.evaluations.first { $0.iteration == rung }?.validationLoss
        switch metric {
        case .validationLoss?: return validation
        case .finalLoss?: return training
        case nil: return validation ?? training
        }
    }

    /// Runs a pruned sweep to its end, or until `stop` is set.
    func runPruned(_ pruning: PruningSettings, stop: StopFlag, progress: (Int) -> ProgressReporter?) throws
        -> SweepRunner.Outcome
    {
        let base = SweepRunner(specs: [spec], store: store, options: options, registry: registry)
        var seen: Set<String> = []
        let trials = (try base.plannedTrials().first?.trials ?? []).filter { seen.insert($0.runID).inserted }
        let ids = trials.map(\.runID)
        let iterations = trials.first?.config.iterations ?? 0
        let rungs = Rungs.rungs(
            minIterations: pruning.minIterations, reduction: pruning.reduction, iterations: iterations)
        // Registered here: when every run is finished already (under another experiment, say),
        // no pass below registers them.
        try store.checkRecordedSpec(spec, runIDs: Set(ids))
        try store.register(spec, trials: trials, allRunIDs: Set(ids))
        return try prune(trials, after: [], pruning: pruning, rungs: rungs, stop: stop, progress: progress)
    }

    /// Trains `trials` rung by rung, pruning as `pruning` says: a pruned sweep's trials, or one
    /// round of a tpe search under the median rule.
    ///
    /// - Parameters:
    ///   - trials: the trials to train (registered).
    ///   - earlier: trials before them (a tpe search's earlier rounds, finished): the median rule
    ///     compares with their recorded metrics too, as with any earlier trial.
    ///   - pruning: the rule.
    ///   - rungs: the rungs.
    ///   - stop: set by SIGINT.
    ///   - progress: as for ``SweepRunner/run(stop:progress:)``.
    /// - Returns: the counts; `trials` counts `earlier` too, and `alreadyDone` them.
    /// - Throws: as ``SweepRunner/run(stop:progress:)``.
    func prune(
        _ trials: [PlannedTrial], after earlier: [PlannedTrial], pruning: PruningSettings, rungs: [Int],
        stop: StopFlag, progress: (Int) -> ProgressReporter?
    ) throws -> SweepRunner.Outcome {
        let ids = trials.map(\.runID)
        let iterations = trials.first?.config.iterations ?? 0
        let planned = earlier + trials
        var total = SweepRunner.Outcome()
        total.trials = planned.count
        let initial = try store.statuses(of: ids)
        total.alreadyDone = earlier.count + ids.filter { Self.isFinal(initial[$0]) }.count
        let folder = store.url.deletingLastPathComponent()
        // Each group decides at its own rungs over its own cohort: one group for successive
        // halving and the median rule, Hyperband's brackets for hyperband.
        var groups = Self.groups(trials, pruning: pruning, iterations: iterations)
        for rung in rungs {
            let deciding = groups.indices.filter { groups[$0].rungs.contains(rung) }
            // 1. Every trial of the deciding cohorts reaches the rung (or an end of its own).
            guard
                try trainCohort(
                    deciding.flatMap { groups[$0].cohort }, to: rung, trials: planned, pruning: pruning,
                    folder: folder, total: &total, stop: stop, progress: progress)
            else { return total }
            // 2. The decisions of each cohort, in trial order, over the trials that reported a metric
            // there. Those that ended on their own before the rung (a target loss, divergence) left
            // no record there; those pruned there by an earlier invocation did, and count again.
            for index in deciding {
                groups[index].cohort = try decide(
                    groups[index].cohort, at: rung, after: earlier, pruning: pruning, label: groups[index].label,
                    folder: folder, total: &total)
            }
        }
        // 3. The survivors train to the end, from their last rung.
        _ = try trainCohort(
            groups.flatMap(\.cohort), to: nil, trials: planned, pruning: pruning, folder: folder, total: &total,
            stop: stop, progress: progress)
        return total
    }

    /// The cohorts of a pruned sweep, each with the rungs it decides at: all trials at every rung,
    /// or for Hyperband the trials dealt in trial order to the brackets (``Rungs/hyperband(minIterations:reduction:iterations:)``,
    /// `s = sMax` first, each taking its `n` trials, again from the first bracket while trials remain).
    package static func groups(_ trials: [PlannedTrial], pruning: PruningSettings, iterations: Int) -> [(
        cohort: [PlannedTrial], rungs: Set<Int>, label: String
    )] {
        let rungs = Rungs.rungs(
            minIterations: pruning.minIterations, reduction: pruning.reduction, iterations: iterations)
        guard pruning.method == .hyperband else { return [(trials, Set(rungs), "")] }
        let brackets = Rungs.hyperband(
            minIterations: pruning.minIterations, reduction: pruning.reduction, iterations: iterations)
        var groups: [(cohort: [PlannedTrial], rungs: Set<Int>, label: String)] = []
        var next = 0
        var pass = 0
        while next < trials.count {
            for bracket in brackets where next < trials.count {
                let end = min(trials.count, next + bracket.trials)
                groups.append(
                    (
                        Array(trials[next..<end]), Set(bracket.rungs),
                        " (hyperband bracket s=\(bracket.index)"
                            + (pass > 0 ? ", pass \(pass + 1))" : ")")
                    ))
                next = end
            }
            pass += 1
        }
        return groups
    }

    /// Takes one cohort's decisions at a rung and records them.
    ///
    /// Trials `earlier` than the cohort (the median rule only) that reached the rung are the
    /// first of the trials the rule compares with; their own decisions stand.
    ///
    /// - Returns: the trials that go on, in trial order.
    private func decide(
        _ cohort: [PlannedTrial], at rung: Int, after earlier: [PlannedTrial], pruning: PruningSettings,
        label: String, folder: URL, total: inout SweepRunner.Outcome
    ) throws -> [PlannedTrial] {
        let records = try store.rungs(of: (earlier + cohort).map(\.runID))
        func metric(_ trial: PlannedTrial) -> Double? {
            guard let record = records[trial.runID]?.first(where: { $0.iteration == rung }) else { return nil }
            return record.metric ?? .nan
        }
        let before = earlier.compactMap(metric)
        let reporting = cohort.filter { metric($0) != nil }
        let metrics = reporting.map { metric($0) ?? .nan }
        let decisions = Array(pruning.decisions(before + metrics).dropFirst(before.count))
        var reasons: [String: String] = [:]
        let name = pruning.metric?.rawValue ?? "loss"
        for (index, trial) in reporting.enumerated() where !decisions[index] {
            let value = metrics[index].isFinite ? String(format: "%.6g", metrics[index]) : "not finite"
            reasons[trial.runID] =
                pruning.method == .median
                ? "pruned at iteration \(rung): \(name) \(value) is worse than the median of the earlier trials there"
                : "pruned at iteration \(rung): \(name) \(value) is not among the best "
                    + "\(Rungs.survivors(cohort: reporting.count, reduction: pruning.reduction)) of \(reporting.count)"
                    + label
        }
        let statuses = try store.statuses(of: reporting.map(\.runID))
        try store.recordRungDecisions(
            zip(reporting, decisions).map { ($0.runID, $1) }, iteration: rung, reasons: reasons)
        let after = try store.statuses(of: reporting.map(\.runID))
        for trial in reporting where statuses[trial.runID] != .pruned && after[trial.runID] == .pruned {
            total.counts[.pruned, default: 0] += 1
            CheckpointFiles.removeSnapshots(runID: trial.runID, folder: folder)
        }
        return zip(reporting, decisions).filter(\.1).map(\.0)
    }

    /// Trains the trials of `cohort` that have not reported at `rung` yet to it (to the end when
    /// `nil`), waiting for those another process holds, and records their metrics there.
    ///
    /// - Returns: `false` when the sweep must stop (a signal, a storage failure).
    private func trainCohort(
        _ cohort: [PlannedTrial], to rung: Int?, trials: [PlannedTrial], pruning: PruningSettings, folder: URL,
        total: inout SweepRunner.Outcome, stop: StopFlag, progress: (Int) -> ProgressReporter?
    ) throws -> Bool {
        var passes = 0
        while true {
            let statuses = try store.statuses(of: cohort.map(\.runID))
            let records = try store.rungs(of: cohort.map(\.runID))
            // Paused at the rung by a pass (this one's or another process's): record the metric.
            if let rung {
                for trial in cohort
                where statuses[trial.runID] == .interrupted
                    && records[trial.runID]?.contains(where: { $0.iteration == rung }) != true
                {
                    guard
                        let snapshot = CheckpointFiles.latestSnapshot(
                            runID: trial.runID, config: trial.config, folder: folder),
                        snapshot.iteration == rung
                    else { continue }
                    try store.recordRungMetric(
                        runID: trial.runID, iteration: rung,
                        metric: Self.metric(of: snapshot, at: rung, metric: pruning.metric))
                }
            }
            let recorded = try store.rungs(of: cohort.map(\.runID))
            let pending = cohort.filter { trial in
                guard !Self.isFinal(statuses[trial.runID]) else { return false }
                guard let rung else { return true }
                return recorded[trial.runID]?.contains { $0.iteration == rung } != true
            }
            if pending.isEmpty { return true }
            if stop.isSet { return false }
            let held = pending.contains { statuses[$0.runID] == .running }
            if passes > 0 && held {
                Thread.sleep(forTimeInterval: pollInterval)
            } else if passes > 1 && !held {
                // Trained twice and still no metric at the rung (its snapshot could not be written).
                total.errors.append(
                    "\(pending.count) runs could not be paused at iteration \(rung ?? 0) with a snapshot; "
                        + "run the same command again to retry them.")
                return false
            }
            var options = self.options
            options.only = Set(pending.map(\.runID))
            options.trainsPruned = false
            options.pauses =
                rung.map { rung in Dictionary(uniqueKeysWithValues: pending.map { ($0.runID, rung) }) } ?? [:]
            options.snapshotEvery = pruning.minIterations
            if let rung {
                let store = self.store
                let metric = pruning.metric
                options.onPause = { trial, snapshot in
                    try? store.recordRungMetric(
                        runID: trial.runID, iteration: rung, metric: Self.metric(of: snapshot, at: rung, metric: metric)
                    )
                }
            }
            let runner = SweepRunner(
                specs: [spec], store: store, options: options, registry: registry, planned: [(spec, trials)])
            var outcome = try runner.run(stop: stop, progress: passes == 0 ? progress : { _ in nil })
            passes += 1
            if rung != nil, !stop.isSet {
                // Paused, not interrupted.
                outcome.counts[.interrupted] = nil
                outcome.summary.interrupted = 0
            }
            outcome.alreadyDone = 0
            outcome.trials = 0
            total.add(outcome, alreadyCounted: 0)
            if outcome.storageFailure != nil || stop.isSet { return false }
        }
    }
}
