import Crypto
import Foundation
import LSTMCore

/// The fully resolved config of one trial: every field validated and every default filled in.
///
/// Its canonical JSON (``canonicalJSON``) is what identifies a run: the run id is the first 12
/// hex digits of its SHA-256, so the same config gives the same id in any spec file that
/// produces it. The spec's name, description and checkpoint settings are not part of it: they
/// do not change what is trained.
public struct TrialConfig: Hashable, Sendable {
    /// `plugin` and the task plugin's parameters.
    public var task: PluginParameters
    /// `hiddenSize`, `cellOutput`, `init`.
    public var model: PluginParameters
    /// `iterations`, `learningRate`, `optimizer`, `loss`, `clipNorm` and the optimizer's and
    /// loss's parameters.
    public var training: PluginParameters
    /// `targetLoss`, `patience`.
    public var stop: PluginParameters
    /// Seeds the trial's generator.
    public var seed: Int

    /// Creates a config from validated sections (see ``ConfigSchema/resolve(_:file:keyPathPrefix:)``).
    public init(
        task: PluginParameters,
        model: PluginParameters,
        training: PluginParameters,
        stop: PluginParameters,
        seed: Int
    ) {
        self.task = task
        self.model = model
        self.training = training
        self.stop = stop
        self.seed = seed
    }

    // MARK: - Fields

    /// The task plugin's name.
    public var taskPlugin: String { task.text("plugin") }
    /// `H`.
    public var hiddenSize: Int { model.integer("hiddenSize") }
    /// The cell output.
    public var cellOutput: CellOutput { CellOutput(rawValue: model.text("cellOutput")) ?? .identity }
    /// Where the initial weights come from, when not drawn at random.
    public var initSource: String? { model.values["init"]?.textValue }
    /// Updates to apply.
    public var iterations: Int { training.integer("iterations") }
    /// `η`.
    public var learningRate: Double { training.number("learningRate") }
    /// The optimizer's name.
    public var optimizerName: String { training.text("optimizer") }
    /// The loss's name.
    public var lossName: String { training.text("loss") }
    /// The gradient clipping norm, if any.
    public var clipNorm: Double? { training.optionalNumber("clipNorm") }
    /// The loss at which the trial stops early, if any.
    public var targetLoss: Double? { stop.optionalNumber("targetLoss") }
    /// The number of iterations without improvement after which the trial stops, if any.
    public var patience: Int? { stop.values["patience"]?.intValue }

    /// The value at a dotted path (`model.hiddenSize`, `seed`), if the config has it.
    public func value(at path: String) -> ParameterValue? {
        if path == "seed" { return .integer(seed) }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "task": return task.values[parts[1]]
        case "model": return model.values[parts[1]]
        case "training": return training.values[parts[1]]
        case "stop": return stop.values[parts[1]]
        default: return nil
        }
    }

    // MARK: - Identity

    /// The config as a tree: `{"model": {...}, "seed": 0, "stop": {...}, "task": {...}, "training": {...}}`.
    public var canonicalTree: ConfigValue {
        func object(_ section: PluginParameters) -> ConfigValue {
            .object(section.values.mapValues(\.configValue))
        }
        return .object([
            "model": object(model),
            "seed": .integer(seed),
            "stop": object(stop),
            "task": object(task),
            "training": object(training),
        ])
    }

    /// Canonical JSON: sorted keys, no white space, shortest round-trip numbers.
    public var canonicalJSON: String { canonicalTree.canonicalJSON }

    /// The run id: the first 12 hex digits of the SHA-256 of ``canonicalJSON``.
    public var runID: String { Self.runID(canonicalJSON: canonicalJSON) }

    /// The run id of a canonical JSON text.
    public static func runID(canonicalJSON: String) -> String {
        Digest.hex(SHA256.hash(data: Data(canonicalJSON.utf8)).prefix(6))
    }
}
