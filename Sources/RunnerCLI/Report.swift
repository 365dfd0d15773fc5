import ArgumentParser
import Foundation
import RunnerFiles
import RunnerReport
import RunnerSpec
import RunnerStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize experiments: runs by status, the best run, and the final loss by configuration.",
        discussion: """
            For each experiment: its runs by status and the best run, then one row per \
            configuration (the swept parameters except the seed, or --group-by) with n (completed \
            runs), the final loss's mean ± std, min and median over them, the diverged runs and, \
            when stop.targetLoss is set, the mean iteration at which it was reached.

            Columns (for --where, --group-by and --sort) are the last part of a config path \
            (hiddenSize, learningRate, seed, targets, period, targetLoss, ...) and the results \
            (finalLoss, bestLoss, status, iterationsRun, stopReason, ...). --where takes \
            comparisons (= != < <= > >=), 'in (...)', 'between ... and ...', joined by and, or, \
            not and parentheses, e.g. --where "hiddenSize >= 100 and learningRate < 0.5". \
            Values are numbers or quoted strings; they are bound as SQL parameters, never pasted \
            into SQL.

            For a tpe search or a pruned sweep (or any experiment with --best-so-far), the best \
            objective so far against trial number follows: the validation loss where a run has \
            one, else its final loss, lowest over the trials up to each, in trial order; at trials \
            1, 2, 5, 10, 20, ..., at each trial that improved it and at the last. Pruned, failed and \
            diverged trials have no objective and never improve it. --format json lists every \
            trial; csv leaves it out.
            """
    )

    @Argument(help: "Experiments to report on (default: every experiment in the database, newest first).")
    var experiments: [String] = []
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Comma-separated columns to group by (default: the swept parameters except seed).")
    var groupBy: String?
    @Option(name: .customLong("where"), help: "Keep only the runs this expression selects.") var filter: String?
    @Option(help: "Sort the groups by a table column, COLUMN or COLUMN:desc (default: finalLoss, lowest first).")
    var sort: String?
    @Option(help: "Show only the first K groups.") var top: Int?
    @Option(help: "table, markdown, csv or json.") var format = TableFormat.table
    @Flag(
        inversion: .prefixedNo,
        help: "Add the best objective so far against trial number (default: for tpe searches and pruned sweeps).")
    var bestSoFar: Bool?
    @Option(help: "Write one self-contained HTML page with the tables and the plots to this file instead.")
    var html: String?

    func run() throws {
        let groupColumns = try groupBy.map { text in
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            guard !names.isEmpty else {
                throw failure(
                    "--group-by is empty; give column names, e.g. --group-by hiddenSize,learningRate.", usage: true)
            }
            return names
        }
        let options = ReportOptions(groupBy: groupColumns, filter: filter, sort: sort, top: top, bestSoFar: bestSoFar)
        do {
            let query = try database.reportQuery()
            guard let records = try database.experiments(experiments, in: query) else { return }
            var reports: [ExperimentReport] = []
            for record in records { reports.append(try query.report(record, options: options)) }
            if let html {
                var plots: [ExperimentPlots] = []
                for record in records {
                    plots.append(
                        try query.plots(
                            record, options: PlotOptions(groupBy: groupColumns, filter: filter, bestSoFar: bestSoFar)))
                }
                let page = ReportHTMLOutput.page(reports, plots: plots, database: database.path).html()
                do {
                    try AtomicFile.write(Data(page.utf8), to: URL(fileURLWithPath: html))
                } catch {
                    throw failure("cannot write \(html) (--html): \(error.summary)", usage: false)
                }
                if !AtomicFile.isStandardOutput(html) { StandardOutput.write("wrote \(html)") }
                return
            }
            StandardOutput.write(ReportOutput.text(reports, format: format), terminator: "")
        } catch {
            throw failure(error)
        }
    }
}
