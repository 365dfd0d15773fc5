import ArgumentParser
import Foundation
import LSTMCore
import RunnerEngine
import RunnerFiles
import RunnerModel
import RunnerReport
import RunnerSpec
import RunnerStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's weights (npz or json), or an experiment's runs (csv or json).",
        discussion: """
            runner export RUN --format npz|json [--initial] [--output FILE]
              wg, wi, wf, wo [H, X+H], bg, bi, bf, bo [H] (and wy [K, H], by [K] for a readout), plus \
            xs [T, X] and ys [T] for one-sequence tasks (inputs, targets for others; for a minibatch \
            run its test set: test_x [N, T, X] (or category indices [N, T]), test_y, test_mask [N, T]): \
            numpy.load reads the .npz, and lstm_numpy.py --init reads either.
            runner export EXPERIMENT --runs --format csv|json [--output FILE]
            """
    )

    @Argument(help: "A run id (any unique prefix), or an experiment name with --runs.") var target: String
    @Option(help: "npz or json for a run; csv or json for --runs.") var format: ExportFormat
    @Flag(help: "Export the initial weights instead of the final ones.") var initial = false
    @Flag(help: "Export the runs of an experiment as a table.") var runs = false
    @Option(name: .shortAndLong, help: "The file to write (default: RUN.npz or RUN.json; stdout for --runs).")
    var output: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        do {
            let store = try ResultStore(path: database.path, readOnly: true)
            if runs {
                try exportRuns(store)
            } else {
                try exportRun(store)
            }
        } catch {
            throw failure(error)
        }
    }

    private func exportRun(_ store: ResultStore) throws {
        guard format != .csv else {
            throw failure("--format csv: a run exports as npz or json (csv is for --runs).", usage: true)
        }
        let record = try store.run(target)
        let materializer = RunMaterializer(store: store, registry: RunnerCommand.registry)
        var arrays: [NamedArray]
        if initial {
            let (_, state) = try materializer.initialState(of: record)
            arrays = NPZ.exportArrays(state.parameters, trainingSet: state.trainingSet)
        } else {
            let final = try materializer.final(of: record)
            if final.retrained {
                try? FileHandle.standardError.write(
                    contentsOf:
                        Data("run \(record.id) kept no checkpoint: trained it again (same bits as recorded)\n".utf8))
            }
            arrays = NPZ.exportArrays(final.parameters, trainingSet: final.trainingSet)
        }
        if let config = try? record.config(schema: ConfigSchema(registry: RunnerCommand.registry)) {
            let trial = Trial(config: config, registry: RunnerCommand.registry)
            if trial.trainsOnMinibatches, let held = try trial.heldOutSet() {
                arrays += Self.arrays(of: held.batch, prefix: held.name)
            }
        }
        let path = output ?? "\(record.id)\(initial ? ".initial" : "").\(format.rawValue)"
        let url = URL(fileURLWithPath: path)
        if format == .npz {
            try NPZ.write(arrays, to: url)
        } else {
            try AtomicFile.write(ExportOutput.json(arrays), to: url)
        }
        if !AtomicFile.isStandardOutput(path) { StandardOutput.write("wrote \(path)") }
    }

    private func exportRuns(_ store: ResultStore) throws {
        guard format != .npz, let table = TableFormat(rawValue: format.rawValue) else {
            throw failure("--format npz: runs export as csv or json (npz is for a run's weights).", usage: true)
        }
        guard let experiment = try store.experiment(target) else {
            let known = try store.experiments().map(\.name)
            throw failure(
                "\(database.path): no experiment named \"\(target)\"; known: \(known.joined(separator: ", ")).",
                usage: true)
        }
        let text =
            TableRenderer.render(
                ExportOutput.runsTable(
                    try store.runs(ofExperiment: experiment.name), sweptPaths: experiment.sweptPaths),
                format: table
            ) + "\n"
        if let output {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
            if !AtomicFile.isStandardOutput(output) { StandardOutput.write("wrote \(output)") }
        } else {
            StandardOutput.write(text, terminator: "")
        }
    }

    /// A held-out set as arrays: `PREFIX_x` `[N, T, X]` (dense inputs) or `[N, T]` (category
    /// indices, -1 for none), `PREFIX_y` `[N, T]` (labels) or `[N, T, K]` (targets), `PREFIX_mask`
    /// `[N, T]` (1 or 0).
    static func arrays(of batch: SequenceBatch, prefix: String) -> [NamedArray] {
        let n = batch.batchSize
        let t = batch.sequenceLength
        var arrays: [NamedArray] = []
        switch batch.inputs {
        case .dense(let values):
            arrays.append(NamedArray(name: "\(prefix)_x", shape: [n, t, batch.inputSize], values: values))
        case .categories(let indices):
            arrays.append(NamedArray(name: "\(prefix)_x", shape: [n, t], values: indices.map(Double.init)))
        }
        switch batch.targets {
        case .labels(let labels):
            arrays.append(NamedArray(name: "\(prefix)_y", shape: [n, t], values: labels.map(Double.init)))
        case .values(let values):
            arrays.append(NamedArray(name: "\(prefix)_y", shape: [n, t, batch.targetsPerStep], values: values))
        }
        arrays.append(NamedArray(name: "\(prefix)_mask", shape: [n, t], values: batch.mask.map { $0 ? 1 : 0 }))
        return arrays
    }
}
