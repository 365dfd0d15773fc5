import Foundation
import GRDB
import Testing

/// End-to-end tests of minibatch training: `runner run` of a streamed classification task, its
/// held-out columns and validation passes, the report, show, predict, verify and export.
@Suite(.serialized) struct MinibatchCommandTests {
    static let spec = """
        {
          "name": "mini",
          "task": { "plugin": "copy-memory", "delay": 3, "length": 2, "samples": 24 },
          "model": { "hiddenSize": 6, "cellOutput": "tanh" },
          "training": { "batchSize": 5, "loss": "cross-entropy", "optimizer": "rmsprop", "learningRate": 0.01,
                        "iterations": 12, "clipNorm": 1.0 },
          "evaluation": { "every": 4, "samples": 30 },
          "seed": 0,
          "sweep": { "model.hiddenSize": [4, 6], "seed": [0, 1] },
          "checkpoints": { "final": true, "initial": true, "every": 5 }
        }
        """

    static func rows(_ path: String, _ sql: String) throws -> [Row] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try Row.fetchAll(db, sql: sql) }
    }

    @Test func aMinibatchSweepRecordsHeldOutMetricsAndReportsByThem() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(Self.spec, in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "one.sqlite", "--jobs", "2"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("validation loss"))
            let db = directory.appendingPathComponent("one.sqlite").path
            let runs = try Self.rows(
                db,
                "SELECT id, validation_loss, validation_accuracy, test_loss, test_accuracy, final_loss FROM runs ORDER BY id"
            )
            #expect(runs.count == 4)
            for run in runs {
                let accuracy: Double? = run["validation_accuracy"]
                #expect((run["validation_loss"] as Double?) != nil && (run["test_loss"] as Double?) != nil)
                #expect(accuracy.map { $0 >= 0 && $0 <= 1 } == true)
            }
            let passes = try Self.rows(db, "SELECT run_id, iteration FROM evaluations ORDER BY run_id, iteration")
            #expect(passes.map { $0["iteration"] as Int } == Array(repeating: [4, 8, 12], count: 4).flatMap { $0 })

            // One worker gives the same bits.
            let again = try RunnerCLI.run(["run", spec, "--db", "two.sqlite", "--jobs", "1"], in: directory)
            #expect(again.status == 0, "\(again.stderr)")
            let other = try Self.rows(
                directory.appendingPathComponent("two.sqlite").path,
                "SELECT id, validation_loss, validation_accuracy, test_loss, test_accuracy, final_loss FROM runs ORDER BY id"
            )
            #expect(other.map { "\($0)" } == runs.map { "\($0)" })

            let report = try RunnerCLI.run(["report", "mini", "--db", "one.sqlite"], in: directory)
            #expect(report.status == 0, "\(report.stderr)")
            #expect(report.stdout.contains("valLoss") && report.stdout.contains("valAcc"))
            #expect(report.stdout.contains("best: run ") && report.stdout.contains("validation loss"))
            let plot = try RunnerCLI.run(["plot", "mini", "--db", "one.sqlite", "--out", "plots"], in: directory)
            #expect(plot.status == 0, "\(plot.stderr)")
            let curves = try String(
                contentsOf: directory.appendingPathComponent("plots/mini-curves.svg"), encoding: .utf8)
            // Validation passes at 4, 8 and 12: the x axis in iterations, the y axis the validation loss.
            #expect(curves.contains("mini: validation loss") && curves.contains(">validation loss (log scale)<"))
            let id: String = runs[0]["id"]
            let show = try RunnerCLI.run(["show", id, "--db", "one.sqlite"], in: directory)
            #expect(show.stdout.contains("validation passes   3: 4: "))
            let predict = try RunnerCLI.run(["predict", id, "--db", "one.sqlite"], in: directory)
            #expect(predict.status == 0, "\(predict.stderr)")
            #expect(predict.stdout.hasPrefix("run \(id): test loss "))
            let verify = try RunnerCLI.run(["verify", id, "--db", "one.sqlite"], in: directory)
            #expect(verify.status == 0, "\(verify.stderr)")
            #expect(verify.stdout.contains("identical"))
            let export = try RunnerCLI.run(
                ["export", id, "--initial", "--format", "json", "--output", "initial.json", "--db", "one.sqlite"],
                in: directory)
            #expect(export.status == 0, "\(export.stderr)")
            let exported = try String(contentsOf: directory.appendingPathComponent("initial.json"), encoding: .utf8)
            for name in ["wg", "wi", "wf", "wo", "bg", "bi", "bf", "bo", "wy", "by", "test_x", "test_y", "test_mask"] {
                #expect(exported.contains("\"\(name)\""), "export lacks \(name)")
            }
        }
    }

    @Test func aLossThatDoesNotFitTheTaskExits64WithOneLine() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(Self.spec.replacingOccurrences(of: "cross-entropy", with: "mse"), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr.hasPrefix(
                    "error: \(spec): training.loss is mse, which scores real values, but the task has 9 classes"))
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        }
    }
}
