import Foundation
import GRDB
import Testing

@testable import RunnerCLI
@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerReport
@testable import RunnerSpec
@testable import RunnerStore

/// "The best run" is one rule (``RunRanking``) wherever it is named.
@Suite struct BestRunTests {
    @Test func tiedFinalLossesNameTheLowestRunIDInTheSummaryAndTheReport() throws {
        try withTemporaryDirectory { directory in
            _ = try StoreTests.sweep(tinySpec(sweep: #"{"seed": [0, 1, 2, 3]}"#), in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let ids = try store.runs(ofExperiment: "tiny").map(\.id)
            // Every run the same final loss, but the first in trial order: the lowest id must win.
            try store.write { db in try db.execute(sql: "UPDATE runs SET final_loss = 0.25") }
            let lowest = try #require(ids.min())
            #expect(ids.first != lowest || ids.count == 1, "the fixture should not hand the answer in trial order")

            let summary = try RunSummaryOutput.text(
                outcome: SweepRunner.Outcome(), experiments: ["tiny"], store: store, jobs: 1)
            #expect(summary.contains("best run \(lowest): final loss 2.500e-01"), "\(summary)")

            let query = try ReportQuery(store: store)
            let report = try query.report(try #require(try query.experiments(["tiny"]).first))
            #expect(report.best?.id == lowest)
        }
    }

    @Test func theLowerLossRanksFirstAndTiesGoToTheLowerID() {
        #expect(RunRanking.ranks(loss: 0.1, id: "ffff", before: (0.2, "0000")))
        #expect(!RunRanking.ranks(loss: 0.2, id: "0000", before: (0.1, "ffff")))
        #expect(RunRanking.ranks(loss: 0.1, id: "0000", before: (0.1, "ffff")))
        #expect(!RunRanking.ranks(loss: 0.1, id: "ffff", before: (0.1, "0000")))
    }
}
