import Foundation
import LSTMCore
import Testing

@testable import RunnerFiles
@testable import RunnerModel
@testable import RunnerStore

/// `model.init` is part of a run's identity by what it resolves to: a run's full id, a file's
/// content.
@Suite(.serialized) struct InitIdentityTests {
    /// A finished run in `directory/runs.sqlite`, its final weights written to `w.npz`.
    static func firstRun(in directory: URL) throws -> (store: ResultStore, run: RunRecord, npz: URL) {
        try StoreTests.sweep(tinySpec(name: "first"), in: directory)
        let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
        let run = try store.runs(ofExperiment: "first")[0]
        let npz = directory.appendingPathComponent("w.npz")
        try NPZ.write(NPZ.exportArrays(try store.finalCheckpoint(of: run).parameters(), trainingSet: nil), to: npz)
        return (store, run, npz)
    }

    /// Runs a one-trial spec named `name` that starts from `source`; returns `runner run`'s stdout.
    static func run(_ name: String, from source: String, in directory: URL) throws -> String {
        let spec = try writeSpec(
            tinySpec(name: name, extra: #""model": {"init": "\#(source)"}"#), named: "\(name).json", in: directory)
        let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func aRunReferenceIsIdentifiedByTheFullRunID() throws {
        try withTemporaryDirectory { directory in
            let (store, first, _) = try Self.firstRun(in: directory)
            #expect(
                try Self.run("by-prefix", from: String(first.id.prefix(5)), in: directory).hasPrefix("trained 1 of 1"))
            let byFull = try Self.run("by-full", from: first.id, in: directory)
            #expect(byFull.hasPrefix("trained 0 of 1 runs"), "\(byFull)")
            let run = try store.runs(ofExperiment: "by-prefix")[0]
            #expect(run.configJSON.contains(#""init":"\#(first.id)""#))
            #expect(try store.runs(ofExperiment: "by-full").map(\.id) == [run.id])
            // --dry-run shows the id the run is recorded under.
            let dryRun = try RunnerCLI.run(
                ["run", directory.appendingPathComponent("by-prefix.json").path, "--dry-run", "--db", "runs.sqlite"],
                in: directory)
            #expect(dryRun.stdout.contains("run \(run.id)"), "\(dryRun.stdout)")
        }
    }

    @Test func aFileIsIdentifiedByItsContentNotItsPath() throws {
        try withTemporaryDirectory { directory in
            let (store, _, npz) = try Self.firstRun(in: directory)
            let original = try Data(contentsOf: npz)
            #expect(try Self.run("from-npz", from: "w.npz", in: directory).hasPrefix("trained 1 of 1"))
            let run = try store.runs(ofExperiment: "from-npz")[0]
            #expect(run.configJSON.contains(#""init":"sha256:\#(Digest.sha256Hex(original))""#))

            // The same bytes under another path: the same run, already finished.
            try original.write(to: directory.appendingPathComponent("copy.npz"))
            #expect(try Self.run("from-copy", from: "copy.npz", in: directory).hasPrefix("trained 0 of 1 runs"))

            // Other weights under the same path: another run, trained.
            let parameters = try NPZ.parameters(from: npz)
            let other = LSTMParameters(
                gateWeights: Dictionary(
                    uniqueKeysWithValues: Gate.allCases.map { gate in
                        (gate, parameters.gateWeights(gate).map { $0.map { $0 * 0.5 } })
                    }),
                gateBias: Dictionary(uniqueKeysWithValues: Gate.allCases.map { ($0, parameters.gateBias($0)) }),
                readout: [])
            try NPZ.write(NPZ.exportArrays(try #require(other), trainingSet: nil), to: npz)
            // Under the recorded name it is another spec now (one name, one spec): refused.
            let spec = directory.appendingPathComponent("from-npz.json").path
            let again = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(again.status == 64)
            #expect(again.stderr.contains("model.init file's contents may differ"), "\(again.stderr)")
            #expect(try Self.run("from-new-npz", from: "w.npz", in: directory).hasPrefix("trained 1 of 1"))
            let newRun = try #require(try store.runs(ofExperiment: "from-new-npz").first)
            #expect(newRun.id != run.id)
            #expect(try store.runs(ofExperiment: "from-npz").map(\.id) == [run.id])

            // The first run still verifies: its experiments' specs name copy.npz, which holds its bytes.
            let verify = try RunnerCLI.run(["verify", run.id, "--db", "runs.sqlite"], in: directory)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains("\(run.id)  identical"))
        }
    }

    @Test func runsRecordedWithAnInitAsWrittenInTheSpecStillVerify() throws {
        try withTemporaryDirectory { directory in
            let (store, first, npz) = try Self.firstRun(in: directory)
            _ = try Self.run("from-npz", from: "w.npz", in: directory)
            _ = try Self.run("from-run", from: first.id, in: directory)
            // Rows as an earlier version recorded them: the init's text from the spec.
            let digest = "sha256:" + Digest.sha256Hex(try Data(contentsOf: npz))
            try sqlite(store.path, "UPDATE runs SET config = replace(config, '\(digest)', 'w.npz')")
            try sqlite(
                store.path, "UPDATE runs SET config = replace(config, '\"\(first.id)\"', '\"\(first.id.prefix(5))\"')")
            let old = try store.runs(ofExperiment: "from-npz")[0]
            #expect(old.configJSON.contains(#""init":"w.npz""#))
            for experiment in ["from-npz", "from-run"] {
                let run = try store.runs(ofExperiment: experiment)[0]
                let verify = try RunnerCLI.run(["verify", run.id, "--db", "runs.sqlite"], in: directory)
                #expect(verify.status == 0, "\(experiment): \(verify.stdout)\(verify.stderr)")
            }
        }
    }
}
