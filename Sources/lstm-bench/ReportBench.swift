import Foundation
import RunnerCLI
import RunnerEngine
import RunnerModel
import RunnerReport
import RunnerStore
import RunnerTestSupport

/// The report benchmark: a 10,000-run synthetic sweep (one experiment: 10 hidden sizes × 10
/// learning rates × 4 target sequences × 25 seeds, 100-iteration curves, 400 groups), then the
/// `runner report` and `runner plot` code paths timed in this process.
enum ReportBench {
    /// Builds the database, times the report and the plots, prints both and returns the figures.
    ///
    /// - Parameters:
    ///   - quick: Fewer repetitions.
    ///   - keep: A folder to build the database in and keep (for trying `runner report` on it);
    ///     nil uses a temporary folder, removed afterwards.
    /// - Returns: The JSON record under the key `report`.
    static func run(quick: Bool, keep: String? = nil) -> [String: Any] {
        let sweep = SyntheticSweep()
        print(
            "\n== report: \(sweep.runCount) synthetic runs in one experiment (10 hidden sizes x 10 learning rates"
                + " x 4 targets x 25 seeds, \(sweep.iterations)-iteration curves) ==")
        let directory =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "lstm-bench-report-\(ProcessInfo.processInfo.processIdentifier)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
        let database = directory.appendingPathComponent("runs.sqlite").path
        let plotDirectory = directory.appendingPathComponent("plots")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            guard !FileManager.default.fileExists(atPath: database) else {
                print("report: not run: \(database) exists; give --keep-report-db a new folder")
                return ["error": "\(database) exists"]
            }
            let writer = try ResultStore(path: database, environment: RunEnvironment.current)
            var written = 0
            let buildSeconds = try Bench.timeThrowing { written = try sweep.write(to: writer) }
            print(
                String(format: "build : %d runs written in %.2f s (register + one transaction)", written, buildSeconds))

            let repeats = quick ? 3 : 7
            var reportLines = 0
            var reportTimes: [Double] = []
            var plotTimes: [Double] = []
            var files = 0
            for _ in 0..<repeats {
                reportTimes.append(
                    try Bench.timeThrowing {
                        // What `runner report --db PATH` does, without printing.
                        let store = try ResultStore(path: database, readOnly: true)
                        let query = try ReportQuery(store: store)
                        let reports = try query.experiments([]).map { try query.report($0) }
                        reportLines = ReportOutput.text(reports, format: .table).split(separator: "\n").count
                    })
                plotTimes.append(
                    try Bench.timeThrowing {
                        // What `runner plot --db PATH --out DIR` does.
                        let store = try ResultStore(path: database, readOnly: true)
                        let query = try ReportQuery(store: store)
                        files = 0
                        for record in try query.experiments([]) {
                            files += try query.plots(record).write(to: plotDirectory).count
                        }
                    })
            }
            let report = Bench.Summary(reportTimes)
            let plot = Bench.Summary(plotTimes)
            print(
                String(
                    format: "report: %.3f s (target < 0.3 s)  median of %d, min %.3f, max %.3f; %d lines of text",
                    report.median, repeats, report.min, report.max, reportLines))
            print(
                String(
                    format: "plot  : %.3f s (target < 1 s)  median of %d, min %.3f, max %.3f; %d SVG files",
                    plot.median, repeats, plot.min, plot.max, files))
            return [
                "runs": written, "iterations": sweep.iterations,
                "groups": sweep.hiddenSizes.count * sweep.learningRates.count * sweep.targets.count,
                "build_s": buildSeconds,
                "report": report.json, "plot": plot.json, "report_target_s": 0.3, "plot_target_s": 1.0,
            ]
        } catch {
            print("report: not run (\(error))")
            return ["error": "\(error)"]
        }
    }
}
