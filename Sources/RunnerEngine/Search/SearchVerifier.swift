import Foundation
import RunnerModel
import RunnerSpec
import RunnerStore

/// `runner verify` of an adaptive search: every run is trained again (a pruned one to its rung,
/// its metric reproduced at each rung it passed), then the search is replayed decision by
/// decision from what was reproduced: the tpe sampler's suggestions round by round, or each rung's
/// decisions, compared with the trials and decisions the database records.
extension Verifier {
    /// What training a run again gave: the inputs of the search's decisions.
    public struct Reproduction: Sendable {
        /// `completed` or `diverged`; `pruned` for a pruned run trained again to its rung.
        public var status: RunStatus
        /// The iterations trained.
        public var iterations: Int
        /// The final loss (`nil` when not finite or pruned).
        public var finalLoss: Double?
        /// The final validation loss, where the task has one.
        public var validationLoss: Double?
        /// The metric at each rung passed (pruned sweeps), NaN where it was not finite.
        public var rungMetrics: [Int: Double]

        /// The outcome as the search ranks it.
        var searchOutcome: ResultStore.SearchOutcome {
            ResultStore.SearchOutcome(
                status: status, finalLoss: status == .pruned ? nil : finalLoss,
                validationLoss: status == .pruned ? nil : validationLoss, iterationsRun: iterations)
        }
    }

    /// What to check of a run of a pruned sweep: the rules of its experiment and its recorded rungs.
    public struct RungCheck: Sendable {
        /// Its experiment's `pruning` section.
        public var pruning: PruningSettings
        /// Its recorded rungs.
        public var recorded: [ResultStore.RungRecord]
    }

    /// The replay of a search: how many decisions it checked and those that differ, one line each.
    public struct SearchReplay: Sendable {
        /// What was replayed: "suggestions" or "rung decisions".
        public var kind: String
        /// The decisions replayed.
        public var checked = 0
        /// One line per decision that differs (the replay stops at the first for a tpe search).
        public var differences: [String] = []
        /// Why the search could not be replayed (it is not finished, say), if it could not.
        public var skipped: String?
    }

    /// The spec an experiment was last run from, when it is an adaptive search (tpe or pruned).
    ///
    /// - Throws: ``StoreError``.
    public func adaptiveSpec(_ experiment: String) throws(StoreError) -> ExperimentSpec? {
        guard let spec = recordedSpec(experiment), spec.isAdaptive else { return nil }
        return spec
    }

    private func recordedSpec(_ experiment: String) -> ExperimentSpec? {
        guard let record = try? store.experiment(experiment) else { return nil }
        return try? SpecLoader(schema: ConfigSchema(registry: registry)).load(
            data: Data(record.specText.utf8), file: record.specFile, force: true)
    }

    /// The rung checks of those of `runs` that belong to a pruned sweep (or have recorded rungs).
    ///
    /// - Throws: ``StoreError``.
    public func rungChecks(for runs: [RunRecord]) throws(StoreError) -> [String: RungCheck] {
        let recorded = try store.rungs(of: runs.map(\.id))
        var specs: [String: PruningSettings?] = [:]
        var checks: [String: RungCheck] = [:]
        for run in runs where run.status == .pruned || recorded[run.id] != nil {
            for name in try store.experiments(holding: run.id) {
                if specs[name] == nil { specs[name] = .some(recordedSpec(name)?.pruning) }
                if let pruning = specs[name] ?? nil {
                    checks[run.id] = RungCheck(pruning: pruning, recorded: recorded[run.id] ?? [])
                    break
                }
            }
        }
        return checks
    }

    /// The first difference between a run's recorded rung metrics and those reproduced, as a line.
    static func rungDifference(_ recorded: [ResultStore.RungRecord], reproduced: [Int: Double]) -> String? {
        for record in recorded {
            guard let now = reproduced[record.iteration] else {
                return
                    "its metric at rung \(record.iteration) is recorded, but training it again did not reach the rung"
            }
            // A metric that was not finite is recorded as NULL.
            let same = record.metric.map { $0.bitPattern == now.bitPattern } ?? !now.isFinite
            if !same {
                return "metric at rung \(record.iteration): recorded \(format(record.metric)), now \(format(now))"
            }
        }
        return nil
    }

