import ArgumentParser
import Foundation
import RunnerReport
import RunnerSpec
import RunnerStore

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs, or two groups of runs, side by side.",
        discussion: """
            runner compare A B compares two runs (ids or unique prefixes): their configs, with the \
            differences marked, and the final losses of every run sharing each one's config but \
            the seed. runner compare --where EXPR --where EXPR compares the runs two expressions \
            select (columns as in `runner report`). Both end with Welch's t-test of the final losses.
            """
    )

    @Argument(help: "Two run ids (any unique prefixes).") var runs: [String] = []
    @Option(name: .customLong("where"), help: "A group of runs; give it twice, for A and for B.")
    var filters: [String] = []
    @Option(name: .customLong("experiment"), help: "With --where: only runs of this experiment (repeatable).")
    var experiments: [String] = []
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let byRuns = runs.count == 2 && filters.isEmpty
        let byGroups = runs.isEmpty && filters.count == 2
        guard byRuns || byGroups else {
            throw failure(
                "give two run ids (runner compare 3f2a1c 9b7e00) or two groups "
                    + "(runner compare --where 'learningRate = 0.1' --where 'learningRate = 1'); got "
                    + "\(runs.count) run id\(runs.count == 1 ? "" : "s") and \(filters.count) --where.",
                usage: true)
        }
        if byRuns && !experiments.isEmpty {
            throw failure("--experiment only applies to --where groups; leave it out when comparing runs.", usage: true)
        }
        do {
            let query = try database.reportQuery()
            let comparison =
                byRuns
                ? try query.compareRuns(runs[0], runs[1])
                : try query.compareGroups(filters[0], filters[1], experiments: experiments)
            let highlight = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            StandardOutput.write(CompareOutput.text(comparison, highlight: highlight), terminator: "")
        } catch {
            throw failure(error)
        }
    }
}
