import Foundation
import GRDB
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerStore

@Suite(.serialized) struct VerifyTests {
    /// A small sweep run in-process into `directory`; returns its store.
    static func recorded(in directory: URL) throws -> ResultStore {
        try StoreTests.sweep(
            tinySpec(
                sweep: #"{"seed": [0, 1], "training.optimizer": ["sgd", "adam"]}"#,
                extra: #""training": {"learningRate": 0.05}"#),
            in: directory
        )
        return try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
    }

    @Test func freshRunsVerifyAsIdentical() throws {
        try withTemporaryDirectory { directory in
            _ = try Self.recorded(in: directory)
            let result = try RunnerCLI.run(["verify", "tiny", "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count == 5)
            #expect(
                lines.prefix(4).allSatisfy { $0.contains("  identical  30 iteration losses and the final payload") })
            #expect(lines.last == "4 of 4 runs identical")
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let run = try store.runs(ofExperiment: "tiny")[0]
            let verifications = try store.verifications(of: run.id)
            #expect(verifications.map(\.outcome) == [.identical])
            let environment = try #require(verifications.first?.environment)
            #expect(!environment.host.isEmpty && !environment.codeVersion.isEmpty && !environment.cpu.isEmpty)
            #expect(
                environment.toolchain.hasPrefix("swift ") && !environment.os.isEmpty && !environment.buildConfig.isEmpty
            )
            let shown = try RunnerCLI.run(["show", String(run.id.prefix(7)), "--db", "runs.sqlite"], in: directory)
            #expect(shown.stdout.contains("verified            "))
            #expect(shown.stdout.contains(": identical; 30 iteration losses"))
        }
    }

    @Test func anAlteredCurveIsReportedAtTheRightIteration() throws {
        try withTemporaryDirectory { directory in
            let store = try Self.recorded(in: directory)
            let run = try store.runs(ofExperiment: "tiny")[1]
            var curve = try #require(try store.curve(run.id))
            curve[16] = curve[16].nextUp
            try store.queue.write { db in
                try db.execute(
                    sql: "UPDATE curves SET losses = ? WHERE run_id = ?", arguments: [LossCurve.encode(curve), run.id])
            }
            let result = try RunnerCLI.run(["verify", run.id, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 1)
            #expect(result.stdout.hasPrefix("\(run.id)  differs  loss of iteration 17: recorded "))
            #expect(
                result.stdout.contains("(relative difference 1.") || result.stdout.contains("(relative difference 2.")
                    || result.stdout.contains("(relative difference 3."))
            let verification = try #require(try store.verifications(of: run.id).last)
            #expect(verification.outcome == .differs)
            #expect(verification.firstDivergentIteration == 17)
            #expect(verification.recordedLoss == curve[16])
            #expect(verification.reproducedLoss == curve[16].nextDown)
        }
    }

    @Test func anAlteredCheckpointIsReported() throws {
        try withTemporaryDirectory { directory in
            let store = try Self.recorded(in: directory)
            let runs = try store.runs(ofExperiment: "tiny")
            // A flipped bit in the file: the gzip CRC (or the payload digest) catches it.
            let file = store.resolve(try #require(runs[0].checkpointPath))
            let bytes = try Data(contentsOf: file)
            try flippingBit(bytes, at: bytes.count / 2, bit: 3).write(to: file)
            // A recorded payload digest that no longer matches what training gives.
            try store.queue.write { db in
                try db.execute(
                    sql: "UPDATE runs SET checkpoint_sha256 = ? WHERE id = ?",
                    arguments: [String(repeating: "0", count: 64), runs[1].id])
            }
            let reread = try store.runs(ofExperiment: "tiny")
            let outcomes = try Verifier(store: store).verify(Array(reread.prefix(3)), jobs: 2)
            #expect(outcomes.map(\.outcome) == [.differs, .differs, .identical])
            #expect(outcomes[0].detail.hasPrefix("the stored checkpoint is damaged: "))
            #expect(
                outcomes[1].detail.hasPrefix(
                    "the loss curve is identical but the final payload is not: recorded 000000000000, now "))
            #expect(outcomes[1].firstDivergentIteration == nil)
        }
    }

    @Test func verifyingNothingFinishedIsAUsageError() throws {
        try withTemporaryDirectory { directory in
            _ = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let result = try RunnerCLI.run(["verify", "nothing-here", "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix("error: runs.sqlite: no run or experiment named \"nothing-here\"; "))
        }
    }
}
