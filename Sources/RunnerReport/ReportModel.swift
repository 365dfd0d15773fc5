import Foundation
import GRDB
import RunnerModel
import RunnerSpec
import RunnerStore

/// What a report shows and how: grouping, filter, order and length.
public struct ReportOptions: Sendable {
    /// The columns to group by; nil groups by the experiment's swept paths except `seed`.
    public var groupBy: [String]?
    /// A `--where` expression, or nil for every run.
    public var filter: String?
    /// The column to sort the groups by, optionally with `:asc` or `:desc`; nil sorts by the mean
    /// final loss, lowest first.
    public var sort: String?
    /// Keep only the first this many groups.
    public var top: Int?
    /// Whether to add the best objective so far against trial number (``BestSoFar``); nil adds it
    /// for adaptive searches only (``ReportQuery/isAdaptive(_:)``).
    public var bestSoFar: Bool?

    /// Creates options.
    ///
    /// - Parameters:
    ///   - groupBy: The columns to group by; nil for the swept paths except `seed`.
    ///   - filter: A `--where` expression.
    ///   - sort: `COLUMN`, `COLUMN:asc` or `COLUMN:desc`.
    ///   - top: The most groups to keep.
    ///   - bestSoFar: Whether to add the best-so-far; nil for adaptive searches only.
    public init(
        groupBy: [String]? = nil, filter: String? = nil, sort: String? = nil, top: Int? = nil, bestSoFar: Bool? = nil
    ) {
        self.groupBy = groupBy
        self.filter = filter
        self.sort = sort
        self.top = top
        self.bestSoFar = bestSoFar
    }
}

/// A name and a value, e.g. `hiddenSize` and `50`.
public struct NamedValue: Sendable, Hashable {
    /// The column name.
    public var name: String
    /// The value.
    public var value: SQLValue

    /// `name=value`, the value as ``ReportColumn/display(_:)`` shows it.
    public var text: String { "\(name)=\(ReportColumn.display(value))" }
}

/// What a report ranks runs by: the validation loss of the final parameters where the runs have
/// one (minibatch training with held-out data), the final training loss otherwise.
public enum ReportMetric: String, Sendable, Equatable {
    /// The loss of the final parameters on the training data.
    case finalLoss
    /// The loss of the final parameters on the validation set.
    case validationLoss

    /// The name of its table column and of `--sort`: `finalLoss` or `valLoss`.
    public var columnName: String {
        switch self {
        case .finalLoss: "finalLoss"
        case .validationLoss: "valLoss"
        }
    }

    /// `final loss`, `validation loss`.
    public var words: String {
        switch self {
        case .finalLoss: "final loss"
        case .validationLoss: "validation loss"
        }
    }
}

/// The aggregates of one group of runs (one configuration, over its seeds).
public struct GroupSummary: Sendable {
    /// The values of the group columns.
    public var key: [SQLValue]
    /// The runs in the group that match the filter, whatever their status.
    public var runs: Int
    /// The report's metric (``ReportMetric``: the validation loss where the runs have one, else the
    /// final loss) of the completed runs (finite ones): the `n`, mean, std, min and median.
    public var finalLoss: SampleSummary
    /// The validation accuracy of the completed runs that have one (classification).
    public var validationAccuracy: SampleSummary
    /// Runs that diverged.
    public var diverged: Int
    /// Runs with a `stop.targetLoss`.
    public var withTarget: Int
    /// Runs that reached their target loss.
    public var reached: Int
    /// The mean iteration at which the target loss was reached, over the runs that reached it.
    public var reachedAt: Double?
}

/// The best run of an experiment: the completed run with the lowest metric (``ReportMetric``).
public struct BestRun: Sendable {
    /// The run id.
    public var id: String
    /// Its metric: the validation loss where the runs have one, else the final loss.
    public var finalLoss: Double
    /// Its values of the experiment's swept paths.
    public var values: [NamedValue]
}

/// One experiment's report: its runs by status, the best run and the group table.
public struct ExperimentReport: Sendable {
    /// The experiment.
    public var experiment: ExperimentRecord
    /// The `--where` expression, if any.
    public var filter: String?
    /// Every run of the experiment.
    public var totalRuns: Int
    /// The runs that match the filter, by status.
    public var statusCounts: [RunStatus: Int]
    /// The best matching run.
    public var best: BestRun?
    /// The columns the runs are grouped by.
    public var groupColumns: [ReportColumn]
    /// The groups, sorted, at most `--top` of them.
    public var groups: [GroupSummary]
    /// The number of groups before `--top`.
    public var groupCount: Int
    /// The column the groups are sorted by.
    public var sortColumn: String
    /// Whether the sort is descending.
    public var sortDescending: Bool
    /// The distinct target losses of the matching runs (empty when none sets one).
    public var targetLosses: [Double]
    /// Matching runs that reached their target loss.
    public var reachedRuns: Int
    /// What the runs are ranked by.
    public var metric: ReportMetric = .finalLoss
    /// Whether every matching run is a character-level language model (task `text`), whose
    /// losses in nats the report also gives in bits per character.
    public var bitsPerCharacter = false
    /// The best objective so far against trial number of the matching runs, when the report
    /// shows it (``ReportOptions/bestSoFar``).
    public var bestSoFar: BestSoFar?

    /// The runs that match the filter.
    public var matchedRuns: Int { statusCounts.values.reduce(0, +) }
    /// Whether any matching run sets `stop.targetLoss` (the table then has a `reachedAt` column).
    public var hasTargetLoss: Bool { !targetLosses.isEmpty }
}
