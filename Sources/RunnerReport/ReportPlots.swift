import Foundation
import GRDB
import RunnerModel
import RunnerStore

/// What `runner plot` draws and how: grouping, filter and the heatmap's axes.
public struct PlotOptions: Sendable {
    /// The columns to group by; nil groups by the experiment's swept paths except `seed`.
    public var groupBy: [String]?
    /// A `--where` expression, or nil for every run.
    public var filter: String?
    /// The heatmap's row and column names; nil for hidden size × learning rate when both are
    /// swept, else the first two swept paths other than `seed`.
    public var heatmapAxes: [String]?
    /// Whether to draw the best objective so far against trial number; nil draws it for adaptive
    /// searches only (``ReportQuery/isAdaptive(_:)``).
    public var bestSoFar: Bool?

    /// Creates options.
    ///
    /// - Parameters:
    ///   - groupBy: The columns to group by.
    ///   - filter: A `--where` expression.
    ///   - heatmapAxes: Two column names: rows, then columns.
    ///   - bestSoFar: Whether to draw the best-so-far; nil for adaptive searches only.
    public init(
        groupBy: [String]? = nil, filter: String? = nil, heatmapAxes: [String]? = nil, bestSoFar: Bool? = nil
    ) {
        self.groupBy = groupBy
        self.filter = filter
        self.heatmapAxes = heatmapAxes
        self.bestSoFar = bestSoFar
    }
}

/// The charts of one experiment: loss curves (one chart, or one per facet when the groups are
/// many), a heatmap of the final loss over two parameters and, for adaptive searches or when
/// asked, the best objective so far against trial number.
public struct ExperimentPlots: Sendable {
    /// One loss-curve chart and what it holds.
    public struct CurveFigure: Sendable {
        /// The file name's distinguishing part (empty for a single chart).
        public var slug: String
        /// The values shared by the chart's groups (empty for a single chart).
        public var facet: [NamedValue]
        /// The chart.
        public var chart: LossCurveChart
    }

    /// The experiment.
    public var experiment: ExperimentRecord
    /// The loss-curve charts.
    public var curves: [CurveFigure]
    /// What the curve charts show, for a caption.
    public var curveNote: String
    /// The heatmap, or nil when it was skipped.
    public var heatmap: HeatmapChart?
    /// What the heatmap's cells hold, or why there is none.
    public var heatmapNote: String
    /// The best-so-far chart, or nil when it is not drawn.
    public var bestSoFar: BestSoFarChart?
    /// What the best-so-far chart shows, or why there is none; nil when it was not asked for.
    public var bestSoFarNote: String?

    /// The most groups a loss-curve chart gets before the groups are split over several charts.
    public static let groupsPerChart = 8
    /// The most loss-curve charts an experiment gets.
    public static let maximumCharts = 12

    /// The file name of a chart: the experiment's name and the kind, made safe for a file system.
    ///
    /// - Parameter suffix: `curves`, `curves-hiddenSize_25`, `heatmap`.
    /// - Returns: The name, e.g. `seed-sweep-curves.svg`.
    public func fileName(_ suffix: String) -> String {
        Self.slug(experiment.name) + "-" + suffix + ".svg"
    }

