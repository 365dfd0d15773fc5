import Foundation
import RunnerModel
import RunnerReport
import RunnerStore

/// What `runner report` prints: per experiment, the runs by status, the best run and the table of
/// groups, as aligned text, Markdown, CSV or JSON.
public enum ReportOutput {
    // MARK: - Table

    /// The group table of one experiment.
    ///
    /// Columns: the group columns, `n` (completed runs), `finalLoss` (mean ± std over them), `min`,
    /// `median`, `diverged` and, when a run sets `stop.targetLoss`, `reachedAt` (the mean iteration
    /// at which it was reached).
    ///
    /// - Parameter report: The report.
    /// - Returns: The table.
    public static func table(_ report: ExperimentReport) -> ReportTable {
        var columns = report.groupColumns.map { column in
            TableColumn(column.name, kind: kind(of: column))
        }
        columns += [
            TableColumn("n", kind: .integer), TableColumn(report.metric.columnName, kind: .loss),
            TableColumn("min", kind: .loss), TableColumn("median", kind: .loss),
            TableColumn("diverged", kind: .integer),
        ]
        let accuracy = report.groups.contains { $0.validationAccuracy.count > 0 }
        if accuracy { columns.append(TableColumn("valAcc", kind: .number)) }
        if report.bitsPerCharacter { columns.append(TableColumn("valBPC", kind: .number)) }
        if report.hasTargetLoss { columns.append(TableColumn("reachedAt", kind: .number)) }
        let rows = report.groups.map { group in
            var cells = zip(report.groupColumns, group.key).map { column, value in column.cell(value) }
            let losses = group.finalLoss
            cells.append(.integer(losses.count))
            cells.append(losses.mean.map { .lossMeanStd(mean: $0, std: losses.standardDeviation) } ?? .empty)
            cells.append(losses.minimum.map(TableCell.loss) ?? .empty)
            cells.append(losses.median.map(TableCell.loss) ?? .empty)
            cells.append(.integer(group.diverged))
            if accuracy { cells.append(group.validationAccuracy.mean.map(TableCell.number) ?? .empty) }
            if report.bitsPerCharacter {
                cells.append(losses.mean.map { TableCell.number($0 / log(2.0)) } ?? .empty)
            }
            if report.hasTargetLoss { cells.append(group.reachedAt.map(TableCell.number) ?? .empty) }
            return cells
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// The `table` rendering of ``table(_:)``; when its number columns alone are too wide for
    /// `width`, the group columns are joined into one text column (which can be shortened), headed
    /// by their names.
    ///
    /// - Parameters:
    ///   - report: The report.
    ///   - width: The most characters a line.
    /// - Returns: The table's text.
    static func fittedTable(_ report: ExperimentReport, width: Int) -> String {
        let full = table(report)
        let text = TableRenderer.render(full, format: .table, width: width)
        let keyCount = report.groupColumns.count
        guard keyCount > 1, text.split(separator: "\n").contains(where: { $0.count > width }) else { return text }
        let title = report.groupColumns.map(\.name).joined(separator: ", ")
        let rows = full.rows.map { cells in
            let key = cells.prefix(keyCount).map(TableRenderer.readable).joined(separator: ", ")
            return [TableCell.text(key)] + cells.dropFirst(keyCount)
        }
        let joined = ReportTable(columns: [TableColumn(title)] + full.columns.dropFirst(keyCount), rows: rows)
        return TableRenderer.render(joined, format: .table, width: width)
    }

    static func kind(of column: ReportColumn) -> TableColumn.Kind {
        switch column.type {
        case .integer: .integer
        case .real: .number
        case .text: .text
        }
    }

    // MARK: - Best so far

    /// The compact best-so-far table (``BestSoFar/summary``): `trial`, `best` (the lowest
    /// objective up to it), `bestTrial` and `bestRun` (the trial and run that hold it; the row
    /// where `bestTrial` is `trial` improved it) and `thisTrial` (its own objective, or its
    /// status when it has none).
    ///
    /// - Parameter bestSoFar: The sequence.
    /// - Returns: The table.
    public static func bestSoFarTable(_ bestSoFar: BestSoFar) -> ReportTable {
        let columns = [
            TableColumn("trial", kind: .integer), TableColumn("best", kind: .loss),
            TableColumn("bestTrial", kind: .integer), TableColumn("bestRun"),
            TableColumn("thisTrial", alignment: .right),
        ]
        let rows = bestSoFar.summary.map { point -> [TableCell] in
            [
                .integer(point.trial.number), point.best.map(TableCell.loss) ?? .empty,
                point.bestTrial.map(TableCell.integer) ?? .empty, point.bestRunID.map(TableCell.text) ?? .empty,
                .text(point.trial.objective.map { TableRenderer.formatLoss($0) } ?? point.trial.status.rawValue),
            ]
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// The line over the best-so-far table: what the objective is, how often it improved, and
    /// the trials without one.
    static func bestSoFarHeading(_ bestSoFar: BestSoFar) -> String {
        let points = bestSoFar.points
        let improvements = points.filter(\.improved).count
        var text =
            "best \(bestSoFar.objectiveWords) so far by trial: improved at \(improvements) of \(points.count) trials"
        let without = statusOrder.compactMap { status in
            bestSoFar.withoutObjective[status].map { "\($0) \(status.rawValue)" }
        }
        if !without.isEmpty { text += "; no objective: " + without.joined(separator: ", ") }
        if bestSoFar.summary.filter(\.improved).count < improvements {
            text += "; improvements between the rows left out (runner plot draws every trial)"
        }
        return text
    }

    /// The best-so-far section of the `table` or `markdown` format: nothing when the report has
    /// none or no trial.
    static func bestSoFarLines(_ report: ExperimentReport, format: TableFormat, width: Int) -> [String] {
        guard let bestSoFar = report.bestSoFar, !bestSoFar.points.isEmpty else { return [] }
        let table = TableRenderer.render(bestSoFarTable(bestSoFar), format: format, width: width)
        if format == .markdown { return ["", bestSoFarHeading(bestSoFar) + ".", "", table] }
        return [""] + wrap(bestSoFarHeading(bestSoFar), indent: "", width: width) + [table]
    }

    static func bestSoFarJSON(_ bestSoFar: BestSoFar?) -> String {
        guard let bestSoFar else { return "null" }
        let trials = bestSoFar.points.map { point in
            "{\"trial\": \(point.trial.number), \"run\": \(TableRenderer.jsonString(point.trial.runID)), "
                + "\"status\": \(TableRenderer.jsonString(point.trial.status.rawValue)), "
                + "\"objective\": \(jsonNumber(point.trial.objective)), \"best\": \(jsonNumber(point.best)), "
                + "\"bestTrial\": \(point.bestTrial.map(String.init) ?? "null"), "
                + "\"bestRun\": \(point.bestRunID.map(TableRenderer.jsonString) ?? "null")}"
        }
        return "{\"objective\": \(TableRenderer.jsonString(bestSoFar.objectiveWords)), \"trials\": ["
            + (trials.isEmpty ? "" : "\n    " + trials.joined(separator: ",\n    ") + "\n  ") + "]}"
    }

    // MARK: - Summary lines

    /// The order statuses are listed in: finished ones first.
    static let statusOrder: [RunStatus] = [.completed, .pruned, .diverged, .failed, .interrupted, .running, .pending]

    /// What the statistics columns hold, printed under the table.
    static func legend(_ report: ExperimentReport) -> String {
        var text =
            "n: completed runs; \(report.metric.columnName): their mean ± std; min, median: of their "
            + "\(report.metric.words)es"
        if report.metric == .validationLoss {
            text += " (the final weights on the validation set)"
        }
        if report.groups.contains(where: { $0.validationAccuracy.count > 0 }) {
            text += "; valAcc: mean validation accuracy"
        }
        if report.bitsPerCharacter { text += "; valBPC: mean validation bits per character (valLoss / ln 2)" }
        return text
    }

    /// Breaks a line at spaces so that it fits `width` characters; continuation lines start with
    /// `indent` and four more spaces. A word longer than the width stays whole.
    ///
    /// - Parameters:
    ///   - line: The text.
    ///   - indent: The first line's indent.
    ///   - width: The width.
    /// - Returns: The lines.
    static func wrap(_ line: String, indent: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = indent
        var lineStart = true
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if !lineStart && current.count + 1 + word.count > width {
                lines.append(current)
                current = indent + "    " + word
            } else {
                current += (lineStart ? "" : " ") + word
            }
            lineStart = false
        }
        lines.append(current)
        return lines
    }

    /// The lines above the table: description, runs by status, best run, target loss, grouping.
    ///
    /// - Parameter report: The report.
    /// - Returns: The lines, without the experiment's name.
    public static func summaryLines(_ report: ExperimentReport) -> [String] {
        var lines: [String] = []
        let statuses = statusOrder.compactMap { status in
            report.statusCounts[status].map { "\($0) \(status.rawValue)" }
        }
        var runs: String
        if let filter = report.filter {
            runs = "runs: \(report.matchedRuns) of \(report.totalRuns) match --where '\(filter)'"
        } else {
            runs = "runs: \(report.totalRuns)"
        }
        if !statuses.isEmpty { runs += " (" + statuses.joined(separator: ", ") + ")" }
        lines.append(runs)
        if let best = report.best {
            var text = "best: run \(best.id), \(report.metric.words) \(TableRenderer.formatLoss(best.finalLoss))"
            if !best.values.isEmpty { text += " (" + best.values.map(\.text).joined(separator: ", ") + ")" }
            lines.append(text)
        } else if report.matchedRuns > 0 {
            lines.append("best: none yet (no completed run)")
        }
        if report.hasTargetLoss {
            let targets = report.targetLosses.map { String(format: "%g", $0) }.joined(separator: ", ")
            lines.append(
                "target loss \(targets): reached by \(report.reachedRuns) of \(report.matchedRuns) runs"
                    + "; reachedAt: the mean iteration it took")
        }
        var grouping: String
        if report.groupColumns.isEmpty {
            grouping = "groups: one (nothing swept but seeds)"
        } else {
            grouping =
                "groups: \(report.groupCount) by " + report.groupColumns.map(\.name).joined(separator: " × ")
        }
        grouping += "; sorted by \(report.sortColumn)\(report.sortDescending ? " (descending)" : "")"
        if report.groups.count < report.groupCount { grouping += "; top \(report.groups.count) shown" }
        lines.append(grouping)
        return lines
    }

    // MARK: - Formats

    /// The report of some experiments in a format.
    ///
    /// - Parameters:
    ///   - reports: The experiments' reports.
    ///   - format: `table` and `markdown` print the summary lines and a table per experiment; `csv`
    ///     prints one table with an `experiment` column; `json` an array of objects, one per
    ///     experiment.
    ///   - width: The width the `table` format fits into.
    /// - Returns: The text, ending with a newline.
    public static func text(_ reports: [ExperimentReport], format: TableFormat, width: Int = TableRenderer.defaultWidth)
        -> String
    {
        switch format {
        case .table:
            return reports.map { report in
                var lines = wrap(report.experiment.name + headerSuffix(report), indent: "", width: width)
                for line in summaryLines(report) { lines += wrap(line, indent: "  ", width: width) }
                lines.append("")
                if report.groups.isEmpty {
                    lines.append("(no runs match)")
                } else {
                    lines.append(fittedTable(report, width: width))
                    lines.append(legend(report))
                }
                lines += bestSoFarLines(report, format: .table, width: width)
                return lines.joined(separator: "\n") + "\n"
            }.joined(separator: "\n")
        case .markdown:
            return reports.map { report in
                var lines = ["## \(report.experiment.name)", ""]
                if !report.experiment.description.isEmpty { lines += [report.experiment.description, ""] }
                lines += summaryLines(report).map { "- " + $0 }
                lines.append("")
                if report.groups.isEmpty {
                    lines.append("(no runs match)")
                } else {
                    lines += [TableRenderer.render(table(report), format: .markdown), "", legend(report) + "."]
                }
                lines += bestSoFarLines(report, format: .markdown, width: width)
                return lines.joined(separator: "\n") + "\n"
            }.joined(separator: "\n")
        case .csv:
            return TableRenderer.render(combinedTable(reports), format: .csv) + "\n"
        case .json:
            return json(reports) + "\n"
        }
    }

    private static func headerSuffix(_ report: ExperimentReport) -> String {
        report.experiment.description.isEmpty ? "" : ": " + report.experiment.description
    }

    /// One table for several experiments: an `experiment` column, then the union of their columns.
    ///
    /// - Parameter reports: The reports.
    /// - Returns: The table.
    static func combinedTable(_ reports: [ExperimentReport]) -> ReportTable {
        var columns = [TableColumn("experiment")]
        var rows: [[TableCell]] = []
        let tables = reports.map(table)
        for table in tables {
            for column in table.columns where !columns.contains(where: { $0.title == column.title }) {
                columns.append(column)
            }
        }
        for (report, table) in zip(reports, tables) {
            let positions = table.columns.map { column in columns.firstIndex { $0.title == column.title } ?? 0 }
            for row in table.rows {
                var cells = [TableCell](repeating: .empty, count: columns.count)
                cells[0] = .text(report.experiment.name)
                for (index, cell) in row.enumerated() where index < positions.count { cells[positions[index]] = cell }
                rows.append(cells)
            }
        }
        return ReportTable(columns: columns, rows: rows)
    }

    /// A JSON value for a cell-like value.
    static func jsonValue(_ value: SQLValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let integer): String(integer)
        case .real(let real): jsonNumber(real)
        case .text(let text): TableRenderer.jsonString(text)
        }
    }

    static func jsonNumber(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return "\(value)"
    }

    private static func json(_ reports: [ExperimentReport]) -> String {
        let objects = reports.map { report -> String in
            var members: [(String, String)] = [
                ("experiment", TableRenderer.jsonString(report.experiment.name)),
                ("description", TableRenderer.jsonString(report.experiment.description)),
                ("filter", report.filter.map(TableRenderer.jsonString) ?? "null"),
                ("runs", String(report.totalRuns)),
                ("matched", String(report.matchedRuns)),
            ]
            let statuses = statusOrder.compactMap { status in
                report.statusCounts[status].map { TableRenderer.jsonString(status.rawValue) + ": " + String($0) }
            }
            members.append(("statuses", "{" + statuses.joined(separator: ", ") + "}"))
            if let best = report.best {
                let values = best.values.map { TableRenderer.jsonString($0.name) + ": " + jsonValue($0.value) }
                members.append(
                    (
                        "best",
                        "{\"id\": \(TableRenderer.jsonString(best.id)), "
                            + "\(TableRenderer.jsonString(report.metric.columnName)): \(jsonNumber(best.finalLoss)), "
                            + "\"values\": {" + values.joined(separator: ", ") + "}}"
                    ))
            } else {
                members.append(("best", "null"))
            }
            members.append(
                ("targetLoss", "[" + report.targetLosses.map { jsonNumber($0) }.joined(separator: ", ") + "]"))
            members.append(("reachedRuns", String(report.reachedRuns)))
            members.append(
                (
                    "groupBy",
                    "[" + report.groupColumns.map { TableRenderer.jsonString($0.name) }.joined(separator: ", ") + "]"
                ))
            members.append(
                ("sort", TableRenderer.jsonString(report.sortColumn + (report.sortDescending ? ":desc" : ""))))
            members.append(("groupCount", String(report.groupCount)))
            let groups = TableRenderer.render(table(report), format: .json)
            members.append(("groups", groups.replacingOccurrences(of: "\n", with: "\n  ")))
            members.append(("bestSoFar", bestSoFarJSON(report.bestSoFar)))
            return "{\n  " + members.map { TableRenderer.jsonString($0.0) + ": " + $0.1 }.joined(separator: ",\n  ")
                + "\n}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]"
    }
}
