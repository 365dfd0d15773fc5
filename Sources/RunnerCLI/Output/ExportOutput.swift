import Foundation
import LSTMCore
import RunnerEngine
import RunnerFiles
import RunnerModel
import RunnerReport
import RunnerSpec
import RunnerStore

/// What `runner export` writes.
public enum ExportOutput {
    /// Arrays as one JSON object, each array nested by its shape (`wg` as `[H][X+H]`): for a
    /// one-sequence task this is the layout `lstm_numpy.py --init` reads.
    public static func json(_ arrays: [NamedArray]) -> Data {
        var fields: [String: ConfigValue] = [:]
        for array in arrays {
            fields[array.name] = nested(array.values[...], shape: array.shape[...])
        }
        return Data((ConfigValue.object(fields).canonicalJSON + "\n").utf8)
    }

    private static func nested(_ values: ArraySlice<Double>, shape: ArraySlice<Int>) -> ConfigValue {
        guard let first = shape.first else { return values.first.map { .number($0) } ?? .null }
        if shape.count == 1 { return .array(values.map { $0.isFinite ? .number($0) : .null }) }
        let stride = shape.dropFirst().reduce(1, *)
        return .array(
            (0..<first).map { i in
                let start = values.startIndex + i * stride
                return nested(values[start..<(start + stride)], shape: shape.dropFirst())
            }
        )
    }

    /// The runs of an experiment as a table: id, status, seed, the swept values, the results.
    ///
    /// - Parameters:
    ///   - runs: the runs, in trial order.
    ///   - sweptPaths: the experiment's swept paths (one column each, titled by the path).
    /// - Returns: the table (render it as CSV or JSON).
    public static func runsTable(_ runs: [RunRecord], sweptPaths: [String]) -> ReportTable {
        let paths = sweptPaths.filter { $0 != "seed" }
        var columns = [TableColumn("id"), TableColumn("status"), TableColumn("seed", kind: .integer)]
        columns += paths.map { TableColumn($0) }
        columns += [
            TableColumn("final_loss", kind: .loss), TableColumn("best_loss", kind: .loss),
            TableColumn("best_iteration", kind: .integer), TableColumn("iterations_run", kind: .integer),
            TableColumn("target_reached_iteration", kind: .integer), TableColumn("training_seconds", kind: .number),
            TableColumn("checkpoint_path"), TableColumn("checkpoint_sha256"),
        ]
        // Minibatch runs' held-out metrics, when any run has them.
        let heldOut = runs.contains { $0.validationLoss != nil || $0.testLoss != nil }
        if heldOut {
            columns += [
                TableColumn("validation_loss", kind: .loss),
                TableColumn("validation_accuracy", kind: .number),
                TableColumn("test_loss", kind: .loss),
                TableColumn("test_accuracy", kind: .number),
            ]
        }
        let rows: [[TableCell]] = runs.map { run in
            let config = try? run.config(schema: ConfigSchema(registry: RunnerCommand.registry))
            var row: [TableCell] = [.text(run.id), .text(run.status.rawValue), .integer(run.seed)]
            for path in paths {
                switch config?.value(at: path) {
                case .integer(let value)?: row.append(.integer(value))
                case .number(let value)?: row.append(.number(value))
                case let value?: row.append(.text(value.description))
                case nil: row.append(.empty)
                }
            }
            row += [
                run.finalLoss.map(TableCell.loss) ?? .empty, run.bestLoss.map(TableCell.loss) ?? .empty,
                run.bestIteration.map(TableCell.integer) ?? .empty, run.iterationsRun.map(TableCell.integer) ?? .empty,
                run.targetReachedIteration.map(TableCell.integer) ?? .empty,
                run.trainingSeconds.map(TableCell.number) ?? .empty, run.checkpointPath.map(TableCell.text) ?? .empty,
                run.checkpointSHA256.map(TableCell.text) ?? .empty,
            ]
            if heldOut {
                row += [
                    run.validationLoss.map(TableCell.loss) ?? .empty,
                    run.validationAccuracy.map(TableCell.number) ?? .empty,
                    run.testLoss.map(TableCell.loss) ?? .empty, run.testAccuracy.map(TableCell.number) ?? .empty,
                ]
            }
            return row
        }
        return ReportTable(columns: columns, rows: rows)
    }
}