    /// Text made safe for a file name: letters, digits, `.`, `-` and `_`; runs of anything else
    /// become one `_`.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The slug; `_` when nothing is left.
    public static func slug(_ text: String) -> String {
        var result = ""
        for character in text {
            if character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character)) {
                result.append(character)
            } else if !result.hasSuffix("_") {
                result.append("_")
            }
        }
        while result.hasSuffix("_") { result.removeLast() }
        while result.hasPrefix("_") || result.hasPrefix(".") { result.removeFirst() }
        return result.isEmpty ? "_" : result
    }

    /// The SVG files to write: name and text.
    public var files: [(name: String, svg: String)] {
        var files: [(name: String, svg: String)] = []
        var used: Set<String> = []
        for figure in curves {
            var name = fileName(figure.slug.isEmpty ? "curves" : "curves-" + figure.slug)
            var counter = 2
            while used.contains(name) {
                name = fileName("curves-\(figure.slug)-\(counter)")
                counter += 1
            }
            used.insert(name)
            files.append((name, figure.chart.svg()))
        }
        if let heatmap { files.append((fileName("heatmap"), heatmap.svg())) }
        if let bestSoFar { files.append((fileName("best-so-far"), bestSoFar.svg())) }
        return files
    }

    /// Writes the SVG files into a directory, creating it when missing.
    ///
    /// - Parameter directory: The folder.
    /// - Returns: The files written.
    /// - Throws: ``ReportError`` `output`.
    public func write(to directory: URL) throws(ReportError) -> [URL] {
        var written: [URL] = []
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in files {
                let url = directory.appendingPathComponent(file.name)
                try Data(file.svg.utf8).write(to: url, options: .atomic)
                written.append(url)
            }
        } catch {
            throw ReportError(
                .output, "cannot write the plots into \(directory.path): \(error.localizedDescription); check --out.")
        }
        return written
    }
}

