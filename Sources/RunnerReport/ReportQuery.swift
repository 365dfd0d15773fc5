import Foundation
import GRDB
import RunnerModel
import RunnerSpec
import RunnerStore

/// Reads what `runner report`, `compare` and `plot` show from a results database.
///
/// Only the needed columns are fetched, with a `--where` filter compiled to SQL with bound
/// parameters; grouping, means, standard deviations and medians are computed in Swift.
public struct ReportQuery: Sendable {
    /// The database.
    public let store: ResultStore
    /// The columns users may name.
    public let catalog: ReportColumnCatalog

    /// The names `--sort` accepts besides the group columns: the table's statistics.
    public static let statisticColumns = ["n", "finalLoss", "min", "median", "diverged", "reachedAt"]

    /// Prepares queries on a database.
    ///
    /// - Parameters:
    ///   - store: The database (read-only is enough).
    ///   - schema: The config fields.
    /// - Throws: ``ReportError`` `store`.
    public init(store: ResultStore, schema: ConfigSchema = ConfigSchema()) throws(ReportError) {
        self.store = store
        let pathColumns: [String: ReportColumn.ValueType]
        do {
            pathColumns = try store.read { db in
                var types: [String: ReportColumn.ValueType] = [:]
                let names = try Row.fetchAll(db, sql: "PRAGMA table_info(runs)").map { $0["name"] as String }
                for name in names where name.contains(".") && ReportColumnCatalog.isPlainPath(name) {
                    let stored = try String.fetchOne(
                        db,
                        sql: "SELECT typeof(\(name.quotedDatabaseIdentifier)) FROM runs "
                            + "WHERE \(name.quotedDatabaseIdentifier) IS NOT NULL LIMIT 1")
                    types[name] = stored == "integer" ? .integer : stored == "real" ? .real : .text
                }
                return types
            }
        } catch {
            throw ReportError(error)
        }
        catalog = ReportColumnCatalog(schema: schema, pathColumns: pathColumns)
    }

    // MARK: - Experiments

    /// The experiments named, or every experiment (newest first) when `names` is empty.
    ///
    /// - Parameter names: Experiment names.
    /// - Returns: Their records, in the order given.
    /// - Throws: ``ReportError`` `unknownExperiment` naming the nearest known name.
    public func experiments(_ names: [String]) throws(ReportError) -> [ExperimentRecord] {
        let all: [ExperimentRecord]
        do {
            all = try store.experiments()
        } catch {
            throw ReportError(error)
        }
        if names.isEmpty { return all }
        var records: [ExperimentRecord] = []
        for name in names {
            guard let record = all.first(where: { $0.name == name }) else {
                if all.isEmpty {
                    throw ReportError(
                        .unknownExperiment,
                        "\(store.path) has no experiments yet, so not \"\(name)\"; run one first (runner run SPEC).")
                }
                let hint = Suggestion.nearest(to: name, in: all.map(\.name)).map { " Did you mean \"\($0)\"?" } ?? ""
                throw ReportError(
                    .unknownExperiment,
                    "\(store.path) has no experiment \"\(name)\".\(hint) Known: "
                        + all.map(\.name).joined(separator: ", ") + ".")
            }
            records.append(record)
        }
        return records
    }

    /// The columns a report of `experiment` groups by.
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - names: The `--group-by` names, or nil for the swept paths except `seed`.
    /// - Returns: The columns.
    /// - Throws: ``ReportError`` `unknownColumn`.
    public func groupColumns(for experiment: ExperimentRecord, names: [String]?) throws(ReportError) -> [ReportColumn] {
        guard let names else {
            return Self.sweptPaths(of: experiment).filter { $0 != "seed" }.map { catalog.column(forPath: $0) }
        }
        var columns: [ReportColumn] = []
        for name in names {
            let column = try catalog.column(named: name, option: "--group-by")
            if !columns.contains(where: { $0.sqlExpression == column.sqlExpression }) { columns.append(column) }
        }
        return columns
    }