/// What `runner predict` prints: each scored step's target next to the prediction.
public enum PredictOutput {
    /// The text.
    ///
    /// - Parameters:
    ///   - runID: the run.
    ///   - final: its final state.
    ///   - registry: where the loss plugin comes from.
    /// - Returns: the loss and one line per scored step (`sequence step target prediction`).
    /// - Throws: ``TaskDataError`` when a minibatch run's task cannot make its held-out data again.
    public static func text(runID: String, final: RunMaterializer.Final, registry: PluginRegistry = .standard)
        throws -> String
    {
        let trial = Trial(config: final.config, registry: registry)
        guard let trainingSet = final.trainingSet else {
            return try heldOutText(runID: runID, final: final, trial: trial)
        }
        let network = LSTMNetwork(
            parameters: final.parameters,
            cellOutput: final.config.cellOutput,
            loss: trial.makeLoss(),
            trainingSet: trainingSet
        )
        let (loss, predictions) = network.evaluate()
        let data = trainingSet
        var lines = [
            "run \(runID): loss \(String(format: "%.6e", loss)) over \(data.countedSteps) scored steps"
                + (final.retrained ? " (no checkpoint kept: trained again, same bits as recorded)" : ""),
            "sequence  step      target  prediction",
        ]
        for k in 0..<data.targets.count where data.mask[k] {
            lines.append(
                String(
                    format: "%8d  %4d  %10.6f  %10.6f",
                    k / data.sequenceLength + 1,
                    k % data.sequenceLength + 1,
                    data.targets[k],
                    predictions[k]
                )
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The most scored steps `predict` lists for a held-out set.
    static let heldOutLines = 200

    /// A minibatch run on its test (or validation) set: the loss (and accuracy), then one line a
    /// scored step, `sequence step target prediction` (for classes, the label and the most likely
    /// class), the first ``heldOutLines`` of them.
    private static func heldOutText(runID: String, final: RunMaterializer.Final, trial: Trial) throws -> String {
        guard let held = try trial.heldOutPredictions(parameters: final.parameters) else {
            return "run \(runID): its task holds no data out; nothing to predict.\n"
        }
        let batch = held.batch
        let evaluation = held.evaluation
        let accuracy = evaluation.accuracy.map { String(format: ", accuracy %.2f%%", 100 * $0) } ?? ""
        var lines = [
            "run \(runID): \(held.setName) loss \(String(format: "%.6e", evaluation.loss))\(accuracy) over "
                + "\(evaluation.scoredSteps) scored steps of \(batch.batchSize) sequences"
                + (final.retrained ? " (no checkpoint kept: trained again, same bits as recorded)" : ""),
            "sequence  step      target  prediction",
        ]
        let t = batch.sequenceLength
        let k = held.outputs
        var listed = 0
        for index in 0..<(batch.batchSize * t) where batch.mask[index] {
            guard listed < heldOutLines else {
                lines.append("(the first \(heldOutLines) of \(evaluation.scoredSteps) scored steps)")
                break
            }
            let outputs = evaluation.outputs[(index * k)..<((index + 1) * k)]
            let target: String
            let prediction: String
            switch batch.targets {
            case .labels(let labels):
                target = String(format: "%10d", labels[index])
                let best = outputs.indices.max { outputs[$0] < outputs[$1] || (outputs[$0] == outputs[$1] && $0 > $1) }
                prediction = String(format: "%10d", (best ?? outputs.startIndex) - outputs.startIndex)
            case .values(let values):
                target = values[(index * k)..<((index + 1) * k)].map { String(format: "%10.6f", $0) }.joined(
                    separator: " ")
                prediction = outputs.map { String(format: "%10.6f", $0) }.joined(separator: " ")
            }
            lines.append(String(format: "%8d  %4d  ", index / t + 1, index % t + 1) + target + "  " + prediction)
            listed += 1
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