    /// Replays an adaptive search from the reproduced outcomes of its runs.
    ///
    /// - Parameters:
    ///   - spec: the experiment's spec (``adaptiveSpec(_:)``).
    ///   - outcomes: the verification of every finished or pruned run of the experiment.
    /// - Returns: the replay.
    /// - Throws: ``StoreError``; ``SpecError`` when the spec no longer makes its trials.
    public func replay(_ spec: ExperimentSpec, outcomes: [Outcome]) throws -> SearchReplay {
        let runs = try store.runs(ofExperiment: spec.name)
        let kind = spec.pruning != nil ? "rung decisions" : "suggestions"
        if let open = runs.first(where: { !SearchRunner.isFinal($0.status) }) {
            return SearchReplay(
                kind: kind,
                skipped: "the search is not finished (run \(open.id) is \(open.status.rawValue)); "
                    + "run it to its end, then verify again")
        }
        var reproduced: [String: Reproduction] = [:]
        for outcome in outcomes {
            reproduced[outcome.runID] = outcome.reproduction
        }
        guard spec.search?.method == .tpe else {
            var seen: Set<String> = []
            let trials =
                (try SweepRunner(specs: [spec], store: store, options: .init(jobs: 1), registry: registry)
                .plannedTrials().first?.trials ?? []).filter { seen.insert($0.runID).inserted }
            guard let pruning = spec.pruning else { return SearchReplay(kind: kind) }
            return try replayRungs(pruning, trials: trials, runs: runs, reproduced: reproduced)
        }
        var (replay, trials) = try replaySuggestions(spec, runs: runs, reproduced: reproduced)
        if let pruning = spec.pruning, replay.differences.isEmpty {
            // The median rule looks only at earlier trials: over the whole search in trial order,
            // it takes the decisions the search took round by round.
            let rungs = try replayRungs(pruning, trials: trials, runs: runs, reproduced: reproduced)
            replay.kind = "suggestions and rung decisions"
            replay.checked += rungs.checked
            replay.differences += rungs.differences
        }
        return replay
    }

