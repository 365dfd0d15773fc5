import Foundation
import RunnerFiles
import RunnerStore
import Testing

/// A database recorded by an earlier version of the code (`Fixtures/recorded-v2`, schema version
/// 2, made by its `make.sh`): today's code must open it, find its runs under the same ids and
/// re-train every one of them to the same bits.
@Suite struct RecordedDatabaseTests {
    /// The experiments in the fixture, with their number of runs.
    static let experiments = [("fixture-sequence", 6), ("fixture-tasks", 6)]

    /// Copies the fixture folder (database, checkpoints, specs) into `directory`.
    static func copyFixture(to directory: URL) throws {
        let fixture = try #require(
            Bundle.module.url(forResource: "recorded-v2", withExtension: nil, subdirectory: "Fixtures"))
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture.path) {
            try FileManager.default.copyItem(
                at: fixture.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
    }

    @Test func everyRecordedRunVerifiesIdentical() throws {
        try withTemporaryDirectory { directory in
            try Self.copyFixture(to: directory)
            for (experiment, count) in Self.experiments {
                let result = try RunnerCLI.run(["verify", experiment, "--db", "runs.sqlite"], in: directory)
                #expect(result.status == 0, "\(experiment): \(result.stderr)")
                #expect(result.stdout.hasSuffix("\(count) of \(count) runs identical\n"), "\(result.stdout)")
            }
        }
    }

    @Test func theRecordedSpecsFindTheirRunsFinished() throws {
        try withTemporaryDirectory { directory in
            try Self.copyFixture(to: directory)
            let result = try RunnerCLI.run(
                ["run", "sequence.json", "tasks.json", "--db", "runs.sqlite", "--jobs", "1"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("trained 0 of 12 runs"), "\(result.stdout)")
            #expect(result.stdout.contains("12 already finished"))
        }
    }

    @Test func theRecordedCheckpointsAreReadBack() throws {
        try withTemporaryDirectory { directory in
            try Self.copyFixture(to: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path, readOnly: true)
            let runs = try store.runs(ofExperiment: "fixture-tasks")
            #expect(runs.count == 6)
            for run in runs {
                let predicted = try RunnerCLI.run(["predict", run.id, "--db", "runs.sqlite"], in: directory)
                #expect(predicted.status == 0, "\(run.id): \(predicted.stderr)")
                let exported = try RunnerCLI.run(
                    ["export", run.id, "--format", "npz", "--initial", "-o", "\(run.id).npz", "--db", "runs.sqlite"],
                    in: directory)
                #expect(exported.status == 0, "\(run.id): \(exported.stderr)")
            }
        }
    }

    /// Today's encoder writes the recorded checkpoint files again byte for byte (they were written
    /// uncompressed, level 0): the file format did not change, only how fast it is written.
    @Test func theRecordedCheckpointsEncodeToTheSameBytes() throws {
        let fixture = try #require(
            Bundle.module.url(forResource: "recorded-v2", withExtension: nil, subdirectory: "Fixtures"))
        let folder = fixture.appendingPathComponent("checkpoints")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".ckpt.gz") }
        #expect(names.count >= 12)
        for name in names {
            let url = folder.appendingPathComponent(name)
            let recorded = try Data(contentsOf: url)
            let checkpoint = try Checkpoint.read(from: url)
            #expect(try checkpoint.encoded(level: 0) == recorded, "\(name)")
        }
    }
}
