import Foundation
import RunnerModel
import RunnerSpec
import RunnerStore

/// Runs an adaptive search (`"search": {"method": "tpe"}`) into a results database, in rounds.
///
/// Round 0 is the startup trials (the random axes' first draws); round `k` is `batch` trials that
/// ``TPESampler`` suggests from the results of rounds `0..<k`, read from the database in trial
/// order. A round starts only once every trial before it has a final status, so the history
/// (which trials exist, their configs and so their bits) is the same whatever `--jobs` is, however
/// the workers interleave, and after an interruption and a rerun: a rerun recomputes the same
/// suggestions from the same recorded results and trains only what is not finished.
///
/// Each round is trained by ``SweepRunner`` over the trials so far (the finished ones are skipped),
/// so claims, heartbeats, checkpoints and batched writes are the sweep's own. Several processes
/// may share the database: each waits for the round's runs that another process holds, then
/// computes the same next round. Shards cannot take part (their databases do not see each other's
/// results): ``refuseUnsupported(_:shard:retryFailed:)``.
public struct SearchRunner: Sendable {
    /// The experiment.
    public var spec: ExperimentSpec
    /// The database.
    public var store: ResultStore
    /// The options (`shard` must be `nil`).
    public var options: SweepRunner.Options
    /// Where plugins come from.
    public var registry: PluginRegistry
    /// How long to wait between looks at runs another process holds.
    public var pollInterval: Double = 1

    /// Creates a search runner.
    public init(spec: ExperimentSpec, store: ResultStore, options: SweepRunner.Options, registry: PluginRegistry) {
        self.spec = spec
        self.store = store
        self.options = options
        self.registry = registry
    }

    /// Refuses what an adaptive search cannot do: shards, `--retry-failed`, and pruning a tpe search
    /// by a rule that needs a fixed cohort (successive halving, Hyperband).
    ///
    /// - Throws: ``SpecError`` naming the spec and what to do instead.
    public static func refuseUnsupported(_ specs: [ExperimentSpec], shard: Shard?, retryFailed: Bool = false)
        throws(SpecError)
    {
        if retryFailed, let spec = specs.first(where: \.isAdaptive) {
            throw SpecError(
                .badSweep, file: spec.file,
                "is an adaptive search, whose later suggestions and rung decisions were taken with its failed runs "
                    + "ranked last; --retry-failed would change those results under them. Run it without "
                    + "--retry-failed, or under another \"name\" (or --db) to start the search again.")
        }
        if let spec = specs.first(where: {
            $0.search?.method == .tpe && $0.pruning.map { $0.method != .median } == true
        }), let method = spec.pruning?.method {
            throw SpecError(
                .badSweep, file: spec.file, keyPath: "pruning.method",
                "is \"\(method.rawValue)\" on a tpe search, whose trials come round by round, while \(method.rawValue) "
                    + "compares a fixed cohort at each rung; use \"median\" (it compares each trial with the earlier "
                    + "ones), or prune a grid or random sweep.")
        }
        guard shard != nil, let spec = specs.first(where: \.isAdaptive) else { return }
        let what = spec.search?.method == .tpe ? "a tpe search" : "a pruned sweep"
        throw SpecError(
            .badSweep, file: spec.file,
            "is \(what), whose rounds need every result of the round before, and shards write separate "
                + "databases; run it without --shard (several runner run processes may share one --db).")
    }

    /// The observations TPE learns from, in trial order: the objective
    /// (``RunRanking/objective(status:finalLoss:validationLoss:)``) is the validation loss where the
    /// run has one, else its final loss; a run that failed or diverged has none.
    package static func observations(
        _ trials: [PlannedTrial], outcomes: [String: ResultStore.SearchOutcome], dimensions: [SearchDimension]
    ) -> [TPESampler.Observation] {
        trials.map { trial in
            let values = dimensions.map { trial.config.value(at: $0.path)?.configValue ?? .null }
            let objective = outcomes[trial.runID].flatMap { outcome in
                RunRanking.objective(
                    status: outcome.status, finalLoss: outcome.finalLoss, validationLoss: outcome.validationLoss)
            }
            return TPESampler.Observation(values: values, objective: objective)
        }
    }

