import Foundation
import Testing

@testable import RunnerCLI
@testable import RunnerReport

@Suite struct ComparisonTests {
    @Test func twoRunsShowConfigDifferencesAndStatisticsOverTheirSeeds() throws {
        try withTemporaryDirectory { directory in
            let store = try ReportFixture.make(in: directory)
            let query = try ReportQuery(store: store)
            let a = try ReportFixture.runID(hiddenSize: 4, learningRate: 0.1, seed: 0, in: store)
            let b = try ReportFixture.runID(hiddenSize: 4, learningRate: 0.5, seed: 1, in: store)
            let comparison = try query.compareRuns(String(a.prefix(8)), b)
            #expect(comparison.a.label == "run \(a)")
            #expect(comparison.differs("training.learningRate"))
            #expect(comparison.differs("seed"))
            #expect(!comparison.differs("model.hiddenSize"))
            #expect(comparison.a.values["task.targets"] == ["[0.1,0.2]"])
            #expect(comparison.a.finalLosses.sorted() == [1.0, 2.0, 4.0])
            #expect(comparison.b.finalLosses.sorted() == [0.25, 0.5])
            #expect(comparison.b.diverged == 1)
            #expect(comparison.a.scope == "3 runs of its config (seeds 0-2)")
            #expect(comparison.test == Statistics.welchTTest(comparison.a.finalLosses, comparison.b.finalLosses))
            #expect(comparison.overlap == 0)

            let text = CompareOutput.text(comparison)
            #expect(text.contains("*  training.learningRate  0.1"))
            #expect(text.contains("   model.hiddenSize       4"))
            #expect(text.contains("* marks the 2 config paths that differ."))
            #expect(text.contains("Welch's t-test (two-sided): t = "))
            #expect(!text.contains("\u{1B}["))
            let highlighted = CompareOutput.text(comparison, highlight: true)
            #expect(highlighted.components(separatedBy: "\u{1B}[1;33m").count == 3)
        }
    }

    @Test func twoGroupsByWhereGiveWelchsTestOfTheirFinalLosses() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let comparison = try query.compareGroups(
                "hiddenSize = 4", "hiddenSize = 8 and status = 'completed'", experiments: ["fixture"])
            #expect(comparison.a.finalLosses.sorted() == [0.25, 0.5, 1.0, 2.0, 4.0])
            #expect(comparison.b.finalLosses.sorted() == [0.05, 0.1, 0.2, 0.3])
            #expect(comparison.a.values["training.learningRate"] == ["0.1", "0.5"])
            #expect(comparison.a.scope == "6 runs (2 configs, seeds 0-2)")
            #expect(comparison.differs("model.hiddenSize"))
            #expect(!comparison.differs("training.learningRate"))
            let expected = try #require(
                Statistics.welchTTest([1.0, 2.0, 4.0, 0.5, 0.25], [0.1, 0.2, 0.3, 0.05]))
            let test = try #require(comparison.test)
            #expect(abs(test.t - expected.t) < 1e-12)
            #expect(abs(test.pValue - expected.pValue) < 1e-12)
            #expect(CompareOutput.testLine(comparison).contains("A's mean final loss is higher"))
        }
    }

    @Test func groupsThatSelectNothingOrTooLittleAreReported() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let error = #expect(throws: ReportError.self) {
                try query.compareGroups("hiddenSize = 4", "hiddenSize = 5")
            }
            #expect(error?.code == .nothingSelected)
            #expect(
                error?.message == "--where 'hiddenSize = 5' selects no run; `runner report` shows the values there are."
            )
            let thin = try query.compareGroups("hiddenSize = 16 and seed = 0", "hiddenSize = 4")
            #expect(thin.test == nil)
            #expect(CompareOutput.testLine(thin).contains("needs two or more completed runs on each side (A has 1"))
            let bad = #expect(throws: ReportError.self) { try query.compareGroups("x = 1", "hiddenSize = 4") }
            #expect(bad?.code == .badFilter)
        }
    }

    @Test func flattenedConfigsUseDottedPaths() {
        let flat = Comparison.flatten(
            configJSON: #"{"model":{"hiddenSize":4},"seed":2,"task":{"plugin":"sequence","targets":[0.1,0.2]}}"#)
        #expect(flat == ["model.hiddenSize": "4", "seed": "2", "task.plugin": "sequence", "task.targets": "[0.1,0.2]"])
        #expect(CompareOutput.cellText(["100", "25", "50"]) == "25, 50, 100")
        #expect(CompareOutput.cellText(["1", "2", "3", "4", "5"]) == "1, 2, 3, … (5 values)")
    }
}