    /// A tpe search, round by round: each round's suggestions, made from the reproduced outcomes
    /// of the rounds before, must be the recorded runs in trial order.
    ///
    /// - Returns: the replay, and the search's trials (each run once, in trial order).
    private func replaySuggestions(_ spec: ExperimentSpec, runs: [RunRecord], reproduced: [String: Reproduction])
        throws -> (SearchReplay, [PlannedTrial])
    {
        var replay = SearchReplay(kind: "suggestions")
        var unique: [PlannedTrial] = []
        guard let search = spec.search else { return (replay, unique) }
        let sampler = TPESampler(dimensions: spec.searchDimensions)
        // A run that failed has no reproduction: it ranks last, as it did in the search.
        var outcomes: [String: ResultStore.SearchOutcome] = [:]
        for run in runs {
            outcomes[run.id] =
                reproduced[run.id]?.searchOutcome
                ?? ResultStore.SearchOutcome(
                    status: run.status, finalLoss: nil, validationLoss: nil, iterationsRun: nil)
        }
        var trials: [PlannedTrial] = []
        var seen: Set<String> = []
        var position = 0
        var round = 0
        while !search.roundRange(round).isEmpty {
            let suggested = try SearchRunner.suggestions(
                spec, round: round, after: trials, outcomes: outcomes, sampler: sampler)
            // With model.init, the run ids are the canonical ones.
            let canonical =
                try SweepRunner(
                    specs: [spec], store: store, options: .init(jobs: 1), registry: registry,
                    planned: [(spec, trials + suggested)]
                ).plannedTrials().first?.trials ?? []
            for trial in canonical.dropFirst(trials.count) where seen.insert(trial.runID).inserted {
                unique.append(trial)
                replay.checked += 1
                let recorded = position < runs.count ? runs[position].id : nil
                position += 1
                guard recorded != trial.runID else { continue }
                let label = trial.swept.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.description)" }
                    .joined(separator: ", ")
                replay.differences.append(
                    "trial \(trial.index) (round \(round)): the sampler suggests run \(trial.runID.prefix(12)) "
                        + "(\(label)), but \(recorded.map { "run \($0.prefix(12))" } ?? "no run") is recorded there")
                return (replay, unique)
            }
            trials = canonical
            round += 1
        }
        if position < runs.count {
            replay.differences.append(
                "\(runs.count - position) recorded runs (from \(runs[position].id.prefix(12))) are not among the "
                    + "search's \(position) trials")
        }
        return (replay, unique)
    }

    /// A pruned sweep, rung by rung: each cohort's decisions, taken by the spec's rule over the
    /// reproduced metrics, must be the recorded ones.
    private func replayRungs(
        _ pruning: PruningSettings, trials: [PlannedTrial], runs: [RunRecord], reproduced: [String: Reproduction]
    ) throws -> SearchReplay {
        var replay = SearchReplay(kind: "rung decisions")
        guard trials.map(\.runID) == runs.map(\.id) else {
            let index =
                zip(trials, runs).enumerated().first { $1.0.runID != $1.1.id }?.offset ?? min(trials.count, runs.count)
            replay.differences.append(
                "the spec makes \(trials.count) trials and \(runs.count) runs are recorded; they first differ at trial "
                    + "\(index)")
            return replay
        }
        let recorded = try store.rungs(of: runs.map(\.id))
        let iterations = trials.first?.config.iterations ?? 0
        var groups = SearchRunner.groups(trials, pruning: pruning, iterations: iterations)
        let name = pruning.metric?.rawValue ?? "metric"
        for rung in Rungs.rungs(
            minIterations: pruning.minIterations, reduction: pruning.reduction, iterations: iterations)
        {
            for index in groups.indices where groups[index].rungs.contains(rung) {
                let cohort = groups[index].cohort
                // Those that ended before the rung (a target loss, divergence, a failure) do not report.
                let reporting = cohort.filter { trial in
                    if let reproduction = reproduced[trial.runID] { return reproduction.rungMetrics[rung] != nil }
                    return recorded[trial.runID]?.contains { $0.iteration == rung } == true
                }
                let metrics = reporting.map { trial in
                    reproduced[trial.runID]?.rungMetrics[rung]
                        ?? recorded[trial.runID]?.first { $0.iteration == rung }?.metric ?? .nan
                }
                let decisions = pruning.decisions(metrics)
                let reportingIDs = Set(reporting.map(\.runID))
                for trial in cohort where !reportingIDs.contains(trial.runID) {
                    if recorded[trial.runID]?.contains(where: { $0.iteration == rung }) == true {
                        replay.differences.append(
                            "rung \(rung): run \(trial.runID.prefix(12)) is recorded there, but in the replay it "
                                + "ended before it")
                    }
                }
                for (trial, continues) in zip(reporting, decisions) {
                    replay.checked += 1
                    let decision = recorded[trial.runID]?.first { $0.iteration == rung }?.decision
                    let replayed = continues ? "continue" : "pruned"
                    guard decision != replayed else { continue }
                    let metric = metrics[reporting.firstIndex { $0.runID == trial.runID } ?? 0]
                    replay.differences.append(
                        "rung \(rung)\(groups[index].label): run \(trial.runID.prefix(12)) (\(name) "
                            + "\(Self.format(metric))) is recorded \(decision ?? "without a decision"), the replay "
                            + "says \(replayed) (cohort of \(reporting.count))")
                }
                groups[index].cohort = zip(reporting, decisions).filter(\.1).map(\.0)
            }
        }
        return replay
    }
}
