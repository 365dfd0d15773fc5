import Foundation
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import RunnerStore
import Synchronization

/// `runner verify`: trains recorded runs again through the same code path and compares the bits.
///
/// A run is `identical` when every iteration's loss and the final checkpoint's payload (the
/// parameters, the data and the optimizer state) hash the same as recorded. Otherwise the first
/// iteration whose loss differs is reported with both values, and the differences between the
/// recording environment and this one, which usually explain it (another CPU architecture or
/// toolchain). A stored checkpoint file is also checked against the recorded digest.
public struct Verifier: Sendable {
    /// The database.
    public var store: ResultStore
    /// Where plugins come from.
    public var registry: PluginRegistry

    /// Creates a verifier.
    public init(store: ResultStore, registry: PluginRegistry = .standard) {
        self.store = store
        self.registry = registry
    }

    /// The outcome for one run.
    public struct Outcome: Sendable {
        /// The run.
        public var runID: String
        /// `identical`, `differs` or `failed`.
        public var outcome: VerificationOutcome
        /// The first iteration (from 1) whose loss differs.
        public var firstDivergentIteration: Int?
        /// The recorded loss there.
        public var recordedLoss: Double?
        /// The reproduced loss there.
        public var reproducedLoss: Double?
        /// One line of detail.
        public var detail: String
        /// What training it again gave, when it got to an end (the search replay's input).
        public var reproduction: Reproduction?

        /// Whether the run reproduced bit for bit.
        public var isIdentical: Bool { outcome == .identical }
    }

    /// The finished runs a `verify` argument names: an experiment's (sampled), or one run.
    ///
    /// - Parameters:
    ///   - target: an experiment name or a run id prefix.
    ///   - sample: at most this many runs of an experiment, drawn with a fixed seed.
    /// - Returns: the runs, in trial order.
    /// - Throws: ``StoreError`` for unknown names and unfinished runs.
    public func runs(for target: String, sample: Int?) throws(StoreError) -> [RunRecord] {
        if let experiment = try store.experiment(target) {
            var runs = try store.runs(ofExperiment: experiment.name).filter {
                $0.status.hasResult || $0.status == .pruned
            }
            guard !runs.isEmpty else {
                throw StoreError(
                    .notFound, file: store.path, "experiment \(target) has no finished runs to verify; run it first.")
            }
            if let sample, sample < runs.count {
                var generator = Xoshiro256StarStar(seed: Sweep.fnv1a(experiment.name))
                var chosen = Set<Int>()
                while chosen.count < sample { chosen.insert(generator.nextInt(below: runs.count)) }
                runs = chosen.sorted().map { runs[$0] }
            }
            return runs
        }
        let run: RunRecord
        do {
            run = try store.run(target)
        } catch  where error.code == .notFound {
            throw StoreError(
                .notFound, file: store.path,
                "no run or experiment named \"\(target)\"; `runner report` lists the experiments and "
                    + "`runner export EXPERIMENT --runs --format csv` their run ids (any unique prefix works).")
        }
        guard run.status.hasResult || run.status == .pruned else {
            throw StoreError(
                .notFound, file: store.path,
                "run \(run.id) is \(run.status.rawValue); only finished and pruned runs can be verified.")
        }
        return [run]
    }

