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
    /// `every`, `samples`, `validationFraction`, `testFraction`, `seed` where they differ from
    /// their defaults (empty for configs without held-out data, and then not in the canonical form).
    public var evaluation: PluginParameters
    /// Seeds the trial's generator.
    public var seed: Int

    /// Creates a config from validated sections (see ``ConfigSchema/resolve(_:file:keyPathPrefix:)``).
    public init(
        task: PluginParameters,
        model: PluginParameters,
        training: PluginParameters,
        stop: PluginParameters,
        evaluation: PluginParameters = PluginParameters([:]),
        seed: Int
    ) {
        self.task = task
        self.model = model
        self.training = training
        self.stop = stop
        self.evaluation = evaluation
        self.seed = seed
    }

    /// The defaults of the fields added after runs were recorded: a config leaves them out of its
    /// canonical form at these values, so that its run id is the one it had before they existed.
    public enum Defaults {
        /// `model.initScale`: weights uniform in [-0.05, 0.05).
        public static let initScale = 0.05
        /// `model.forgetBias`.
        public static let forgetBias = 0.0
        /// `evaluation.samples`: validation and test sequences drawn from a stream.
        public static let evaluationSamples = 1000
        /// `evaluation.validationFraction` of a dataset.
        public static let validationFraction = 0.1
        /// `evaluation.testFraction` of a dataset.
        public static let testFraction = 0.1
        /// `evaluation.seed`: seeds the validation and test streams and the split of a dataset.
        public static let evaluationSeed = 0
    }

    /// A section's values.
    public subscript(section: ConfigSection) -> PluginParameters {
        switch section {
        case .task: task
        case .model: model
        case .training: training
        case .evaluation: evaluation
        case .stop: stop
        }
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
    /// The uniform range of the initial weights, `[-initScale, initScale)`.
    public var initScale: Double { model.optionalNumber("initScale") ?? Defaults.initScale }
    /// The initial bias of the forget gate.
    public var forgetBias: Double { model.optionalNumber("forgetBias") ?? Defaults.forgetBias }
    /// Sequences per update; `nil`: every update sees the whole training set (full batch).
    public var batchSize: Int? { training.values["batchSize"]?.intValue }
    /// Iterations between validation passes; `nil`: only at the end.
    public var evaluationEvery: Int? { evaluation.values["every"]?.intValue }
    /// The size of the validation and of the test set drawn from a stream.
    public var evaluationSamples: Int { evaluation.values["samples"]?.intValue ?? Defaults.evaluationSamples }
    /// The fraction of a dataset held out for validation.
    public var validationFraction: Double {
        evaluation.optionalNumber("validationFraction") ?? Defaults.validationFraction
    }
    /// The fraction of a dataset held out for the test.
    public var testFraction: Double { evaluation.optionalNumber("testFraction") ?? Defaults.testFraction }
    /// Seeds the held-out streams and the split of a dataset.
    public var evaluationSeed: Int { evaluation.values["seed"]?.intValue ?? Defaults.evaluationSeed }
    /// The loss at which the trial stops early, if any.
    public var targetLoss: Double? { stop.optionalNumber("targetLoss") }
    /// The number of iterations without improvement after which the trial stops, if any.
    public var patience: Int? { stop.values["patience"]?.intValue }

    /// The value at a dotted path (`model.hiddenSize`, `seed`), if the config has it.
    public func value(at path: String) -> ParameterValue? {
        ConfigPath(path).flatMap(value(at:))
    }

    /// The value at a path, if the config has it.
    public func value(at path: ConfigPath) -> ParameterValue? {
        guard let section = path.section else { return .integer(seed) }
        return self[section].values[path.key]
    }

    // MARK: - Identity

    /// The config as a tree: `{"model": {...}, "seed": 0, "stop": {...}, "task": {...}, "training": {...}}`,
    /// with `evaluation` only when it has a value (so configs from before it keep their form).
    public var canonicalTree: ConfigValue {
        var tree: [String: ConfigValue] = [ConfigSection.seedKey: .integer(seed)]
        for section in ConfigSection.allCases where section != .evaluation || !evaluation.values.isEmpty {
            tree[section.rawValue] = .object(self[section].values.mapValues(\.configValue))
        }
        return .object(tree)
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
