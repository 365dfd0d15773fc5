import Foundation
import RunnerReport
import RunnerStore

/// What `runner report --html FILE` writes: one self-contained page with, per experiment, the
/// summary, the group table, the loss curves and the heatmap inline, and for adaptive searches
/// (or `--best-so-far`) the best-so-far table and chart.
public enum ReportHTMLOutput {
    /// The page.
    ///
    /// - Parameters:
    ///   - reports: The experiments' reports.
    ///   - plots: Their charts, in the same order.
    ///   - database: The database path, for the header.
    ///   - generatedAt: When the page was made.
    /// - Returns: The report; ``HTMLReport/html()`` gives the text.
    public static func page(
        _ reports: [ExperimentReport], plots: [ExperimentPlots], database: String, generatedAt: Date = Date()
    ) -> HTMLReport {
        var sections: [HTMLReport.Section] = []
        for (report, plot) in zip(reports, plots) {
            var blocks: [HTMLReport.Block] = ReportOutput.summaryLines(report).map { .paragraph($0) }
            if report.groups.isEmpty {
                blocks.append(.paragraph("No runs match."))
            } else {
                blocks += [.table(ReportOutput.table(report)), .paragraph(ReportOutput.legend(report) + ".")]
            }
            for figure in plot.curves {
                blocks.append(.figure(svg: figure.chart.svg(), caption: plot.curveNote))
            }
            if plot.curves.isEmpty { blocks.append(.paragraph(plot.curveNote)) }
            if let heatmap = plot.heatmap {
                blocks.append(.figure(svg: heatmap.svg(), caption: plot.heatmapNote))
            } else {
                blocks.append(.paragraph(plot.heatmapNote))
            }
            if let bestSoFar = report.bestSoFar, !bestSoFar.points.isEmpty {
                blocks += [
                    .paragraph(ReportOutput.bestSoFarHeading(bestSoFar) + "."),
                    .table(ReportOutput.bestSoFarTable(bestSoFar)),
                ]
            }
            if let chart = plot.bestSoFar {
                blocks.append(.figure(svg: chart.svg(), caption: plot.bestSoFarNote))
            }
            sections.append(
                HTMLReport.Section(
                    heading: report.experiment.name,
                    paragraph: report.experiment.description.isEmpty ? nil : report.experiment.description,
                    blocks: blocks))
        }
        let title =
            reports.count == 1 ? "lstm-runner report: \(reports[0].experiment.name)" : "lstm-runner report"
        return HTMLReport(
            title: title, generatedAt: generatedAt, generator: "runner report --db \(database)", sections: sections)
    }
}
