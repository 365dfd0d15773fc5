import ArgumentParser
import Foundation
import RunnerReport
import RunnerSpec
import RunnerStore

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write SVG plots of experiments: loss curves per configuration, a heatmap of the final loss and, for "
            + "searches, the best so far by trial.",
        discussion: """
            Loss curves (log loss axis): per group, the mean over its seeds and the min-max band \
            across them; many groups are split over several charts. Heatmap: the mean final loss \
            over two parameters, hidden size x learning rate when both are swept, else the first \
            two swept parameters (or --heatmap ROWS,COLUMNS). Best so far (for a tpe search or a \
            pruned sweep, or any experiment with --best-so-far): the lowest objective (validation loss \
            where a run has one, else final loss) of the trials up to each, as a step line over the \
            trial number, each trial's own as a dot, the trials without one (pruned, failed, \
            diverged) as ticks; log axis when the objectives span a factor of 10. Columns and --where \
            as in `runner report`.
            """
    )

    @Argument(help: "Experiments to plot (default: every experiment in the database).")
    var experiments: [String] = []
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The folder to write the SVG files to (default: plots/ beside the database).") var out: String?
    @Option(help: "Comma-separated columns to group the curves by (default: the swept parameters except seed).")
    var groupBy: String?
    @Option(name: .customLong("where"), help: "Keep only the runs this expression selects.") var filter: String?
    @Option(help: "The heatmap's two columns, ROWS,COLUMNS (default: hiddenSize,learningRate when both are swept).")
    var heatmap: String?
    @Flag(
        inversion: .prefixedNo,
        help: "Draw the best objective so far against trial number (default: for tpe searches and pruned sweeps).")
    var bestSoFar: Bool?

    func run() throws {
        func names(_ text: String?) -> [String]? {
            text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        let options = PlotOptions(
            groupBy: names(groupBy), filter: filter, heatmapAxes: names(heatmap), bestSoFar: bestSoFar)
        if options.groupBy?.isEmpty == true {
            throw failure("--group-by is empty; give column names, e.g. --group-by hiddenSize.", usage: true)
        }
        let directory =
            out.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: database.path).deletingLastPathComponent().appendingPathComponent("plots")
        do {
            let query = try database.reportQuery()
            guard let records = try database.experiments(experiments, in: query) else { return }
            for record in records {
                let plots = try query.plots(record, options: options)
                for url in try plots.write(to: directory) { StandardOutput.write(url.relativePath) }
                if plots.heatmap == nil { StandardOutput.write("\(record.name): \(plots.heatmapNote)") }
                if plots.bestSoFar == nil, let note = plots.bestSoFarNote {
                    StandardOutput.write("\(record.name): \(note)")
                }
            }
        } catch {
            throw failure(error)
        }
    }
}
