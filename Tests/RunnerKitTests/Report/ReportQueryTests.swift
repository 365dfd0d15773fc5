import Foundation
import Testing

@testable import RunnerModel
@testable import RunnerReport
@testable import RunnerStore

@Suite struct ReportQueryTests {
    /// The fixture's report with some options.
    static func report(_ options: ReportOptions = ReportOptions(), experiment: String = "fixture") throws
        -> ExperimentReport
    {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            return try query.report(try query.experiments([experiment])[0], options: options)
        }
    }

    static func group(_ report: ExperimentReport, _ key: [SQLValue]) throws -> GroupSummary {
        try #require(report.groups.first { $0.key == key })
    }

    // MARK: - Aggregates

    @Test func groupStatisticsMatchHandComputedValues() throws {
        let report = try Self.report()
        #expect(report.groupColumns.map(\.name) == ["hiddenSize", "learningRate"])
        #expect(report.groups.count == 4)

        let first = try Self.group(report, [.integer(4), .real(0.1)])
        #expect(first.runs == 3)
        #expect(first.finalLoss.count == 3)
        #expect(first.finalLoss.mean == 7.0 / 3.0)
        let std = try #require(first.finalLoss.standardDeviation)
        #expect(abs(std - (7.0 / 3.0).squareRoot()) < 1e-12)
        #expect(first.finalLoss.median == 2.0)
        #expect(first.finalLoss.minimum == 1.0)
        #expect(first.diverged == 0)
        #expect(first.reachedAt == nil)

        let diverging = try Self.group(report, [.integer(4), .real(0.5)])
        #expect(diverging.finalLoss.count == 2)
        #expect(diverging.finalLoss.mean == 0.375)
        #expect(abs((diverging.finalLoss.standardDeviation ?? 0) - 0.125 * 2.0.squareRoot()) < 1e-12)
        #expect(diverging.finalLoss.median == 0.375)
        #expect(diverging.diverged == 1)

        let reaching = try Self.group(report, [.integer(8), .real(0.1)])
        #expect(abs((reaching.finalLoss.mean ?? 0) - 0.2) < 1e-15)
        #expect(reaching.finalLoss.median == 0.2)
        #expect(reaching.reached == 2)
        #expect(reaching.reachedAt == 15)
        #expect(reaching.withTarget == 3)

        let sparse = try Self.group(report, [.integer(8), .real(0.5)])
        #expect(sparse.runs == 3)
        #expect(sparse.finalLoss.count == 1)
        #expect(sparse.finalLoss.mean == 0.05)
        #expect(sparse.finalLoss.standardDeviation == nil)
        #expect(sparse.reachedAt == 3)
    }

    @Test func statusCountsBestRunAndTargetLoss() throws {
        let report = try Self.report()
        #expect(report.totalRuns == 12)
        #expect(report.matchedRuns == 12)
        #expect(report.statusCounts == [.completed: 9, .diverged: 1, .failed: 1, .pending: 1])
        let best = try #require(report.best)
        #expect(best.finalLoss == 0.05)
        #expect(best.values.map(\.text) == ["hiddenSize=8", "learningRate=0.5", "seed=2"])
        #expect(report.targetLosses == [0.15])
        #expect(report.reachedRuns == 3)
    }

    @Test func groupsSortByMeanFinalLossByDefault() throws {
        let report = try Self.report()
        #expect(report.sortColumn == "finalLoss")
        let means = report.groups.map { $0.finalLoss.mean ?? .nan }
        #expect(zip(means, [0.05, 0.2, 0.375, 7.0 / 3.0]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(means.count == 4)
    }

    @Test func sortDescendingByAGroupColumnAndTop() throws {
        let report = try Self.report(ReportOptions(sort: "hiddenSize:desc", top: 3))
        #expect(report.groupCount == 4)
        #expect(report.groups.count == 3)
        #expect(report.groups.map { $0.key[0] } == [.integer(8), .integer(8), .integer(4)])
        // Ties keep the key order.
        #expect(report.groups.map { $0.key[1] } == [.real(0.1), .real(0.5), .real(0.1)])
    }

    @Test func sortByMedianAndByDivergedCount() throws {
        let byMedian = try Self.report(ReportOptions(sort: "MEDIAN"))
        #expect(byMedian.groups.map { $0.finalLoss.median ?? .nan } == [0.05, 0.2, 0.375, 2.0])
        let byDiverged = try Self.report(ReportOptions(sort: "diverged:desc", top: 1))
        #expect(byDiverged.groups.first?.key == [.integer(4), .real(0.5)])
    }

    @Test func groupByAnotherColumnMergesGroups() throws {
        let report = try Self.report(ReportOptions(groupBy: ["learningRate"]))
        #expect(report.groupColumns.map(\.name) == ["learningRate"])
        let slow = try Self.group(report, [.real(0.1)])
        #expect(slow.finalLoss.count == 6)
        #expect(slow.finalLoss.median == 0.65)
        let fast = try Self.group(report, [.real(0.5)])
        #expect(fast.finalLoss.count == 3)
        #expect(fast.diverged == 1)
        #expect(fast.runs == 6)
    }

    @Test func experimentThatSweepsOnlySeedsHasOneGroup() throws {
        let report = try Self.report(experiment: "flat")
        #expect(report.groupColumns.isEmpty)
        #expect(report.groups.count == 1)
        #expect(report.groups[0].finalLoss.count == 2)
        #expect(abs((report.groups[0].finalLoss.mean ?? 0) - 0.45) < 1e-15)
        #expect(!report.hasTargetLoss)
    }

    @Test func everyExperimentNewestFirstWithoutNames() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            #expect(Set(try query.experiments([]).map(\.name)) == ["fixture", "flat"])
            #expect(try query.experiments(["flat", "fixture"]).map(\.name) == ["flat", "fixture"])
        }
    }

    // MARK: - Filtering

    @Test func whereFiltersRunsBeforeGrouping() throws {
        let report = try Self.report(ReportOptions(filter: "hiddenSize = 8 and status = 'completed'"))
        #expect(report.totalRuns == 12)
        #expect(report.matchedRuns == 4)
        #expect(report.statusCounts == [.completed: 4])
        #expect(report.groups.map(\.key) == [[.integer(8), .real(0.5)], [.integer(8), .real(0.1)]])
    }

    @Test func whereOnResultsAndOnConfigFieldsWithoutAColumn() throws {
        let low = try Self.report(ReportOptions(filter: "finalLoss < 0.3 or targetReachedIteration >= 10"))
        #expect(low.matchedRuns == 4)
        let target = try Self.report(ReportOptions(filter: "targetLoss = 0.15 and inputSize in (3, 4)"))
        #expect(target.matchedRuns == 12)
        let none = try Self.report(ReportOptions(filter: "targetLoss between 1 and 2"))
        #expect(none.matchedRuns == 0)
        #expect(none.groups.isEmpty)
        #expect(none.best == nil)
    }

    struct RejectedCase: Sendable, CustomTestStringConvertible {
        var filter: String
        var message: String
        var testDescription: String { filter }
    }

    static let rejected: [RejectedCase] = [
        RejectedCase(filter: "1; DROP TABLE runs", message: "at position 1: expected a column name"),
        RejectedCase(filter: "hiddenSize = 4; DROP TABLE runs", message: "at position 15: expected 'and', 'or'"),
        RejectedCase(filter: "hiddenSize = 4 or 1=1", message: "at position 19: expected a column name"),
        RejectedCase(filter: "status = 'completed", message: "at position 10: unterminated string"),
        RejectedCase(filter: "status = \"x\" --", message: "at position 14: expected 'and', 'or' or the end"),
        RejectedCase(filter: "sqlite_master = 1", message: "unknown column 'sqlite_master'"),
        RejectedCase(filter: "hidden_size = 4", message: "unknown column 'hidden_size'; did you mean 'hiddenSize'?"),
        RejectedCase(filter: "learningRat < 0.5", message: "did you mean 'learningRate'?"),
        RejectedCase(filter: "hiddenSize = '4'", message: "'hiddenSize' is a number column"),
    ]

    @Test(arguments: rejected)
    func badWhereIsRejectedAndTheDatabaseIsUnchanged(_ rejected: RejectedCase) throws {
        try withTemporaryDirectory { directory in
            let store = try ReportFixture.make(in: directory)
            let before = try ReportFixture.snapshot(store)
            let query = try ReportQuery(store: store)
            let experiment = try query.experiments(["fixture"])[0]
            let error = #expect(throws: ReportError.self) {
                try query.report(experiment, options: ReportOptions(filter: rejected.filter))
            }
            #expect(error?.code == .badFilter)
            #expect(error?.isUsageError == true)
            #expect(error?.message.hasPrefix("--where '\(rejected.filter)': at position ") == true)
            #expect(error?.message.contains(rejected.message) == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("\n") == false)
            #expect(try ReportFixture.snapshot(store) == before)
        }
    }

    @Test func quotedInjectionIsAPlainValueThatMatchesNothing() throws {
        try withTemporaryDirectory { directory in
            let store = try ReportFixture.make(in: directory)
            let before = try ReportFixture.snapshot(store)
            let query = try ReportQuery(store: store)
            let experiment = try query.experiments(["fixture"])[0]
            for filter in ["status = 'x''; DROP TABLE runs; --'", #"optimizer = "sgd"" or ""1""=""1""#] {
                let report = try query.report(experiment, options: ReportOptions(filter: filter))
                #expect(report.matchedRuns == 0)
            }
            #expect(try ReportFixture.snapshot(store) == before)
            #expect(before["runs"] == 14)
        }
    }

    // MARK: - Bad options

    @Test func unknownNamesAreUsageErrorsWithAHint() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let experiment = try query.experiments(["fixture"])[0]
            let sort = #expect(throws: ReportError.self) {
                try query.report(experiment, options: ReportOptions(sort: "medain"))
            }
            #expect(sort?.code == .unknownColumn)
            #expect(sort?.message.contains("Did you mean 'median'?") == true)
            let group = #expect(throws: ReportError.self) {
                try query.report(experiment, options: ReportOptions(groupBy: ["hiddenSise"]))
            }
            #expect(
                group?.message.hasPrefix("--group-by: unknown column 'hiddenSise'. Did you mean 'hiddenSize'?") == true)
            let order = #expect(throws: ReportError.self) {
                try query.report(experiment, options: ReportOptions(sort: "median:up"))
            }
            #expect(order?.code == .badOption)
            let top = #expect(throws: ReportError.self) {
                try query.report(experiment, options: ReportOptions(top: 0))
            }
            #expect(top?.code == .badOption)
            let unknown = #expect(throws: ReportError.self) { try query.experiments(["fixtur"]) }
            #expect(unknown?.code == .unknownExperiment)
            #expect(unknown?.isUsageError == true)
            #expect(unknown?.message.contains("Did you mean \"fixture\"?") == true)
        }
    }

    // MARK: - Columns

    @Test func catalogNamesConfigLeavesAndResults() throws {
        let catalog = ReportColumnCatalog(pathColumns: ["task.targets": .text])
        #expect(catalog.columns["hiddenSize"]?.sqlExpression == #""runs"."hidden_size""#)
        #expect(catalog.columns["learningRate"]?.type == .real)
        #expect(
            catalog.columns["targets"]?.sqlExpression
                == #"coalesce("runs"."task.targets", json_extract("runs"."config", '$.task.targets'))"#)
        #expect(catalog.columns["period"]?.sqlExpression == #"json_extract("runs"."config", '$.task.period')"#)
        #expect(catalog.columns["task"]?.path == "task.plugin")
        #expect(catalog.columns["finalLoss"]?.path == nil)
        #expect(catalog.column(forPath: "model.hiddenSize").name == "hiddenSize")
        #expect(try catalog.column(named: "model.hiddenSize", option: "--group-by").name == "hiddenSize")
    }

    @Test func sweptPathsFollowTheSpecOrder() {
        let record = ExperimentRecordFixture.make(
            swept: ["model.hiddenSize", "seed", "task.targets", "training.learningRate"],
            spec:
                #"{"seed": 0, "sweep": {"training.learningRate": [1], "task.targets": [[1]], "seed": 1, "model.hiddenSize": [1]}}"#
        )
        #expect(
            ReportQuery.sweptPaths(of: record) == [
                "training.learningRate", "task.targets", "seed", "model.hiddenSize",
            ])
    }
}

/// Builds experiment records without a database.
enum ExperimentRecordFixture {
    static func make(swept: [String], spec: String) -> ExperimentRecord {
        ExperimentRecord(
            name: "x", description: "", specFile: "x.json", specText: spec, sweptPaths: swept, created: "", updated: "")
    }
}
