import Foundation
import Testing

@testable import RunnerReport

/// Writes a sample report (a table, a loss-curve chart of three groups and a 4x5 heatmap) to a
/// temporary directory, for looking at: `scripts/render-html.sh` turns it into a PNG.
@Suite struct DemoReportTests {
    static func demoReport() -> HTMLReport {
        var groups: [CurveGroup] = []
        for (index, label) in ["hiddenSize=25, lr=0.1", "hiddenSize=50, lr=0.1", "hiddenSize=100, lr=0.3"].enumerated()
        {
            var generator = SplitMix(state: UInt64(index + 1))
            let curves = (0..<5).map { seed -> [Double] in
                let rate = 0.04 + 0.02 * Double(index) + 0.004 * Double(seed)
                let length = 100 - (index == 2 ? seed * 12 : 0)  // early stopping shortens some
                return (0..<length).map { iteration -> Double in
                    let noise = 1 + 0.15 * (generator.nextUnit() - 0.5)
                    return 0.8 * exp(-rate * Double(iteration)) * noise + 1e-5
                }
            }
            groups.append(CurveGroup(label: label, curves: curves))
        }
        let learningRates = ["0.01", "0.0316", "0.1", "0.316", "1"]
        let hiddenSizes = ["25", "50", "100", "200"]
        let grid: [[Double?]] = hiddenSizes.indices.map { row in
            learningRates.indices.map { column -> Double? in
                if row == 3 && column == 4 { return nil }
                if row == 0 && column == 4 { return .nan }
                return 0.3 * pow(10, -Double(column) * 0.8 - Double(row) * 0.3)
            }
        }
        let table = ReportTable(
            columns: [
                TableColumn("configuration"), TableColumn("seeds", kind: .integer),
                TableColumn("final loss", kind: .loss), TableColumn("best iteration", kind: .integer),
                TableColumn("learning rate", kind: .number),
            ],
            rows: [
                [
                    .text("hiddenSize=25, lr=0.1"), .integer(5), .lossMeanStd(mean: 1.5e-2, std: 2.1e-3), .integer(99),
                    .number(0.1),
                ],
                [
                    .text("hiddenSize=50, lr=0.1"), .integer(5), .lossMeanStd(mean: 2.3e-3, std: 4.4e-4), .integer(98),
                    .number(0.1),
                ],
                [.text("hiddenSize=100, lr=0.3 <diverged>"), .integer(5), .empty, .integer(3), .number(0.316)],
            ])
        return HTMLReport(
            title: "seed-toy: sweep report", generatedAt: Date(timeIntervalSince1970: 1_760_000_000),
            generator: "lstm-runner demo",
            sections: [
                HTMLReport.Section(
                    heading: "Summary", paragraph: "Final loss by configuration, mean ± std over seeds.",
                    blocks: [.table(table)]),
                HTMLReport.Section(
                    heading: "Loss curves",
                    blocks: [
                        .figure(
                            svg: LossCurveChart(title: "Training loss (mean and min–max over seeds)", groups: groups)
                                .svg(),
                            caption: "Bands span the seeds; lines are the per-iteration mean.")
                    ]),
                HTMLReport.Section(
                    heading: "Final loss by hidden size and learning rate",
                    blocks: [
                        .figure(
                            svg: HeatmapChart(
                                title: "Final loss", xLabels: learningRates, yLabels: hiddenSizes, values: grid,
                                xAxisTitle: "learning rate", yAxisTitle: "hidden size", valueTitle: "final loss"
                            ).svg(), caption: nil)
                    ]),
            ])
    }

    @Test func demoPageIsWrittenToATemporaryDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "lstm-runner-report-demo")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appending(path: "report-demo.html")
        let html = Self.demoReport().html()
        try html.write(to: file, atomically: true, encoding: .utf8)
        #expect(try String(contentsOf: file, encoding: .utf8) == html)
        #expect(html.components(separatedBy: "<svg ").count == 3)
    }
}

/// A tiny seeded SplitMix64 for the demo data.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
