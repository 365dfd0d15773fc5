import Foundation
import Testing

@testable import RunnerSpec
@testable import RunnerStore

/// Two different specs under one experiment name (issue 11, item 4).
extension FaultAnswerTests {
    @Test func aDifferentSpecUnderARecordedNameIsRefusedAndNothingIsWritten() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory, iterations: 30)
            let other = try writeSpec(
                tinySpec(sweep: #"{"seed": [0, 1]}"#, iterations: 50), named: "other.json", in: directory)
            let result = try RunnerCLI.run(["run", other, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr.hasPrefix(
                    "error: runs.sqlite: experiment \"tiny\" was recorded from a different spec ("))
            #expect(result.stderr.contains("training.iterations is 30 there and 50 in \(other)"))
            #expect(result.stderr.contains("another \"name\", or use another --db."))
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stdout.isEmpty)
            #expect(try Self.runCount(directory) == 2)
            // Dropping a trial would leave a run in the report that the spec no longer has.
            let fewer = try writeSpec(tinySpec(sweep: #"{"seed": [0]}"#), named: "fewer.json", in: directory)
            let shrunk = try RunnerCLI.run(["run", fewer, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(shrunk.status == 64)
            #expect(
                shrunk.stderr.contains(
                    "sweep.seed is [0,1] there and [0] in \(fewer), so 1 of its 2 recorded runs are not trials of"),
                "\(shrunk.stderr)")
        }
    }

    @Test func theSameSpecWrittenDifferentlyOrAsAPlistRunsIntoTheSameExperiment() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            // The same content: keys reordered, white space, 0.5 as 5e-1, the seeds as a range,
            // hiddenSize's default written out.
            let reformatted = try writeSpec(
                """
                {
                  "training": {"learningRate": 5e-1, "iterations": 30},
                  "sweep": {"seed": {"range": [0, 2]}},
                  "model": {"hiddenSize": 5, "cellOutput": "identity"},
                  "task": {"targets": [0.3, -0.2, 0.1], "inputSize": 3, "plugin": "sequence"},
                  "name": "tiny"
                }
                """, named: "again.json", in: directory)
            let again = try RunnerCLI.run(["run", reformatted, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.hasPrefix("trained 0 of 2 runs in "))
            let tree = try JSONSerialization.jsonObject(with: Data(tinySpec(sweep: #"{"seed": [0, 1]}"#).utf8))
            let plist = directory.appendingPathComponent("tiny.plist")
            try PropertyListSerialization.data(fromPropertyList: tree, format: .xml, options: 0).write(to: plist)
            let fromPlist = try RunnerCLI.run(["run", plist.path, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(fromPlist.status == 0, "\(fromPlist.stderr)")
            #expect(fromPlist.stdout.hasPrefix("trained 0 of 2 runs in "))
            #expect(try Self.runCount(directory) == 2)
        }
    }

    @Test func theSeedSweepJSONAndPlistAreOneExperiment() throws {
        let json = try SpecLoader().load(
            path: RunnerCLI.packageRoot.appendingPathComponent("experiments/seed-sweep.json").path)
        let plist = try SpecLoader().load(
            path: RunnerCLI.packageRoot.appendingPathComponent("experiments/seed-sweep.plist").path)
        #expect(json.text != plist.text)
        #expect(ExperimentSpec.firstDifference(json.identityTree, plist.identityTree) == nil)
        try withTemporaryDirectory { directory in
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let jsonIDs = Set(try json.trials().map(\.runID))
            let plistIDs = Set(try plist.trials().map(\.runID))
            #expect(jsonIDs == plistIDs && jsonIDs.count == 200)
            try store.register(json, trials: try json.trials(), allRunIDs: jsonIDs)
            try store.checkRecordedSpec(plist, runIDs: plistIDs)
            try store.register(plist, trials: try plist.trials(), allRunIDs: plistIDs)
        }
    }
}
