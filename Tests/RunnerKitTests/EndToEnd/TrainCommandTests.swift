import Foundation
import LSTMCore
import RunnerFiles
import RunnerStore
import Testing

@Suite struct TrainCommandTests {
    @Test(arguments: [
        (["--hidden", "0"], "runner train: --hidden is 0; hiddenSize must be in [1, 100000]."),
        (["--input=-3"], "runner train: --input is -3; inputSize must be in [1, 100000]."),
        (
            ["--targets", ""],
            "--targets: \"\" is not a number; give comma-separated numbers such as -0.5,0.2,0.1,-0.5."
        ),
        (
            ["--targets", "0.1,abc"],
            "--targets: \"abc\" is not a number; give comma-separated numbers such as -0.5,0.2,0.1,-0.5."
        ),
        (["--learning-rate", "nan"], "runner train: --learning-rate is nan; learningRate must be finite."),
        (["--learning-rate=-1"], "runner train: --learning-rate is -1.0; learningRate must be > 0."),
        (
            ["--optimizer", "adagrad"],
            "runner train: --optimizer is \"adagrad\"; known optimizers: sgd, momentum, adam, rmsprop."
        ),
        (["--iterations", "0"], "runner train: --iterations is 0; iterations must be in [1, 100000000]."),
        (["--init", "/nonexistent.json"], "/nonexistent.json: cannot read the file"),
        (["--repeat", "0"], "--repeat is 0; give at least 1."),
    ])
    func badInputExits64WithOneLine(_ arguments: [String], _ message: String) throws {
        try withTemporaryDirectory { directory in
            let result = try RunnerCLI.run(["train", "--iterations", "2"] + arguments, in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix("error: " + message), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func aMalformedInitFileIsReported() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("init.json")
            try Data(#"{"wg": [[1, 2]]}"#.utf8).write(to: file)
            let result = try RunnerCLI.run(["train", "--init", file.path], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr == "error: \(file.path): the key \"wi\" is missing; write the file with --save-init.\n")
        }
    }

    @Test func jsonOutputAndSaveInitRoundTrip() throws {
        try withTemporaryDirectory { directory in
            let flags = [
                "train", "--hidden", "6", "--input", "4", "--iterations", "5", "--targets", "0.2,-0.1", "--json",
            ]
            let saved = try RunnerCLI.run(flags + ["--save-init", "init.json"], in: directory)
            #expect(saved.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(saved.stdout.utf8)) as? [String: Any])
            #expect((object["losses"] as? [Double])?.count == 5)
            #expect((object["targets"] as? [Double]) == [0.2, -0.1])
            #expect((object["predictions"] as? [Double])?.count == 2)
            #expect(object["seconds"] is Double)
            // The final loss is h0-squared's sum over the trained network's predictions.
            let predictions = try #require(object["predictions"] as? [Double])
            let final = zip(predictions, [0.2, -0.1]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            let recorded = try #require(object["finalLoss"] as? Double)
            #expect(abs(recorded - final) <= 1e-15 * max(1, final), "\(recorded) vs \(final)")
            let loaded = try RunnerCLI.run(
                ["train", "--init", "init.json", "--iterations", "5", "--json"], in: directory)
            let again = try #require(try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as? [String: Any])
            #expect((again["losses"] as? [Double]) == (object["losses"] as? [Double]))
        }
    }
}

@Suite struct ExportCommandTests {
    @Test func anExportedNPZIsReadByNumPyWithTheRightShapesAndValues() throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let run = try store.runs(ofExperiment: "tiny")[0]
            let result = try RunnerCLI.run(
                ["export", run.id, "--format", "npz", "-o", "w.npz", "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let parameters = try store.finalCheckpoint(of: run).parameters()
            let script = """
                import numpy as np, sys
                d = np.load(sys.argv[1])
                shapes = {k: d[k].shape for k in d.files}
                assert shapes == {"wg": (5, 8), "wi": (5, 8), "wf": (5, 8), "wo": (5, 8), "bg": (5,), "bi": (5,), "bf": (5,), "bo": (5,), "xs": (3, 3), "ys": (3,)}, shapes
                assert all(d[k].dtype == np.float64 for k in d.files)
                print(repr(float(d["wf"][2, 7])), repr(float(d["bo"][4])), repr(float(d["ys"][1])))
                """
            let output = try runProgram("python3", ["-c", script, directory.appendingPathComponent("w.npz").path])
            #expect(output.status == 0, "\(output.standardError)")
            let expected = [parameters.gateWeights(.f)[2][7], parameters.gateBias(.o)[4], -0.2].map { "\($0)" }.joined(
                separator: " ")
            #expect(
                String(decoding: output.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    == expected)
        }
    }

    @Test func theInitialWeightsExportAsJSONThatTheNumPyReferenceTrainsIdentically() throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let run = try store.runs(ofExperiment: "tiny")[0]  // sgd, seed 0
            let result = try RunnerCLI.run(
                ["export", run.id, "--format", "json", "--initial", "-o", "init.json", "--db", "runs.sqlite"],
                in: directory)
            #expect(result.status == 0)
            let reference = RunnerCLI.packageRoot.appendingPathComponent("scripts/reference/lstm_numpy.py")
            let output = try runProgram(
                "python3",
                [
                    reference.path, "--init", directory.appendingPathComponent("init.json").path, "--iterations", "30",
                    "--lr", "0.05", "--json",
                ])
            #expect(output.status == 0, "\(output.standardError)")
            let numpy = try #require(
                (try JSONSerialization.jsonObject(with: output.standardOutput) as? [String: Any])?["losses"]
                    as? [Double])
            let ours = try #require(try store.curve(run.id))
            let worst = zip(numpy, ours).map { abs($0 - $1) / abs($1) }.max() ?? .nan
            #expect(worst < 1e-12)
        }
    }

    @Test func anExperimentsRunsExportAsCSV() throws {
        try withTemporaryDirectory { directory in
            _ = try VerifyTests.recorded(in: directory)
            let result = try RunnerCLI.run(
                ["export", "tiny", "--runs", "--format", "csv", "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 0)
            let lines = result.stdout.split(separator: "\n")
            #expect(
                lines.first
                    == "id,status,seed,training.optimizer,final_loss,best_loss,best_iteration,iterations_run,target_reached_iteration,training_seconds,checkpoint_path,checkpoint_sha256"
            )
            #expect(lines.count == 5)
            #expect(lines.dropFirst().allSatisfy { $0.contains(",completed,") })
        }
    }
}
