import RunnerModel

/// The best objective so far against trial number: after each trial of an experiment, in trial
/// order, the lowest objective of the trials up to it, and which trial and run hold it.
///
/// The objective is the search's (``RunRanking/objective(status:finalLoss:validationLoss:)``): a
/// completed run's validation loss where it has one, else its final loss. Pruned, failed and
/// diverged trials, and trials not finished yet, have none: they never improve the best (a pruned
/// trial stopped at a rung and has no final objective). A trial improves the best only with a
/// strictly lower objective, so on a tie the earlier trial keeps it; an objective that is not
/// finite counts as none.
public struct BestSoFar: Sendable, Equatable {
    /// One trial as the sequence reads it.
    public struct Trial: Sendable, Equatable {
        /// The trial number, from 1 (the trial's index in the experiment's trial order, plus 1).
        public var number: Int
        /// Its run.
        public var runID: String
        /// The run's status.
        public var status: RunStatus
        /// The run's objective, nil when it has none.
        public var objective: Double?

        /// Creates a trial.
        ///
        /// - Parameters:
        ///   - number: The trial number, from 1.
        ///   - runID: The run id.
        ///   - status: The run's status.
        ///   - objective: Its objective; nil, or not finite, for none.
        public init(number: Int, runID: String, status: RunStatus, objective: Double?) {
            self.number = number
            self.runID = runID
            self.status = status
            self.objective = objective.flatMap { $0.isFinite ? $0 : nil }
        }
    }

    /// The state after one trial.
    public struct Point: Sendable, Equatable {
        /// The trial.
        public var trial: Trial
        /// The lowest objective of the trials up to this one; nil while none has one.
        public var best: Double?
        /// The trial that holds it.
        public var bestTrial: Int?
        /// Its run.
        public var bestRunID: String?

        /// Whether this trial set a new best.
        public var improved: Bool { bestTrial != nil && bestTrial == trial.number }
    }

    /// One point per trial, in trial order.
    public var points: [Point]
    /// What the objective is, in words: `final loss`, `validation loss`, or both when the runs
    /// differ.
    public var objectiveWords: String

    /// The best-so-far sequence of trials.
    ///
    /// - Parameters:
    ///   - trials: The trials in trial order.
    ///   - objectiveWords: What their objective is, for titles.
    /// - Complexity: O(n).
    public init(_ trials: [Trial], objectiveWords: String = "objective") {
        self.objectiveWords = objectiveWords
        var points: [Point] = []
        points.reserveCapacity(trials.count)
        var best: (objective: Double, trial: Int, runID: String)?
        for trial in trials {
            if let objective = trial.objective, best.map({ objective < $0.objective }) ?? true {
                best = (objective, trial.number, trial.runID)
            }
            points.append(Point(trial: trial, best: best?.objective, bestTrial: best?.trial, bestRunID: best?.runID))
        }
        self.points = points
    }

    /// The trials that have no objective, by status.
    public var withoutObjective: [RunStatus: Int] {
        var counts: [RunStatus: Int] = [:]
        for point in points where point.trial.objective == nil { counts[point.trial.status, default: 0] += 1 }
        return counts
    }

    /// The most rows ``summary`` gives before it leaves out the improvements between milestones.
    public static let summaryLimit = 30

    /// The points a compact table shows: the trials numbered 1, 2, 5, 10, 20, 50, ... (the
    /// nearest point at or before each), every trial that improved the best, and the last trial;
    /// when that is more than ``summaryLimit`` rows, the improvements are reduced to the one that
    /// found the final best.
    public var summary: [Point] {
        guard let last = points.last else { return [] }
        var milestones: Set<Int> = []
        var target = 1
        var index = 0
        while target <= last.trial.number {
            while index + 1 < points.count, points[index + 1].trial.number <= target { index += 1 }
            if points[index].trial.number <= target { milestones.insert(index) }
            target = Self.nextMilestone(after: target)
        }
        milestones.insert(points.count - 1)
        var chosen = milestones.union(points.indices.filter { points[$0].improved })
        if chosen.count > Self.summaryLimit {
            chosen = milestones
            if let final = points.lastIndex(where: \.improved) { chosen.insert(final) }
        }
        return chosen.sorted().map { points[$0] }
    }

    /// The milestone after `value` in 1, 2, 5, 10, 20, 50, ...
    static func nextMilestone(after value: Int) -> Int {
        var decade = 1
        while decade * 10 <= value { decade *= 10 }
        let leading = value / decade
        return leading < 2 ? 2 * decade : leading < 5 ? 5 * decade : 10 * decade
    }
}
