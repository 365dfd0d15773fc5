import Foundation
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import RunnerStore

/// Recovers what a recorded run produced: its initial state, and its final parameters from its
/// checkpoint or, when none was kept, by training it again (the same bits, by the project's
/// reproducibility guarantee, which is checked against the recorded payload digest).
public struct RunMaterializer: Sendable {
    /// The database.
    public var store: ResultStore
    /// Where plugins come from.
    public var registry: PluginRegistry

    /// Creates a materializer.
    public init(store: ResultStore, registry: PluginRegistry = .standard) {
        self.store = store
        self.registry = registry
    }

    /// A run's final state.
    public struct Final: Sendable {
        /// The parameters after training.
        public var parameters: LSTMParameters
        /// The data trained on (full batch); `nil` for minibatch training.
        public var trainingSet: TrainingSet?
        /// The config.
        public var config: TrialConfig
        /// Whether the run was trained again because no checkpoint was kept.
        public var retrained: Bool
    }

    /// The state a run started from: drawn from its seed, or its `model.init` source (a file
    /// recorded by its digest is looked for among the `model.init` files its experiments' specs
    /// name, and must still have that digest).
    ///
    /// - Throws: ``SpecError`` when the stored config or its `model.init` cannot be used.
    public func initialState(of run: RunRecord) throws(SpecError) -> (TrialConfig, InitialState) {
        let config = try run.config(schema: ConfigSchema(registry: registry))
        let trial = PlannedTrial(index: 0, config: config, runID: run.id, swept: [:])
        let candidates = config.initSource?.hasPrefix(WarmStart.digestPrefix) == true ? initFiles(of: run) : []
        if let state = try WarmStart(store: store, registry: registry).recordedState(of: trial, candidates: candidates)
        {
            return (config, state)
        }
        return (config, Trial(config: config, registry: registry).initialState())
    }

    /// The `model.init` values (fixed or swept) of the specs of every experiment holding `run`.
    private func initFiles(of run: RunRecord) -> [String] {
        let names = (try? store.experiments(holding: run.id)) ?? [run.experiment]
        var files: [String] = []
        for name in names {
            guard let record = try? store.experiment(name),
                let spec = try? SpecLoader(schema: ConfigSchema(registry: registry)).load(
                    data: Data(record.specText.utf8), file: record.specFile, force: true)
            else { continue }
            if case .object(let model)? = spec.base["model"], case .string(let file)? = model["init"] {
                files.append(file)
            }
            for axis in spec.axes {
                guard let column = axis.paths.firstIndex(of: "model.init") else { continue }
                for point in axis.values where column < point.count {
                    if case .string(let file) = point[column] { files.append(file) }
                }
            }
        }
        return files
    }

    /// The final parameters and data of a finished run.
    ///
    /// - Throws: ``StoreError`` `notFound` for runs that have not finished; ``CheckpointError``
    ///   for a damaged checkpoint; ``StoreError`` `conflict` when training again does not give
    ///   the recorded bits.
    public func final(of run: RunRecord) throws -> Final {
        guard run.status.hasResult else {
            throw StoreError(
                .notFound, file: store.path,
                "run \(run.id) is \(run.status.rawValue); it has no final parameters yet. Run its experiment first.")
        }
        let config = try run.config(schema: ConfigSchema(registry: registry))
        if run.checkpointPath != nil {
            let checkpoint = try store.finalCheckpoint(of: run)
            return Final(
                parameters: try checkpoint.parameters(),
                trainingSet: checkpoint["inputs"] == nil && ConfigSchema(registry: registry).trainsOnMinibatches(config)
                    ? nil : try Self.trainingSet(of: checkpoint),
                config: config,
                retrained: false
            )
        }
        let (_, initial) = try initialState(of: run)
        let result = try Trial(config: config, registry: registry).run(from: initial)
        let digest = try CheckpointFiles.finalContents(result).header.payloadSHA256
        if let recorded = run.checkpointSHA256, recorded != digest {
            throw StoreError(
                .conflict,
                file: store.path,
                "run \(run.id) kept no checkpoint, and training it again here gives other bits (payload \(digest.prefix(12)) vs recorded \(recorded.prefix(12))); see runner verify \(run.id)."
            )
        }
        return Final(
            parameters: result.finalParameters, trainingSet: result.trainingSet, config: config, retrained: true)
    }

    /// The training set a checkpoint carries (`inputs`, `targets`, `mask`).
    package static func trainingSet(of checkpoint: Checkpoint) throws(CheckpointError) -> TrainingSet {
        guard let inputs = checkpoint["inputs"], let targets = checkpoint["targets"], inputs.shape.count == 3,
            targets.shape.count == 2, inputs.shape[0] == targets.shape[0], inputs.shape[1] == targets.shape[1],
            inputs.shape[1] >= 1, inputs.shape[2] >= 1, !targets.values.isEmpty
        else {
            throw CheckpointError(
                .shapeMismatch, file: "checkpoint of run \(checkpoint.header.runID)",
                message: "it lacks inputs [N, T, X] and targets [N, T].")
        }
        let mask = checkpoint["mask"]?.values.map { $0 != 0 }
        return TrainingSet(
            inputSize: inputs.shape[2],
            sequenceLength: inputs.shape[1],
            inputs: inputs.values,
            targets: targets.values,
            mask: mask?.count == targets.values.count ? mask : nil
        )
    }
}
