import RunnerModel

/// How an experiment picks its trials: a spec's `search` section.
///
/// `grid` and `random` are the sweep as it always was (every grid point; the `random` axes' draws).
/// `tpe` makes the `random` axes a search space: the first ``startup`` trials are the random
/// axes' first draws, then rounds of ``batch`` trials each suggested by ``TPESampler`` from the
/// results of the rounds before, in trial order, so that the history does not depend on timing.
public struct SearchSettings: Sendable, Equatable {
    /// The method.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Every grid point.
        case grid
        /// The random axes' draws.
        case random
        /// The Tree-structured Parzen Estimator.
        case tpe
    }

    /// The method.
    public var method: Method
    /// All the trials the search trains (the random axes' count).
    public var trials: Int
    /// The trials drawn at random before TPE takes over (Optuna's `n_startup_trials`, default 10).
    public var startup: Int
    /// The trials of each TPE round (default 4): each round sees the results of the rounds before.
    public var batch: Int
    /// Seeds TPE's draws (default: the spec's `seed`).
    public var seed: Int

    /// The default number of trials per round.
    public static let defaultBatch = 4
    /// The default number of random trials before TPE.
    public static let defaultStartup = 10

    /// The section as a tree, for the experiment's identity.
    public var tree: ConfigValue {
        .object([
            "method": .string(method.rawValue), "trials": .integer(trials), "startup": .integer(startup),
            "batch": .integer(batch), "seed": .integer(seed),
        ])
    }

    /// The trial count of round `round` (0: the startup trials).
    ///
    /// - Returns: 0 past the last round.
    public func roundRange(_ round: Int) -> Range<Int> {
        guard method == .tpe else { return round == 0 ? 0..<trials : trials..<trials }
        if round == 0 { return 0..<min(startup, trials) }
        let start = min(trials, startup + (round - 1) * batch)
        return start..<min(trials, start + batch)
    }
}

/// How an experiment stops unpromising trials early: a spec's `pruning` section.
public struct PruningSettings: Sendable, Equatable {
    /// The rule.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Continue unless worse than the median of the earlier trials at the rung.
        case median
        /// Keep the best `1/eta` of each rung's cohort.
        case successiveHalving = "successive-halving"
        /// Successive halving in brackets (Li et al. 2018).
        case hyperband
    }

    /// What a rung compares.
    public enum Metric: String, Sendable, Equatable, CaseIterable {
        /// The loss on the validation set at the rung's validation pass.
        case validationLoss = "validation_loss"
        /// The training loss of the rung's iteration.
        case finalLoss = "final_loss"
    }

    /// The rule.
    public var method: Method
    /// What a rung compares; `nil`: the validation loss where the task holds data out, the
    /// training loss otherwise.
    public var metric: Metric?
    /// `r`: the first rung.
    public var minIterations: Int
    /// `eta`: the ratio between rungs, and the inverse of the fraction a rung keeps (default 3).
    public var reduction: Int

    /// The default reduction.
    public static let defaultReduction = 3

    /// The rule's decisions at one rung: whether each trial of the cohort continues.
    ///
    /// - Parameter metrics: the metrics at the rung of the trials that reached it, in trial order
    ///   (NaN for one that is not finite).
    /// - Returns: ``Rungs/median(_:)`` for the median rule, else ``Rungs/successiveHalving(_:reduction:)``
    ///   (a Hyperband bracket halves as successive halving does).
    public func decisions(_ metrics: [Double]) -> [Bool] {
        method == .median ? Rungs.median(metrics) : Rungs.successiveHalving(metrics, reduction: reduction)
    }

    /// The section as a tree, for the experiment's identity.
    public var tree: ConfigValue {
        var fields: [String: ConfigValue] = [
            "method": .string(method.rawValue), "minIterations": .integer(minIterations),
            "reduction": .integer(reduction),
        ]
        if let metric { fields["metric"] = .string(metric.rawValue) }
        return .object(fields)
    }
}