    /// The trials of one round of a tpe search: round 0's are the startup trials; a later round's
    /// are what `sampler` suggests from the outcomes of the trials of the rounds before, in trial order.
    ///
    /// - Parameters:
    ///   - spec: the experiment (a tpe search).
    ///   - round: from 0.
    ///   - trials: the trials of rounds `0..<round`, in trial order.
    ///   - outcomes: their outcomes, by run id (``ResultStore/searchOutcomes(of:)``, or what
    ///     ``Verifier`` reproduced).
    ///   - sampler: the spec's sampler.
    /// - Returns: the round's trials, as the spec resolves them (`model.init` not yet resolved).
    /// - Throws: ``SpecError`` when a suggestion makes an invalid config.
    package static func suggestions(
        _ spec: ExperimentSpec, round: Int, after trials: [PlannedTrial], outcomes: [String: ResultStore.SearchOutcome],
        sampler: TPESampler
    ) throws(SpecError) -> [PlannedTrial] {
        guard let search = spec.search else { return [] }
        if round == 0 { return try spec.trials() }
        let range = search.roundRange(round)
        let history = observations(trials, outcomes: outcomes, dimensions: spec.searchDimensions)
        let points = sampler.suggest(history: history, count: range.count, seed: UInt64(search.seed))
        var suggested: [PlannedTrial] = []
        for (offset, values) in points.enumerated() {
            suggested.append(try spec.searchTrial(index: range.lowerBound + offset, values: values))
        }
        return suggested
    }

    /// Runs the search to its last trial, or until `stop` is set.
    ///
    /// - Parameters:
    ///   - stop: set by SIGINT: the round stops as a sweep does, and no further round starts.
    ///   - progress: as for ``SweepRunner/run(stop:progress:)``, called once a round.
    /// - Returns: the counts of all rounds.
    /// - Throws: as ``SweepRunner/run(stop:progress:)``.
    public func run(stop: StopFlag, progress: (Int) -> ProgressReporter?) throws -> SweepRunner.Outcome {
        try Self.refuseUnsupported([spec], shard: options.shard, retryFailed: options.retryFailed)
        if let pruning = spec.pruning, spec.search?.method != .tpe {
            return try runPruned(pruning, stop: stop, progress: progress)
        }
        guard let search = spec.search, search.method == .tpe else {
            return try SweepRunner(
                specs: [spec], store: store, options: options, registry: registry
            ).run(stop: stop, progress: progress)
        }
        try checkRecordedSpec()
        var options = self.options
        options.checksRecordedRuns = false
        let sampler = TPESampler(dimensions: spec.searchDimensions)
        var trials: [PlannedTrial] = []
        var total = SweepRunner.Outcome()
        var round = 0
        while !search.roundRange(round).isEmpty {
            let outcomes = round == 0 ? [:] : try store.searchOutcomes(of: trials.map(\.runID))
            let suggested = try Self.suggestions(
                spec, round: round, after: trials, outcomes: outcomes, sampler: sampler)
            let suggestedCount = suggested.count
            trials += suggested
            let runner = SweepRunner(
                specs: [spec], store: store, options: options, registry: registry, planned: [(spec, trials)])
            // model.init gives the runs their ids: the results are looked up under those.
            let canonical = try runner.plannedTrials().first?.trials ?? trials
            let previous = total.trials
            if try isWhole(canonical) {
                // Finished by an earlier invocation: replayed from the database, nothing to train (a
                // round is only started once the one before is whole, so no later round has runs yet
                // unless this one is whole).
                // Registered all the same: the runs may be another experiment's.
                try store.register(spec, trials: canonical)
                let unique = Set(canonical.map(\.runID)).count
                total.alreadyDone += unique - previous
                total.trials = unique
                trials = canonical
                round += 1
                continue
            }
            var outcome: SweepRunner.Outcome
            if let pruning = spec.pruning {
                // The median rule, rung by rung over the round, comparing with every earlier trial.
                try store.register(spec, trials: canonical)
                // A suggestion that repeats an earlier trial is that run: not trained again.
                var seen = Set<String>()
                let earlier = canonical.prefix(trials.count - suggestedCount).filter { seen.insert($0.runID).inserted }
                let fresh = canonical.dropFirst(trials.count - suggestedCount).filter { seen.insert($0.runID).inserted }
                let rungs = Rungs.rungs(
                    minIterations: pruning.minIterations, reduction: pruning.reduction,
                    iterations: fresh.first?.config.iterations ?? 0)
                outcome = try prune(
                    fresh, after: earlier, pruning: pruning, rungs: rungs, stop: stop, progress: progress)
                if outcome.storageFailure == nil, !stop.isSet, try !isWhole(canonical) {
                    // Could not be paused at a rung (prune said so in its errors): no next round.
                    total.add(outcome, alreadyCounted: previous)
                    break
                }
            } else {
                outcome = try runner.run(stop: stop, progress: progress)
                // Runs another process holds: wait for them (the round must be whole), training any
                // that it gives back.
                while outcome.storageFailure == nil, !stop.isSet, try !isWhole(canonical) {
                    Thread.sleep(forTimeInterval: pollInterval)
                    let next = try runner.run(stop: stop, progress: { _ in nil })
                    outcome.add(next, alreadyCounted: outcome.trials)
                }
            }
            total.add(outcome, alreadyCounted: previous)
            if outcome.storageFailure != nil || stop.isSet || outcome.interrupted { break }
            // With model.init, the run ids are the canonical ones.
            trials = canonical
            round += 1
        }
        return total
    }

