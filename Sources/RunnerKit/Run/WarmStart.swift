import Foundation
import LSTMCore

/// Resolves `model.init`: trials that start from a finished run, a checkpoint file or an `.npz`
/// instead of random weights. The data still come from the trial's own seed.
struct WarmStart: Sendable {
    var store: ResultStore
    var registry: PluginRegistry

    /// The initial state of every trial that names `model.init`, checked before anything runs.
    ///
    /// - Throws: ``SpecError`` naming `model.init` when a source cannot be read or its shapes
    ///   differ from the trial's.
    func resolve(_ trials: [PlannedTrial]) throws(SpecError) -> [String: InitialState] {
        var cache: [String: LSTMParameters] = [:]
        var states: [String: InitialState] = [:]
        for trial in trials {
            guard let source = trial.config.initSource else { continue }
            let parameters: LSTMParameters
            if let cached = cache[source] {
                parameters = cached
            } else {
                parameters = try load(source)
                cache[source] = parameters
            }
            var state = Trial(config: trial.config, registry: registry).initialState()
            guard parameters.hasSameShape(as: state.parameters) else {
                let want = state.parameters
                throw SpecError(
                    .outOfRange,
                    file: "run \(trial.runID)",
                    keyPath: "model.init",
                    "is \"\(source)\", whose parameters have X=\(parameters.inputSize), H=\(parameters.hiddenSize), "
                        + "R=\(parameters.readoutSize); the trial needs X=\(want.inputSize), H=\(want.hiddenSize), "
                        + "R=\(want.readoutSize)."
                )
            }
            state.parameters = parameters
            states[trial.runID] = state
        }
        return states
    }

    /// The parameters a source names: a `.ckpt.gz` file, an `.npz` file, or a run id (prefix).
    func load(_ source: String) throws(SpecError) -> LSTMParameters {
        func failure(_ text: String) -> SpecError {
            SpecError(.outOfRange, file: store.path, keyPath: "model.init", "is \"\(source)\"; \(text)")
        }
        do {
            if source.hasSuffix(".npz") {
                return try NPZ.parameters(from: URL(fileURLWithPath: source))
            }
            if source.hasSuffix(".ckpt.gz") {
                return try Checkpoint.read(from: URL(fileURLWithPath: source)).parameters()
            }
            let run = try store.run(source)
            return try store.finalCheckpoint(of: run).parameters()
        } catch let error as StoreError {
            throw failure(error.problem)
        } catch {
            throw failure("\(error)")
        }
    }
}