    /// Verifies one run.
    ///
    /// - Parameters:
    ///   - run: a finished or pruned run.
    ///   - rungs: for a run of a pruned sweep, its recorded rung metrics: they are reproduced at
    ///     the rungs as training passes them, and a pruned run is trained only to its rung.
    /// - Returns: the outcome, with what was reproduced.
    public func verify(_ run: RunRecord, rungs: RungCheck? = nil) -> Outcome {
        func failed(_ detail: String) -> Outcome {
            Outcome(runID: run.id, outcome: .failed, detail: detail)
        }
        let pruned = run.status == .pruned
        if pruned && rungs == nil {
            return failed("it is pruned, but no experiment holding it has a pruning section to say where its rungs are")
        }
        var recordedCurve: [Double] = []
        if !pruned {
            do {
                guard let curve = try store.curve(run.id) else { return failed("no loss curve is recorded") }
                recordedCurve = curve
            } catch {
                return failed("\(error)")
            }
        }
        let config: TrialConfig
        let initial: InitialState
        do {
            (config, initial) = try RunMaterializer(store: store, registry: registry).initialState(of: run)
        } catch {
            return failed("\(error)")
        }
        let result: TrialResult
        var metrics: [Int: Double] = [:]
        do {
            let rungSet = rungs.map {
                Set(
                    Rungs.rungs(
                        minIterations: $0.pruning.minIterations, reduction: $0.pruning.reduction,
                        iterations: config.iterations))
            }
            let stopAt = pruned ? run.iterationsRun : nil
            var paused = false
            result = try Trial(config: config, registry: registry).run(
                from: initial, snapshotEvery: rungs?.pruning.minIterations ?? 0,
                onSnapshot: { snapshot in
                    if let rungs, rungSet?.contains(snapshot.iteration) == true {
                        metrics[snapshot.iteration] =
                            SearchRunner.metric(of: snapshot, at: snapshot.iteration, metric: rungs.pruning.metric)
                            ?? .nan
                    }
                    if let stopAt, snapshot.iteration >= stopAt { paused = true }
                }, shouldStop: { paused })
        } catch {
            return failed("\(error)")
        }
        let reproduction = Reproduction(
            status: pruned && result.status == .interrupted ? .pruned : result.status,
            iterations: result.losses.count, finalLoss: result.finalLoss,
            validationLoss: result.heldOut?.validationLoss, rungMetrics: metrics)
        if let rungs {
            if let difference = Self.rungDifference(rungs.recorded, reproduced: metrics) {
                return Outcome(runID: run.id, outcome: .differs, detail: difference, reproduction: reproduction)
            }
            if pruned {
                let rung = run.iterationsRun ?? 0
                guard reproduction.status == .pruned, reproduction.iterations == rung else {
                    return Outcome(
                        runID: run.id, outcome: .differs,
                        detail: "pruned at iteration \(rung), but training it again stopped at iteration "
                            + "\(reproduction.iterations) (\(reproduction.status.rawValue))",
                        reproduction: reproduction)
                }
                let reached = rungs.recorded.map { String($0.iteration) }.joined(separator: ", ")
                return Outcome(
                    runID: run.id, outcome: .identical,
                    detail: "pruned at iteration \(rung): its metric at rung\(rungs.recorded.count == 1 ? "" : "s") "
                        + "\(reached) matches bit for bit",
                    reproduction: reproduction)
            }
        }
        let payload: String
        do {
            payload = try CheckpointFiles.finalContents(result).header.payloadSHA256
        } catch {
            return failed("\(error)")
        }
        var notes: [String] = []
        if let environment = run.environment {
            let differences = RunEnvironment.current.differences(from: environment).filter { !$0.hasPrefix("host") }
            if !differences.isEmpty { notes.append("environment: " + differences.joined(separator: "; ")) }
        }
        // The loss curve, iteration by iteration.
        let count = max(recordedCurve.count, result.losses.count)
        for index in 0..<count {
            let recorded = index < recordedCurve.count ? recordedCurve[index] : nil
            let reproduced = index < result.losses.count ? result.losses[index] : nil
            guard recorded?.bitPattern != reproduced?.bitPattern else { continue }
            var detail =
                "loss of iteration \(index + 1): recorded \(Self.format(recorded)), now \(Self.format(reproduced))"
            if let recorded, let reproduced, recorded != 0 {
                detail += String(format: " (relative difference %.1e)", abs(reproduced - recorded) / abs(recorded))
            }
            return Outcome(
                runID: run.id,
                outcome: .differs,
                firstDivergentIteration: index + 1,
                recordedLoss: recorded,
                reproducedLoss: reproduced,
                detail: ([detail] + notes).joined(separator: "; "),
                reproduction: reproduction
            )
        }
        if let recorded = run.checkpointSHA256, recorded != payload {
            return Outcome(
                runID: run.id,
                outcome: .differs,
                detail: ([
                    "the loss curve is identical but the final payload is not: recorded \(recorded.prefix(12)), now \(payload.prefix(12))"
                ] + notes)
                .joined(separator: "; "),
                reproduction: reproduction
            )
        }
        if let stored = run.checkpointPath {
            do {
                let file = try store.finalCheckpoint(of: run)
                if file.header.payloadSHA256 != payload {
                    return Outcome(
                        runID: run.id,
                        outcome: .differs,
                        detail:
                            "the checkpoint file \(stored) holds payload \(file.header.payloadSHA256.prefix(12)), not the reproduced \(payload.prefix(12))"
                    )
                }
            } catch let error as CheckpointError where error.code == .wrongRun {
                return Outcome(
                    runID: run.id, outcome: .differs, detail: "the stored checkpoint is not the run's own: \(error)")
            } catch {
                return Outcome(runID: run.id, outcome: .differs, detail: "the stored checkpoint is damaged: \(error)")
            }
        }
        let iterations = result.losses.count
        let rungNote =
            rungs.map { $0.recorded.isEmpty ? "" : " (and the metrics at its \($0.recorded.count) rungs)" } ?? ""
        return Outcome(
            runID: run.id,
            outcome: .identical,
            detail: ([
                "\(iterations) iteration losses and the final payload \(payload.prefix(12))\(rungNote) match bit for bit"
            ]
                + notes)
                .joined(separator: "; "),
            reproduction: reproduction
        )
    }