    /// An experiment's swept paths in the order its spec lists them (the database keeps them
    /// sorted); paths the spec text no longer names come last, sorted.
    ///
    /// - Parameter experiment: The experiment.
    /// - Returns: The paths.
    public static func sweptPaths(of experiment: ExperimentRecord) -> [String] {
        let whole = experiment.specText
        // Search after the sweep section's key ("seed" is also a top-level key).
        let sweep = [#""sweep""#, "<key>sweep</key>"].compactMap { whole.range(of: $0)?.upperBound }.min()
        let text = whole[(sweep ?? whole.startIndex)...]
        let positions = experiment.sweptPaths.map { path -> (String, Int) in
            // A JSON key "path" or a property-list <key>path</key>.
            let found = [#""\#(path)""#, "<key>\(path)</key>"].compactMap { text.range(of: $0)?.lowerBound }.min()
            return (path, found.map { text.distance(from: text.startIndex, to: $0) } ?? Int.max)
        }
        return positions.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
    }

    // MARK: - Rows

    /// One run as the report reads it.
    package struct RunRow {
        package var key: [SQLValue]
        package var id: String
        package var status: RunStatus
        /// The report's metric: the final loss, or (``useValidationLoss()``) the validation loss.
        package var finalLoss: Double?
        package var reachedIteration: Int?
        package var targetLoss: Double?
        package var validationLoss: Double?
        package var validationAccuracy: Double?
        /// `task.plugin`.
        package var task: String?

        /// Ranks by the validation loss instead of the final loss.
        package mutating func useValidationLoss() { finalLoss = validationLoss }
    }

    /// `FROM experiment_runs JOIN runs ... WHERE experiment = ? [AND filter]` and its arguments.
    package static func fromClause(
        experiment: String, filter: FilterExpression?, extraCondition: String? = nil, joinCurves: Bool = false
    ) -> (sql: String, arguments: [SQLValue]) {
        var sql = #" FROM "experiment_runs" JOIN "runs" ON "runs"."id" = "experiment_runs"."run_id""#
        if joinCurves { sql += #" JOIN "curves" ON "curves"."run_id" = "runs"."id""# }
        sql += #" WHERE "experiment_runs"."experiment" = ?"#
        var arguments: [SQLValue] = [.text(experiment)]
        if let extraCondition { sql += " AND " + extraCondition }
        if let filter {
            let (clause, values) = filter.sql()
            sql += " AND " + clause
            arguments += values
        }
        return (sql, arguments)
    }

    /// Whether `runs` has the held-out columns (schema 3): a database of schema 2 opened
    /// read-only has not.
    static func hasHeldOutColumns(_ db: Database) throws -> Bool {
        try db.columns(in: "runs").contains { $0.name == RunColumns.validationLoss.name }
    }

    /// The matching runs of an experiment with their group key.
    package func runRows(experiment: String, keyColumns: [ReportColumn], filter: FilterExpression?) throws(ReportError)
        -> [RunRow]
    {
        let (from, arguments) = Self.fromClause(experiment: experiment, filter: filter)
        let keys = keyColumns.map(\.sqlExpression)
        let count = keyColumns.count
        do {
            return try store.read { db in
                let heldOut = try Self.hasHeldOutColumns(db)
                let sql =
                    "SELECT "
                    + (keys + [
                        ReportColumnCatalog.runs(RunColumns.id.name), ReportColumnCatalog.runs(RunColumns.status.name),
                        ReportColumnCatalog.runs(RunColumns.finalLoss.name),
                        ReportColumnCatalog.runs(RunColumns.targetReachedIteration.name),
                        #"json_extract("runs"."config", '$.stop.targetLoss')"#,
                        heldOut ? ReportColumnCatalog.runs(RunColumns.validationLoss.name) : "NULL",
                        heldOut ? ReportColumnCatalog.runs(RunColumns.validationAccuracy.name) : "NULL",
                        ReportColumnCatalog.runs("task"),
                    ]).joined(separator: ", ") + from
                var rows: [RunRow] = []
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(sqlValues: arguments))
                while let row = try cursor.next() {
                    var key: [SQLValue] = []
                    key.reserveCapacity(count)
                    for index in 0..<count {
                        key.append(keyColumns[index].normalized(SQLValue(row[index] as DatabaseValue)))
                    }
                    rows.append(
                        RunRow(
                            key: key,
                            id: row[count],
                            status: RunStatus(rawValue: row[count + 1]) ?? .pending,
                            finalLoss: row[count + 2],
                            reachedIteration: row[count + 3],
                            targetLoss: row[count + 4],
                            validationLoss: row[count + 5],
                            validationAccuracy: row[count + 6],
                            task: row[count + 7]
                        ))
                }
                return rows
            }
        } catch {
            throw ReportError(error)
        }
    }

    /// The number of runs of an experiment, whatever the filter.
    package func runCount(experiment: String) throws(ReportError) -> Int {
        do {
            return try store.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM experiment_runs WHERE experiment = ?", arguments: [experiment]) ?? 0
            }
        } catch {
            throw ReportError(error)
        }
    }

    /// Groups rows by key and aggregates each group.
    ///
    /// - Parameter rows: The runs.
    /// - Returns: The groups in key order.
    package static func summarize(_ rows: [RunRow]) -> [GroupSummary] {
        struct Accumulator {
            package var runs = 0
            package var losses: [Double] = []
            package var diverged = 0
            package var withTarget = 0
            package var reachedSum = 0.0
            package var reached = 0
            package var accuracies: [Double] = []
        }
        var index: [[SQLValue]: Int] = [:]
        var keys: [[SQLValue]] = []
        var accumulators: [Accumulator] = []
        for row in rows {
            let slot: Int
            if let existing = index[row.key] {
                slot = existing
            } else {
                slot = keys.count
                index[row.key] = slot
                keys.append(row.key)
                accumulators.append(Accumulator())
            }
            accumulators[slot].runs += 1
            switch row.status {
            case .completed:
                if let loss = row.finalLoss, loss.isFinite { accumulators[slot].losses.append(loss) }
                if let accuracy = row.validationAccuracy { accumulators[slot].accuracies.append(accuracy) }
            case .diverged:
                accumulators[slot].diverged += 1
            default:
                break
            }
            if row.targetLoss != nil { accumulators[slot].withTarget += 1 }
            if let iteration = row.reachedIteration {
                accumulators[slot].reached += 1
                accumulators[slot].reachedSum += Double(iteration)
            }
        }
        var groups = zip(keys, accumulators).map { key, accumulator in
            GroupSummary(
                key: key,
                runs: accumulator.runs,
                finalLoss: SampleSummary(accumulator.losses),
                validationAccuracy: SampleSummary(accumulator.accuracies),
                diverged: accumulator.diverged,
                withTarget: accumulator.withTarget,
                reached: accumulator.reached,
                reachedAt: accumulator.reached > 0 ? accumulator.reachedSum / Double(accumulator.reached) : nil
            )
        }
        groups.sort { SQLValue.keySortsBefore($0.key, $1.key) }
        return groups
    }

    // MARK: - Report

    /// Parses a `--where` expression, if given.
    ///
    /// - Parameter text: The expression.
    /// - Returns: The filter, or nil.
    /// - Throws: ``ReportError`` `badFilter`.
    public func filter(_ text: String?) throws(ReportError) -> FilterExpression? {
        guard let text else { return nil }
        return try catalog.filter(text)
    }

    /// The report of one experiment.
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - options: Grouping, filter, order and length.
    /// - Returns: The report.
    /// - Throws: ``ReportError`` for an unknown column, a bad filter, sort or top, or a database error.
    public func report(_ experiment: ExperimentRecord, options: ReportOptions = ReportOptions()) throws(ReportError)
        -> ExperimentReport
    {
        if let top = options.top, top < 1 {
            throw ReportError(.badOption, "--top is \(top); give a number of groups >= 1.")
        }
        let filter = try self.filter(options.filter)
        let columns = try groupColumns(for: experiment, names: options.groupBy)
        var rows = try runRows(experiment: experiment.name, keyColumns: columns, filter: filter)
        let metric: ReportMetric = rows.contains { $0.validationLoss != nil } ? .validationLoss : .finalLoss
        if metric == .validationLoss {
            for index in rows.indices { rows[index].useValidationLoss() }
        }
        let (sortName, descending) = try Self.parseSort(options.sort, columns: columns, metric: metric)
        var groups = Self.summarize(rows)
        Self.sort(&groups, by: sortName, descending: descending, columns: columns)
        let groupCount = groups.count
        if let top = options.top, groups.count > top { groups.removeLast(groups.count - top) }

        var statusCounts: [RunStatus: Int] = [:]
        var targets: Set<Double> = []
        var reached = 0
        var best: RunRow?
        for row in rows {
            statusCounts[row.status, default: 0] += 1
            if let target = row.targetLoss { targets.insert(target) }
            if row.reachedIteration != nil { reached += 1 }
            if row.status == .completed, let loss = row.finalLoss, loss.isFinite {
                if let current = best, let currentLoss = current.finalLoss,
                    !RunRanking.ranks(loss: loss, id: row.id, before: (currentLoss, current.id))
                {
                    continue
                }
                best = row
            }
        }
        let total = filter == nil ? rows.count : try runCount(experiment: experiment.name)
        let sequence =
            try Self.showsBestSoFar(experiment, option: options.bestSoFar)
            ? bestSoFar(experiment, filter: filter) : nil
        return ExperimentReport(
            experiment: experiment,
            filter: options.filter,
            totalRuns: total,
            statusCounts: statusCounts,
            best: try best.map { row throws(ReportError) in
                BestRun(
                    id: row.id, finalLoss: row.finalLoss ?? .nan,
                    values: try sweptValues(of: row.id, paths: Self.sweptPaths(of: experiment)))
            },
            groupColumns: columns,
            groups: groups,
            groupCount: groupCount,
            sortColumn: sortName,
            sortDescending: descending,
            targetLosses: targets.sorted(),
            reachedRuns: reached,
            metric: metric,
            bitsPerCharacter: metric == .validationLoss && !rows.isEmpty
                && rows.allSatisfy { $0.task == Self.languageModelTask },
            bestSoFar: sequence
        )
    }

    /// A run's values of some config paths.
    ///
    /// - Parameters:
    ///   - id: The run id.
    ///   - paths: Config paths.
    /// - Returns: The values, named as the catalog names them.
    /// - Throws: ``ReportError`` `store`.
    public func sweptValues(of id: String, paths: [String]) throws(ReportError) -> [NamedValue] {
        guard !paths.isEmpty else { return [] }
        let columns = paths.map { catalog.column(forPath: $0) }
        let sql = "SELECT " + columns.map(\.sqlExpression).joined(separator: ", ") + " FROM runs WHERE id = ?"
        do {
            return try store.read { db in
                guard let row = try Row.fetchOne(db, sql: sql, arguments: [id]) else { return [] }
                return columns.indices.map { index in
                    NamedValue(
                        name: columns[index].name,
                        value: columns[index].normalized(SQLValue(row[index] as DatabaseValue)))
                }
            }
        } catch {
            throw ReportError(error)
        }
    }

    /// The task whose losses are also shown in bits per character.
    package static let languageModelTask = "text"

    // MARK: - Sorting

    /// Splits `COLUMN[:asc|:desc]` and checks the column is one of the table's.
    ///
    /// - Parameters:
    ///   - text: The `--sort` value, or nil for the default (`finalLoss`, ascending).
    ///   - columns: The group columns.
    ///   - metric: The report's metric: its column name (`finalLoss` or `valLoss`) sorts by it.
    /// - Returns: The canonical column name and whether descending.
    /// - Throws: ``ReportError`` `unknownColumn` or `badOption`.
    package static func parseSort(_ text: String?, columns: [ReportColumn], metric: ReportMetric = .finalLoss)
        throws(ReportError) -> (String, Bool)
    {
        guard let text else { return (metric.columnName, false) }
        var name = text
        var descending = false
        if let colon = text.lastIndex(of: ":") {
            name = String(text[..<colon])
            switch text[text.index(after: colon)...].lowercased() {
            case "asc": descending = false
            case "desc": descending = true
            default:
                throw ReportError(
                    .badOption, "--sort \(text): the order after ':' must be asc or desc, e.g. --sort median:desc.")
            }
        }
        let known =
            columns.map(\.name)
            + statisticColumns.map { $0 == ReportMetric.finalLoss.columnName ? metric.columnName : $0 }
        if let match = known.first(where: { $0 == name })
            ?? known.first(where: { $0.lowercased() == name.lowercased() })
        {
            return (match, descending)
        }
        let hint = Suggestion.nearest(to: name, in: known).map { " Did you mean '\($0)'?" } ?? ""
        throw ReportError(
            .unknownColumn,
            "--sort: '\(name)' is not a column of the table.\(hint) Columns: \(known.joined(separator: ", "))."
        )
    }

    /// Sorts groups by a table column; missing values last, ties in key order.
    package static func sort(_ groups: inout [GroupSummary], by name: String, descending: Bool, columns: [ReportColumn])
    {
        let keyIndex = columns.firstIndex { $0.name == name }
        func value(_ group: GroupSummary) -> SQLValue {
            if let keyIndex { return group.key[keyIndex] }
            let number: Double?
            switch name {
            case "n": number = Double(group.finalLoss.count)
            case "min": number = group.finalLoss.minimum
            case "median": number = group.finalLoss.median
            case "diverged": number = Double(group.diverged)
            case "reachedAt": number = group.reachedAt
            default: number = group.finalLoss.mean
            }
            return number.map { .real($0) } ?? .null
        }
        let values = groups.map(value)
        let order = groups.indices.sorted { a, b in
            let left = values[a]
            let right = values[b]
            switch (left, right) {
            case (.null, .null): return a < b
            case (.null, _): return false
            case (_, .null): return true
            default:
                if SQLValue.sortsBefore(left, right) { return !descending }
                if SQLValue.sortsBefore(right, left) { return descending }
                return a < b
            }
        }
        groups = order.map { groups[$0] }
    }
}
