import Foundation
import RunnerReport

/// What `runner compare` prints: the configs side by side with the differing rows marked, the
/// final-loss statistics of each side and Welch's t-test.
public enum CompareOutput {
    /// The most values listed for one path of a group before the rest is counted.
    static let listedValues = 4

    /// A set of values as one cell: `25`, `25, 50, 100` or `25, 50, 100, … (6 values)`, numbers
    /// in numeric order.
    ///
    /// - Parameter values: The distinct values.
    /// - Returns: The text.
    static func cellText(_ values: Set<String>?) -> String {
        guard let values, !values.isEmpty else { return "(none)" }
        let sorted = values.sorted { left, right in
            switch (Double(left), Double(right)) {
            case (let a?, let b?): a < b
            case (_?, nil): true
            case (nil, _?): false
            case (nil, nil): left < right
            }
        }
        if sorted.count <= listedValues { return sorted.joined(separator: ", ") }
        return sorted.prefix(listedValues - 1).joined(separator: ", ") + ", … (\(sorted.count) values)"
    }

    /// The config table: a marker column (`*` where the sides differ), the path, A and B.
    ///
    /// - Parameter comparison: The comparison.
    /// - Returns: The table.
    public static func configTable(_ comparison: Comparison) -> ReportTable {
        ReportTable(
            columns: [TableColumn(""), TableColumn("config"), TableColumn("A"), TableColumn("B")],
            rows: comparison.paths.map { path in
                [
                    .text(comparison.differs(path) ? "*" : ""), .text(path),
                    .text(cellText(comparison.a.values[path])), .text(cellText(comparison.b.values[path])),
                ]
            })
    }

    /// The statistics table: one row a side.
    ///
    /// - Parameter comparison: The comparison.
    /// - Returns: The table.
    public static func statisticsTable(_ comparison: Comparison) -> ReportTable {
        ReportTable(
            columns: [
                TableColumn("side"), TableColumn("n", kind: .integer), TableColumn("finalLoss", kind: .loss),
                TableColumn("min", kind: .loss), TableColumn("median", kind: .loss), TableColumn("max", kind: .loss),
                TableColumn("diverged", kind: .integer),
            ],
            rows: [("A", comparison.a), ("B", comparison.b)].map { name, side in
                let summary = side.summary
                return [
                    .text(name), .integer(summary.count),
                    summary.mean.map { .lossMeanStd(mean: $0, std: summary.standardDeviation) } ?? .empty,
                    summary.minimum.map(TableCell.loss) ?? .empty, summary.median.map(TableCell.loss) ?? .empty,
                    summary.maximum.map(TableCell.loss) ?? .empty, .integer(side.diverged),
                ]
            })
    }

    /// The t-test's line.
    ///
    /// - Parameter comparison: The comparison.
    /// - Returns: One line.
    public static func testLine(_ comparison: Comparison) -> String {
        guard let test = comparison.test else {
            return "Welch's t-test: needs two or more completed runs on each side (A has "
                + "\(comparison.a.finalLosses.count), B has \(comparison.b.finalLosses.count))."
        }
        let t = test.t.isInfinite ? (test.t > 0 ? "inf" : "-inf") : String(format: "%.3f", test.t)
        var line = String(
            format: "Welch's t-test (two-sided): t = %@, df = %.1f, p = %.3g", t, test.degreesOfFreedom, test.pValue)
        let meanA = comparison.a.summary.mean ?? .nan
        let meanB = comparison.b.summary.mean ?? .nan
        if meanA != meanB {
            line += "; A's mean \(comparison.a.metric.words) is \(meanA < meanB ? "lower" : "higher")"
            line += test.pValue < 0.05 ? " (p < 0.05)" : " but p >= 0.05: no clear difference"
        } else {
            line += "; the means are equal"
        }
        return line + "."
    }

    /// The whole comparison as text.
    ///
    /// - Parameters:
    ///   - comparison: The comparison.
    ///   - highlight: Show the differing config rows in bold yellow (ANSI), for a terminal.
    ///   - width: The width the tables fit into.
    /// - Returns: The text, ending with a newline.
    public static func text(_ comparison: Comparison, highlight: Bool = false, width: Int = TableRenderer.defaultWidth)
        -> String
    {
        var lines = [
            "A: \(comparison.a.label)",
            "B: \(comparison.b.label)",
            "",
        ]
        let configLines = TableRenderer.render(configTable(comparison), format: .table, width: width).split(
            separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in configLines.enumerated() {
            let row = index - 2
            if highlight, row >= 0, row < comparison.paths.count, comparison.differs(comparison.paths[row]) {
                lines.append("\u{1B}[1;33m" + line + "\u{1B}[0m")
            } else {
                lines.append(String(line))
            }
        }
        let differing = comparison.paths.filter(comparison.differs).count
        lines.append(
            differing == 0
                ? "The configs do not differ."
                : differing == 1
                    ? "* marks the config path that differs." : "* marks the \(differing) config paths that differ.")
        lines.append("")
        lines.append(
            "\(comparison.a.metric.words) over seeds: A over \(comparison.a.scope); B over \(comparison.b.scope)")
        lines.append(TableRenderer.render(statisticsTable(comparison), format: .table, width: width))
        lines.append(testLine(comparison))
        if comparison.overlap > 0 {
            lines.append(
                "note: \(comparison.overlap) run\(comparison.overlap == 1 ? " is" : "s are") on both sides, "
                    + "so the samples are not independent.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