    /// Refuses to add to an experiment of this name recorded from a spec that searches differently.
    ///
    /// A sweep checks that every recorded run is one of its trials; a search's later trials are
    /// not known before its earlier rounds are (and another process sharing the database may be a
    /// round ahead), so the spec's identity (``ExperimentSpec/identityTree``, which holds `search`)
    /// is compared instead.
    ///
    /// - Throws: ``StoreError`` `specMismatch` naming the first difference.
    func checkRecordedSpec() throws {
        guard let (file, text, runs) = try store.recordedSpec(named: spec.name), runs > 0 else { return }
        let recorded = try? SpecLoader(schema: spec.schema).load(data: Data(text.utf8), file: file, force: true)
        guard recorded?.identityTree != spec.identityTree else { return }
        var difference = ""
        if let recorded, let (path, old, new) = ExperimentSpec.firstDifference(recorded.identityTree, spec.identityTree)
        {
            func shown(_ value: ConfigValue?) -> String { value.map(\.shortDescription) ?? "not set" }
            difference = ": \(path) is \(shown(old)) there and \(shown(new)) in \(spec.file)"
        }
        throw StoreError(
            .specMismatch, file: store.path,
            "experiment \"\(spec.name)\" was recorded from a different spec (\(file))\(difference), and a search's "
                + "runs depend on all of it; give \(spec.file) another \"name\", or use another --db.")
    }

    /// Whether every one of the trials has a final status (not pending, running or interrupted).
    private func isWhole(_ trials: [PlannedTrial]) throws -> Bool {
        let statuses = try store.statuses(of: trials.map(\.runID))
        let open: Set<RunStatus> = [.pending, .running, .interrupted]
        return !trials.contains { open.contains(statuses[$0.runID] ?? .pending) }
    }
}

extension SweepRunner.Outcome {
    /// Nothing run yet.
    public static var none: Self { Self() }

    /// Adds the counts of a later pass over the same trials plus new ones.
    ///
    /// - Parameters:
    ///   - other: the later pass.
    ///   - alreadyCounted: the trials this outcome counted that `other` counts again (as already done).
    public mutating func add(_ other: Self, alreadyCounted: Int) {
        alreadyDone += max(0, other.alreadyDone - alreadyCounted)
        trials = max(trials, other.trials)
        recovered += other.recovered
        counts.merge(other.counts, uniquingKeysWith: +)
        claimedElsewhere += other.claimedElsewhere
        interrupted = interrupted || other.interrupted
        summary.finished += other.summary.finished
        summary.interrupted += other.summary.interrupted
        summary.skipped += other.summary.skipped
        summary.notStarted += other.summary.notStarted
        summary.seconds += other.summary.seconds
        summary.trainingSeconds += other.summary.trainingSeconds
        summary.trialSeconds += other.summary.trialSeconds
        errors += other.errors
        storageFailure = storageFailure ?? other.storageFailure
    }
}

extension SweepRunner {
    /// The snapshot interval of a trial: the spec's `checkpoints.every`, or under pruning the
    /// greatest common divisor of it and the first rung, so that every rung gets a snapshot.
    package static func snapshotInterval(_ every: Int, pruning: Int) -> Int {
        guard pruning > 0 else { return every }
        var (a, b) = (every, pruning)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