extension ReportQuery {
    /// The charts of one experiment.
    ///
    /// Curves come from completed runs only (a diverged run's losses would stretch the axis to
    /// infinity); the caption says how many diverged runs were left out.
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - options: Grouping, filter and heatmap axes.
    /// - Returns: The charts.
    /// - Throws: ``ReportError`` for an unknown column, a bad filter or a database error.
    public func plots(_ experiment: ExperimentRecord, options: PlotOptions = PlotOptions()) throws(ReportError)
        -> ExperimentPlots
    {
        let filter = try self.filter(options.filter)
        let columns = try groupColumns(for: experiment, names: options.groupBy)
        let axes = try heatmapAxes(for: experiment, names: options.heatmapAxes)

        // Loss curves.
        var groups = try curveGroups(experiment: experiment.name, keyColumns: columns, filter: filter)
        // Validation curves where every run has evaluated at least twice at one spacing.
        let validation = try validationCurveGroups(experiment: experiment.name, keyColumns: columns, filter: filter)
        if let validation { groups = validation.groups }
        let diverged = try count(experiment: experiment.name, status: .diverged, filter: filter)
        let facets = Self.facetColumns(keys: groups.map(\.key), columnCount: columns.count)
        var figures: [ExperimentPlots.CurveFigure] = []
        var byFacet: [[SQLValue]: Int] = [:]
        for group in groups {
            let facetKey = facets.map { group.key[$0] }
            let label =
                columns.indices.filter { !facets.contains($0) }.map {
                    NamedValue(name: columns[$0].name, value: group.key[$0]).text
                }.joined(separator: ", ")
            let curveGroup = CurveGroup(label: label.isEmpty ? "all runs" : label, curves: group.curves)
            if let index = byFacet[facetKey] {
                figures[index].chart.groups.append(curveGroup)
            } else {
                let facet = facets.map { NamedValue(name: columns[$0].name, value: group.key[$0]) }
                let title =
                    "\(experiment.name): \(validation == nil ? "loss curves" : "validation loss")"
                    + (facet.isEmpty ? "" : ", " + facet.map(\.text).joined(separator: ", "))
                byFacet[facetKey] = figures.count
                var chart = LossCurveChart(
                    title: title, groups: [curveGroup], yAxisTitle: validation == nil ? "loss" : "validation loss")
                chart.pointSpacing = validation?.spacing ?? 1
                figures.append(
                    ExperimentPlots.CurveFigure(
                        slug: facet.isEmpty ? "" : ExperimentPlots.slug(facet.map(\.text).joined(separator: "_")),
                        facet: facet,
                        chart: chart))
            }
        }
        let runCount = groups.reduce(0) { $0 + $1.curves.count }
        var curveNote: String
        if groups.isEmpty {
            curveNote = "No loss curves: no completed run matches."
        } else {
            curveNote =
                (validation.map { "Validation passes every \($0.spacing) iterations. " } ?? "")
                + "Per group: the mean loss over its \(runCount == groups.count ? "run" : "seeds") (line) and the "
                + "min–max band across them, from \(runCount) completed runs"
            if !facets.isEmpty {
                curveNote += "; one chart per " + facets.map { columns[$0].name }.joined(separator: " × ")
            }
            curveNote += "."
        }
        if diverged > 0 {
            curveNote += " \(diverged) diverged run\(diverged == 1 ? " is" : "s are") left out."
        }

        // Heatmap.
        var heatmap: HeatmapChart?
        var heatmapNote: String
        if let axes {
            var rows = try runRows(experiment: experiment.name, keyColumns: axes, filter: filter)
            let metric: ReportMetric = rows.contains { $0.validationLoss != nil } ? .validationLoss : .finalLoss
            if metric == .validationLoss {
                for index in rows.indices { rows[index].useValidationLoss() }
            }
            let cells = Self.summarize(rows)
            func labels(_ position: Int) -> [SQLValue] {
                var seen: Set<SQLValue> = []
                return cells.map { $0.key[position] }.filter { seen.insert($0).inserted }.sorted(
                    by: SQLValue.sortsBefore)
            }
            let rowValues = labels(0)
            let columnValues = labels(1)
            var values = [[Double?]](
                repeating: [Double?](repeating: nil, count: columnValues.count), count: rowValues.count)
            let rowIndex = Dictionary(uniqueKeysWithValues: rowValues.enumerated().map { ($1, $0) })
            let columnIndex = Dictionary(uniqueKeysWithValues: columnValues.enumerated().map { ($1, $0) })
            for cell in cells {
                guard let row = rowIndex[cell.key[0]], let column = columnIndex[cell.key[1]] else { continue }
                if let mean = cell.finalLoss.mean {
                    values[row][column] = mean
                } else if cell.diverged > 0 {
                    values[row][column] = .nan
                }
            }
            let others = columns.filter { column in !axes.contains { $0.sqlExpression == column.sqlExpression } }
            heatmapNote =
                "Each cell: the mean \(metric.words) of the completed runs over seeds"
                + (others.isEmpty ? "" : " and " + others.map(\.name).joined(separator: ", "))
                + "; grey: every run diverged; empty: no finished run."
            heatmap = HeatmapChart(
                title: "\(experiment.name): \(metric.words) by \(axes[0].name) and \(axes[1].name)",
                xLabels: columnValues.map(ReportColumn.display),
                yLabels: rowValues.map(ReportColumn.display),
                values: values,
                xAxisTitle: axes[1].name,
                yAxisTitle: axes[0].name,
                valueTitle: metric.words
            )
        } else {
            heatmapNote =
                "No heatmap: the experiment sweeps fewer than two parameters besides the seed; "
                + "choose two columns with --heatmap ROWS,COLUMNS."
        }
        var plots = ExperimentPlots(
            experiment: experiment, curves: figures, curveNote: curveNote, heatmap: heatmap, heatmapNote: heatmapNote)
        if Self.showsBestSoFar(experiment, option: options.bestSoFar) {
            let (chart, note) = Self.bestSoFarChart(experiment, try bestSoFar(experiment, filter: filter))
            plots.bestSoFar = chart
            plots.bestSoFarNote = note
        }
        return plots
    }

    /// The best-so-far chart of an experiment and its caption, or no chart and why.
    static func bestSoFarChart(_ experiment: ExperimentRecord, _ bestSoFar: BestSoFar) -> (BestSoFarChart?, String) {
        guard !bestSoFar.points.isEmpty else { return (nil, "No best-so-far chart: no run matches.") }
        var note =
            "Per trial, in trial order: the lowest \(bestSoFar.objectiveWords) of the trials up to it (line) and the "
            + "trial's own (dots; orange where it set a new best)"
        let without = bestSoFar.withoutObjective
        if !without.isEmpty {
            let counts = without.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
            note +=
                "; \(counts.joined(separator: ", ")) trial\(without.values.reduce(0, +) == 1 ? " has" : "s have") "
                + "no objective (grey ticks) and never improve it"
        }
        let chart = BestSoFarChart(
            title: "\(experiment.name): best \(bestSoFar.objectiveWords) so far", bestSoFar: bestSoFar)
        return (chart, note + ".")
    }