    package static func format(_ value: Double?) -> String {
        value.map { String(format: "%.17g", $0) } ?? "nothing (the run stopped earlier)"
    }

    /// Verifies runs on `jobs` workers and records the outcomes in `verifications`.
    ///
    /// - Parameters:
    ///   - runs: finished or pruned runs.
    ///   - jobs: workers.
    ///   - stop: set by a signal: the runs not started are left out.
    ///   - rungs: the rung checks of runs of pruned sweeps (``rungChecks(for:)``), by run id.
    /// - Returns: the outcomes in the order of `runs`.
    /// - Throws: ``StoreError`` when the outcomes cannot be recorded.
    public func verify(
        _ runs: [RunRecord], jobs: Int, stop: StopFlag = StopFlag(), rungs: [String: RungCheck] = [:]
    ) throws(StoreError) -> [Outcome] {
        let results = ResultsBox()
        let verifier = self
        Scheduler.parallel(runs.count, workers: jobs) { index in
            guard !stop.isSet else { return }
            results.append(verifier.verify(runs[index], rungs: rungs[runs[index].id]))
        }
        let outcomes = results.sorted(by: runs.map(\.id))
        let now = ResultStore.timestamp()
        try store.record(
            outcomes.map {
                VerificationRecord(
                    runID: $0.runID,
                    checked: now,
                    outcome: $0.outcome,
                    firstDivergentIteration: $0.firstDivergentIteration,
                    recordedLoss: $0.recordedLoss,
                    reproducedLoss: $0.reproducedLoss,
                    detail: $0.detail,
                    environment: .current
                )
            }
        )
        return outcomes
    }

}

/// Collects outcomes from the workers.
private final class ResultsBox: Sendable {
    private let outcomes = Mutex([Verifier.Outcome]())

    func append(_ outcome: Verifier.Outcome) {
        outcomes.withLock { $0.append(outcome) }
    }

    func sorted(by order: [String]) -> [Verifier.Outcome] {
        let all = outcomes.withLock { $0 }
        let position = Dictionary(order.enumerated().map { ($1, $0) }) { first, _ in first }
        return all.sorted { (position[$0.runID] ?? 0) < (position[$1.runID] ?? 0) }
    }
}
