import Foundation

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
            TableColumn("n", kind: .integer), TableColumn("finalLoss", kind: .loss), TableColumn("min", kind: .loss),
            TableColumn("median", kind: .loss), TableColumn("diverged", kind: .integer),
        ]
        if report.hasTargetLoss { columns.append(TableColumn("reachedAt", kind: .number)) }
        let rows = report.groups.map { group in
            var cells = zip(report.groupColumns, group.key).map { column, value in column.cell(value) }
            let losses = group.finalLoss
            cells.append(.integer(losses.count))
            cells.append(losses.mean.map { .lossMeanStd(mean: $0, std: losses.standardDeviation) } ?? .empty)
            cells.append(losses.minimum.map(TableCell.loss) ?? .empty)
            cells.append(losses.median.map(TableCell.loss) ?? .empty)
            cells.append(.integer(group.diverged))
            if report.hasTargetLoss { cells.append(group.reachedAt.map(TableCell.number) ?? .empty) }
            return cells
        }
        return ReportTable(columns: columns, rows: rows)
    }

    static func kind(of column: ReportColumn) -> TableColumn.Kind {
        switch column.type {
        case .integer: .integer
        case .real: .number
        case .text: .text
        }
    }

    // MARK: - Summary lines

    /// The lines above the table: description, runs by status, best run, target loss, grouping.
    ///
    /// - Parameter report: The report.
    /// - Returns: The lines, without the experiment's name.
    public static func summaryLines(_ report: ExperimentReport) -> [String] {
        var lines: [String] = []
        let statuses = RunStatus.allCases.compactMap { status in
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
            var text = "best: run \(best.id), final loss \(TableRenderer.formatLoss(best.finalLoss))"
            if !best.values.isEmpty { text += " (" + best.values.map(\.text).joined(separator: ", ") + ")" }
            lines.append(text)
        } else if report.matchedRuns > 0 {
            lines.append("best: none yet (no completed run)")
        }
        if report.hasTargetLoss {
            let targets = report.targetLosses.map { String(format: "%g", $0) }.joined(separator: ", ")
            lines.append(
                "target loss \(targets): reached by \(report.reachedRuns) of \(report.matchedRuns) runs"
                    + " (reachedAt: the mean iteration at which it was)")
        }
        var grouping: String
        if report.groupColumns.isEmpty {
            grouping = "groups: one (nothing swept but seeds)"
        } else {
            grouping =
                "groups: \(report.groupCount) by " + report.groupColumns.map(\.name).joined(separator: " × ")
        }
        grouping += "; finalLoss is mean ± std over the n completed runs"
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
                var lines = [report.experiment.name + headerSuffix(report)]
                lines += summaryLines(report).map { "  " + $0 }
                lines.append("")
                lines.append(
                    report.groups.isEmpty
                        ? "(no runs match)" : TableRenderer.render(table(report), format: .table, width: width))
                return lines.joined(separator: "\n") + "\n"
            }.joined(separator: "\n")
        case .markdown:
            return reports.map { report in
                var lines = ["## \(report.experiment.name)", ""]
                if !report.experiment.description.isEmpty { lines += [report.experiment.description, ""] }
                lines += summaryLines(report).map { "- " + $0 }
                lines.append("")
                lines.append(
                    report.groups.isEmpty ? "(no runs match)" : TableRenderer.render(table(report), format: .markdown))
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
            let statuses = RunStatus.allCases.compactMap { status in
                report.statusCounts[status].map { TableRenderer.jsonString(status.rawValue) + ": " + String($0) }
            }
            members.append(("statuses", "{" + statuses.joined(separator: ", ") + "}"))
            if let best = report.best {
                let values = best.values.map { TableRenderer.jsonString($0.name) + ": " + jsonValue($0.value) }
                members.append(
                    (
                        "best",
                        "{\"id\": \(TableRenderer.jsonString(best.id)), \"finalLoss\": \(jsonNumber(best.finalLoss)), "
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
            return "{\n  " + members.map { TableRenderer.jsonString($0.0) + ": " + $0.1 }.joined(separator: ",\n  ")
                + "\n}"
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]"
    }
}