    /// The heatmap's row and column columns, or nil when there are not two to choose.
    package func heatmapAxes(for experiment: ExperimentRecord, names: [String]?) throws(ReportError) -> [ReportColumn]?
    {
        if let names {
            guard names.count == 2 else {
                throw ReportError(
                    .badOption,
                    "--heatmap has \(names.count) name\(names.count == 1 ? "" : "s"); give two: ROWS,COLUMNS, "
                        + "e.g. --heatmap hiddenSize,learningRate.")
            }
            let axes = [
                try catalog.column(named: names[0], option: "--heatmap"),
                try catalog.column(named: names[1], option: "--heatmap"),
            ]
            guard axes[0].sqlExpression != axes[1].sqlExpression else {
                throw ReportError(.badOption, "--heatmap names \(names[0]) twice; give two different columns.")
            }
            return axes
        }
        let swept = Self.sweptPaths(of: experiment).filter { $0 != "seed" }
        if swept.contains("model.hiddenSize") && swept.contains("training.learningRate") {
            return [catalog.column(forPath: "model.hiddenSize"), catalog.column(forPath: "training.learningRate")]
        }
        guard swept.count >= 2 else { return nil }
        return [catalog.column(forPath: swept[0]), catalog.column(forPath: swept[1])]
    }

    /// The validation curves of the completed matching runs, grouped by key, in key order, when
    /// every one of them has at least two validation passes at one spacing (`evaluation.every`):
    /// the passes at multiples of it (a last pass off the spacing is left out).
    func validationCurveGroups(experiment: String, keyColumns: [ReportColumn], filter: FilterExpression?)
        throws(ReportError) -> (groups: [(key: [SQLValue], curves: [[Double]])], spacing: Int)?
    {
        let (from, arguments) = Self.fromClause(
            experiment: experiment, filter: filter, extraCondition: #""runs"."status" = 'completed'"#)
        let e = EvaluationColumns.self
        let count = keyColumns.count
        do {
            return try store.read { db in
                guard try db.tableExists(e.table),
                    try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(e.table))") == true
                else { return nil }
                let sql =
                    "SELECT " + (keyColumns.map(\.sqlExpression) + [#""runs"."id""#]).joined(separator: ", ") + from
                var keys: [String: [SQLValue]] = [:]
                var order: [String] = []
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(sqlValues: arguments))
                while let row = try cursor.next() {
                    let id: String = row[count]
                    keys[id] = (0..<count).map { keyColumns[$0].normalized(SQLValue(row[$0] as DatabaseValue)) }
                    order.append(id)
                }
                guard !order.isEmpty else { return nil }
                var passes: [String: [(Int, Double?)]] = [:]
                let rows = try Row.fetchCursor(
                    db,
                    sql: "SELECT \(e.runID.name), \(e.iteration.name), \(e.validationLoss.name) FROM \(e.table) "
                        + "WHERE \(e.runID.name) IN (SELECT run_id FROM experiment_runs WHERE experiment = ?) "
                        + "ORDER BY \(e.runID.name), \(e.iteration.name)",
                    arguments: [experiment])
                while let row = try rows.next() {
                    let id: String = row[0]
                    guard keys[id] != nil else { continue }
                    passes[id, default: []].append((row[1], row[2]))
                }
                guard let spacing = passes[order[0]]?.first?.0, spacing > 0 else { return nil }
                var index: [[SQLValue]: Int] = [:]
                var groups: [(key: [SQLValue], curves: [[Double]])] = []
                for id in order {
                    let aligned = (passes[id] ?? []).filter { $0.0 % spacing == 0 }
                    guard aligned.count >= 2, aligned.enumerated().allSatisfy({ $1.0 == ($0 + 1) * spacing }) else {
                        return nil
                    }
                    let curve = aligned.map { $0.1 ?? .nan }
                    let key = keys[id] ?? []
                    if let slot = index[key] {
                        groups[slot].curves.append(curve)
                    } else {
                        index[key] = groups.count
                        groups.append((key, [curve]))
                    }
                }
                groups.sort { SQLValue.keySortsBefore($0.key, $1.key) }
                return (groups, spacing)
            }
        } catch {
            throw ReportError(error)
        }
    }

    /// The loss curves of the completed matching runs, grouped by key, in key order.
    func curveGroups(experiment: String, keyColumns: [ReportColumn], filter: FilterExpression?) throws(ReportError)
        -> [(key: [SQLValue], curves: [[Double]])]
    {
        let (from, arguments) = Self.fromClause(
            experiment: experiment, filter: filter, extraCondition: #""runs"."status" = 'completed'"#, joinCurves: true)
        let sql =
            "SELECT " + (keyColumns.map(\.sqlExpression) + [#""curves"."losses""#]).joined(separator: ", ") + from
        let count = keyColumns.count
        do {
            return try store.read { db in
                var index: [[SQLValue]: Int] = [:]
                var groups: [(key: [SQLValue], curves: [[Double]])] = []
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(sqlValues: arguments))
                while let row = try cursor.next() {
                    let key = (0..<count).map { keyColumns[$0].normalized(SQLValue(row[$0] as DatabaseValue)) }
                    guard let blob = row[count] as Data?, let curve = LossCurve.decode(blob) else { continue }
                    if let slot = index[key] {
                        groups[slot].curves.append(curve)
                    } else {
                        index[key] = groups.count
                        groups.append((key, [curve]))
                    }
                }
                groups.sort { SQLValue.keySortsBefore($0.key, $1.key) }
                return groups
            }
        } catch {
            throw ReportError(error)
        }
    }

    /// The number of matching runs of an experiment with a status.
    func count(experiment: String, status: RunStatus, filter: FilterExpression?) throws(ReportError) -> Int {
        let (from, arguments) = Self.fromClause(
            experiment: experiment, filter: filter, extraCondition: #""runs"."status" = ?"#)
        var values = arguments
        values.insert(.text(status.rawValue), at: 1)
        do {
            return try store.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*)" + from, arguments: StatementArguments(sqlValues: values))
                    ?? 0
            }
        } catch {
            throw ReportError(error)
        }
    }

    /// The group columns whose values split the loss curves over several charts: none when the
    /// groups fit one chart; else the smallest set of columns that leaves at most
    /// ``ExperimentPlots/groupsPerChart`` groups a chart in the fewest charts (at most
    /// ``ExperimentPlots/maximumCharts``), or, when none does, the fewest groups a chart.
    ///
    /// - Parameters:
    ///   - keys: The groups' keys.
    ///   - columnCount: The number of group columns.
    /// - Returns: The indices of the facet columns, ascending.
    static func facetColumns(keys: [[SQLValue]], columnCount: Int) -> [Int] {
        guard keys.count > ExperimentPlots.groupsPerChart, columnCount > 1, columnCount <= 8 else { return [] }
        var best: (columns: [Int], charts: Int, perChart: Int)?
        for mask in 1..<(1 << columnCount) - 1 {
            let chosen = (0..<columnCount).filter { mask & (1 << $0) != 0 }
            var counts: [[SQLValue]: Int] = [:]
            for key in keys { counts[chosen.map { key[$0] }, default: 0] += 1 }
            let charts = counts.count
            let perChart = counts.values.max() ?? 0
            guard charts <= ExperimentPlots.maximumCharts else { continue }
            guard let current = best else {
                best = (chosen, charts, perChart)
                continue
            }
            let fits = perChart <= ExperimentPlots.groupsPerChart
            let currentFits = current.perChart <= ExperimentPlots.groupsPerChart
            let better: Bool
            if fits != currentFits {
                better = fits
            } else if fits {
                better =
                    (charts, chosen.count) < (current.charts, current.columns.count)
            } else {
                better = (perChart, charts) < (current.perChart, current.charts)
            }
            if better { best = (chosen, charts, perChart) }
        }
        return best?.columns ?? []
    }
}
