import Foundation
import Testing

@testable import RunnerReport
@testable import RunnerStore
@testable import RunnerTestSupport

@Suite struct ReportPlotsTests {
    @Test func plotFilesAreWellFormedWithOnePathPerGroup() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let plots = try query.plots(try query.experiments(["fixture"])[0])
            let written = try plots.write(to: directory.appendingPathComponent("plots"))
            #expect(written.map(\.lastPathComponent) == ["fixture-curves.svg", "fixture-heatmap.svg"])

            let curves = XMLElementCollector.parse(try String(contentsOf: written[0], encoding: .utf8))
            #expect(curves.parseError == nil)
            let means = curves.elements("path", class: "mean")
            #expect(means.count == 4)
            #expect(curves.elements("path", class: "band").count == 4)
            // Each mean path holds its group's label as a <title>, after the chart's own title.
            #expect(
                curves.elements("title").map(\.text).dropFirst() == [
                    "hiddenSize=4, learningRate=0.1", "hiddenSize=4, learningRate=0.5",
                    "hiddenSize=8, learningRate=0.1", "hiddenSize=8, learningRate=0.5",
                ])
            #expect(plots.curveNote.contains("1 diverged run is left out"))

            let heatmap = XMLElementCollector.parse(try String(contentsOf: written[1], encoding: .utf8))
            #expect(heatmap.parseError == nil)
            let cells = heatmap.elements("rect", class: "cell")
            #expect(cells.count == 4)
            #expect(heatmap.elements("title").map(\.text).contains("8, 0.5: 5.0000e-02"))
            let texts = heatmap.elements("text").map(\.text)
            #expect(texts.contains("hiddenSize"))
            #expect(texts.contains("learningRate"))
            #expect(texts.contains("final loss"))
        }
    }

    @Test func heatmapAxesCanBeChosenAndAreCheckedAndSkippedWithoutTwoSweptPaths() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let fixture = try query.experiments(["fixture"])[0]
            let chosen = try query.plots(fixture, options: PlotOptions(heatmapAxes: ["learningRate", "seed"]))
            #expect(chosen.heatmap?.yLabels == ["0.1", "0.5"])
            #expect(chosen.heatmap?.xLabels == ["0", "1", "2"])
            // Seed 0 at 0.5: one diverged and one failed run, no completed one: NaN (grey).
            #expect(chosen.heatmap?.values[1][0]?.isNaN == true)
            #expect(chosen.heatmap?.values[0][0] == 0.55)
            let error = #expect(throws: ReportError.self) {
                try query.plots(fixture, options: PlotOptions(heatmapAxes: ["learningRate"]))
            }
            #expect(error?.code == .badOption)
            let flat = try query.plots(try query.experiments(["flat"])[0])
            #expect(flat.heatmap == nil)
            #expect(flat.heatmapNote.hasPrefix("No heatmap"))
            #expect(flat.curves.count == 1)
            #expect(flat.curves[0].chart.groups.map(\.label) == ["all runs"])
        }
    }

    @Test func filteredPlotsKeepOnlyTheSelectedGroups() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let plots = try query.plots(
                try query.experiments(["fixture"])[0], options: PlotOptions(filter: "hiddenSize = 8"))
            #expect(plots.curves.flatMap(\.chart.groups).count == 2)
            #expect(plots.heatmap?.yLabels == ["8"])
        }
    }

    @Test func manyGroupsAreSplitOverChartsOfAtMostEightGroups() {
        // 4 hidden sizes x 5 learning rates x 2 targets = 40 groups: one chart per learning rate.
        var keys: [[SQLValue]] = []
        for hidden in [25, 50, 100, 200] {
            for rate in [0.01, 0.0316, 0.1, 0.316, 1] {
                for target in ["a", "b"] { keys.append([.integer(Int64(hidden)), .real(rate), .text(target)]) }
            }
        }
        #expect(ReportQuery.facetColumns(keys: keys, columnCount: 3) == [1])
        #expect(ReportQuery.facetColumns(keys: Array(keys.prefix(8)), columnCount: 3) == [])
        // 10 x 10 x 4 = 400 groups: no facet set fits 8 a chart in 12 charts; the fewest groups a
        // chart is 40 (one chart per hidden size).
        var big: [[SQLValue]] = []
        for hidden in 0..<10 {
            for rate in 0..<10 {
                for target in 0..<4 {
                    big.append([.integer(Int64(hidden)), .integer(Int64(rate)), .integer(Int64(target))])
                }
            }
        }
        #expect(ReportQuery.facetColumns(keys: big, columnCount: 3) == [0])
    }

    @Test func curvesOfManyGroupsAreSplitOverFilesWithOnePathPerGroup() throws {
        try withTemporaryDirectory { directory in
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let sweep = SyntheticSweep(
                name: "many", hiddenSizes: [8, 16, 25, 32], learningRates: [0.01, 0.03, 0.1, 0.3, 1],
                targets: [[0.1, 0.2], [0.3, 0.4]], seeds: 2, iterations: 10)
            #expect(try sweep.write(to: store) == 80)
            let query = try ReportQuery(store: store)
            let plots = try query.plots(try query.experiments(["many"])[0])
            let files = try plots.write(to: directory.appendingPathComponent("plots"))
            #expect(files.count == 6)
            var meanPaths = 0
            for file in files where file.lastPathComponent.hasPrefix("many-curves-learningRate_") {
                let svg = XMLElementCollector.parse(try String(contentsOf: file, encoding: .utf8))
                #expect(svg.parseError == nil)
                let count = svg.elements("path", class: "mean").count
                #expect(count == 8)
                meanPaths += count
            }
            #expect(meanPaths == 40)
            #expect(plots.heatmap?.values.count == 4)
            #expect(plots.heatmap?.values.allSatisfy { $0.count == 5 } == true)
        }
    }

    @Test func slugsAreSafeFileNames() {
        #expect(ExperimentPlots.slug("seed-sweep") == "seed-sweep")
        #expect(ExperimentPlots.slug("targets=[-0.5,0.2]") == "targets_-0.5_0.2")
        #expect(ExperimentPlots.slug("../../etc") == "etc")
        #expect(ExperimentPlots.slug("") == "_")
    }
}
