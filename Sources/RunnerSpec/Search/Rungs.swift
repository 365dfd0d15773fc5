/// The arithmetic of early stopping: where the rungs are, and which trials go on past one.
///
/// Successive halving (Jamieson and Talwalkar 2016; Li et al., "Hyperband", JMLR 2018): rungs at
/// `r·eta^k` iterations below the full count; at each rung the best `floor(n / eta)` (at least 1)
/// of the `n` trials that reached it continue. The median rule (Golovin et al., "Google Vizier",
/// 2017; Optuna's `MedianPruner`): a trial continues past a rung unless its metric is worse than
/// the median of the earlier trials' metrics there. Hyperband runs successive halving in brackets
/// that trade the number of trials against the iterations each starts with.
///
/// Every function here is pure, and every tie is broken by trial order: the decisions depend on
/// the metrics alone, never on which trial reported first.
public enum Rungs {
    /// The rungs: `r·eta^k` for `k = 0, 1, ...` while below `iterations` (the end is no rung).
    ///
    /// - Parameters:
    ///   - minIterations: `r`, at least 1.
    ///   - reduction: `eta`, at least 2.
    ///   - iterations: the full count.
    /// - Returns: increasing iteration counts; empty when `r >= iterations`.
    public static func rungs(minIterations: Int, reduction: Int, iterations: Int) -> [Int] {
        guard minIterations >= 1, reduction >= 2 else { return [] }
        var rungs: [Int] = []
        var rung = minIterations
        while rung < iterations {
            rungs.append(rung)
            let (next, overflow) = rung.multipliedReportingOverflow(by: reduction)
            if overflow { break }
            rung = next
        }
        return rungs
    }

    /// How many of a rung's `cohort` trials continue: `floor(cohort / eta)`, at least 1 (none of none).
    public static func survivors(cohort: Int, reduction: Int) -> Int {
        cohort <= 0 ? 0 : max(1, cohort / max(2, reduction))
    }

    /// Successive halving at one rung: whether each trial of the cohort continues.
    ///
    /// - Parameters:
    ///   - metrics: the cohort's metrics at the rung, in trial order (lower is better; a NaN or
    ///     infinite one ranks last).
    ///   - reduction: `eta`.
    /// - Returns: `true` for the best ``survivors(cohort:reduction:)``, ties going to the earlier trial.
    public static func successiveHalving(_ metrics: [Double], reduction: Int) -> [Bool] {
        let keep = survivors(cohort: metrics.count, reduction: reduction)
        let ranked = metrics.indices.sorted { a, b in
            let (x, y) = (metrics[a], metrics[b])
            if x.isFinite != y.isFinite { return x.isFinite }
            if x.isFinite, x != y { return x < y }
            return a < b
        }
        var decisions = Array(repeating: false, count: metrics.count)
        for index in ranked.prefix(keep) {
            decisions[index] = true
        }
        return decisions
    }

    /// How many earlier trials must have reached a rung before the median rule prunes there
    /// (Optuna's `MedianPruner(n_startup_trials=5)`).
    public static let medianStartup = 5

    /// The median rule at one rung: whether each trial continues, judged against the trials
    /// before it in trial order.
    ///
    /// - Parameter metrics: the metrics at the rung of the trials that reached it, in trial order.
    /// - Returns: `true` while fewer than ``medianStartup`` earlier metrics exist, else `true` iff the
    ///   metric is finite and not worse than the median of the earlier finite ones (the mean of the
    ///   middle two for an even count).
    public static func median(_ metrics: [Double]) -> [Bool] {
        metrics.indices.map { index in
            guard index >= medianStartup else { return true }
            let earlier = metrics[..<index].filter(\.isFinite).sorted()
            guard !earlier.isEmpty else { return metrics[index].isFinite }
            let middle = earlier.count / 2
            let median = earlier.count % 2 == 1 ? earlier[middle] : 0.5 * (earlier[middle - 1] + earlier[middle])
            return metrics[index].isFinite && metrics[index] <= median
        }
    }

    /// One bracket of Hyperband.
    public struct Bracket: Sendable, Equatable {
        /// `s`, from `sMax` (most trials, fewest iterations each) down to 0 (plain full training).
        public var index: Int
        /// The trials it starts (`n`).
        public var trials: Int
        /// Its rungs: the iterations of its decisions, increasing (the full count is not one).
        public var rungs: [Int]
        /// How many trials reach each rung and the end: `floor(n·eta^-i)`, `i = 0...s`.
        public var cohorts: [Int]
    }

    /// The brackets of Hyperband (Li et al. 2018, Algorithm 1) in units of `r` iterations: with
    /// `R = floor(iterations / r)` and `sMax = floor(log_eta R)`, bracket `s` starts
    /// `n = ceil((sMax + 1)·eta^s / (s + 1))` trials at `R·eta^-s` units and halves them `s` times.
    /// Its rungs are the last `s` of ``rungs(minIterations:reduction:iterations:)``, so that every
    /// bracket decides at the same iterations. Where `iterations` is not `r·eta^k`, `sMax` counts
    /// the rungs below it (so `eta^sMax` units may exceed `R`, and the last rung is short of the end).
    ///
    /// - Returns: the brackets, `s = sMax` first; one bracket of plain full training when
    ///   `r >= iterations`.
    public static func hyperband(minIterations: Int, reduction: Int, iterations: Int) -> [Bracket] {
        let all = rungs(minIterations: minIterations, reduction: reduction, iterations: iterations)
        // sMax = the number of r·eta^k strictly below the full count, R = eta^sMax units at most.
        let sMax = all.count
        var brackets: [Bracket] = []
        for s in stride(from: sMax, through: 0, by: -1) {
            var power = 1
            for _ in 0..<s { power = power.multipliedReportingOverflow(by: reduction).partialValue }
            let trials = ((sMax + 1) * power + s) / (s + 1)
            var cohorts: [Int] = []
            var cohort = trials
            for _ in 0...s {
                cohorts.append(max(1, cohort))
                cohort /= reduction
            }
            brackets.append(
                Bracket(index: s, trials: trials, rungs: Array(all.suffix(s)), cohorts: cohorts))
        }
        return brackets
    }
}
