import Foundation
import LSTMCore
import RunnerModel

/// The fields of a trial config, section by section, and their validation.
///
/// A trial config has the sections `task` (the task plugin and its parameters), `model`,
/// `training` (with the optimizer's and the loss's parameters beside the fixed fields), `stop`
/// and the top-level `seed`. Every field is declared as a ``ParameterSpec``, so defaults, ranges
/// and help texts live in one place.
public struct ConfigSchema: Sendable {
    /// The plugins whose parameters the schema includes.
    public var registry: PluginRegistry
    /// The most bytes one trial may need (see ``LSTMNetwork/Footprint``): by default this
    /// machine's physical memory. A config that needs more is refused when it is resolved.
    public var memoryLimit: Int

    /// A schema over the given plugins.
    public init(registry: PluginRegistry = .standard, memoryLimit: Int? = nil) {
        self.registry = registry
        self.memoryLimit = memoryLimit ?? Int(clamping: ProcessInfo.processInfo.physicalMemory)
    }

    /// The largest seed: 2^53, so that every seed is exact as a JSON number.
    public static let maximumSeed = 1 << 53

    /// The top-level keys (the sections and `seed`), in the order of the canonical form.
    public static let sections = ConfigSection.topLevelKeys

    /// `model`'s fields.
    public var modelFields: [ParameterSpec] {
        [
            ParameterSpec(
                "hiddenSize",
                .integer(1...100_000),
                .defaulted(.integer(100)),
                help: "number of memory cells H"
            ),
            ParameterSpec(
                "cellOutput",
                .choice(CellOutput.allCases.map(\.rawValue)),
                .defaulted(.text("identity")),
                help: "h = s*o (identity) or h = tanh(s)*o (tanh)"
            ),
            ParameterSpec(
                "init",
                .text,
                .optional,
                help: "start from a run id, a checkpoint (.ckpt.gz) or an .npz instead of random weights"
            ),
            ParameterSpec(
                "initScale",
                .number(.positive),
                .implied(.number(TrialConfig.Defaults.initScale)),
                help: "initial weights uniform in [-initScale, initScale)"
            ),
            ParameterSpec(
                "forgetBias",
                .number(.any),
                .implied(.number(TrialConfig.Defaults.forgetBias)),
                help: "initial bias of the forget gate (1 is common for long sequences)"
            ),
        ]
    }

    /// `training`'s fixed fields (the chosen optimizer's and loss's parameters come beside them).
    public var trainingFields: [ParameterSpec] {
        [
            ParameterSpec("iterations", .integer(1...100_000_000), .defaulted(.integer(100)), help: "updates to apply"),
            ParameterSpec("learningRate", .number(.positive), .defaulted(.number(0.1)), help: "step size eta"),
            ParameterSpec(
                "optimizer",
                .choice(registry.optimizers.map(\.name)),
                .defaulted(.text("sgd")),
                help: "update rule"
            ),
            ParameterSpec(
                "loss",
                .choice(registry.losses.map(\.name)),
                .defaulted(.text("h0-squared")),
                help: "what is minimised"
            ),
            ParameterSpec(
                "clipNorm",
                .number(.positive),
                .optional,
                help: "scale the gradient to this L2 norm when it is larger"
            ),
            ParameterSpec(
                "batchSize",
                .integer(1...1_000_000),
                .optional,
                help: "sequences per update, drawn fresh (a stream) or from task.samples/a dataset; "
                    + "unset: the whole training set (full batch)"
            ),
        ]
    }

    /// `evaluation`'s fields: the held-out data of tasks that have them.
    public var evaluationFields: [ParameterSpec] {
        [
            ParameterSpec(
                "every",
                .integer(1...100_000_000),
                .optional,
                help: "iterations between validation passes (unset: only after the last iteration)"
            ),
            ParameterSpec(
                "samples",
                .integer(1...10_000_000),
                .implied(.integer(TrialConfig.Defaults.evaluationSamples)),
                help: "validation and test sequences drawn from a stream (each)"
            ),
            ParameterSpec(
                "validationFraction",
                .number(.range(0, 1)),
                .implied(.number(TrialConfig.Defaults.validationFraction)),
                help: "fraction of a dataset held out for validation"
            ),
            ParameterSpec(
                "testFraction",
                .number(.range(0, 1)),
                .implied(.number(TrialConfig.Defaults.testFraction)),
                help: "fraction of a dataset held out for the test"
            ),
            ParameterSpec(
                "seed",
                .integer(0...Self.maximumSeed),
                .implied(.integer(TrialConfig.Defaults.evaluationSeed)),
                help: "seeds the validation and test streams and the split of a dataset (the same for every trial)"
            ),
        ]
    }

    /// `stop`'s fields.
    public var stopFields: [ParameterSpec] {
        [
            ParameterSpec(
                "targetLoss",
                .number(.nonNegative),
                .optional,
                help: "stop (completed) once an iteration's loss is at or below this"
            ),
            ParameterSpec(
                "patience",
                .integer(1...100_000_000),
                .optional,
                help: "stop (completed) after this many iterations without a new best loss"
            ),
        ]
    }

    /// `task`'s fixed field (the task plugin's parameters come beside it).
    public var taskFields: [ParameterSpec] {
        [
            ParameterSpec(
                "plugin",
                .choice(registry.tasks.map(\.name)),
                .defaulted(.text("sequence")),
                help: "the task that makes inputs and targets"
            )
        ]
    }

    /// The top-level `seed`.
    public var seedField: ParameterSpec {
        ParameterSpec(
            "seed",
            .integer(0...Self.maximumSeed),
            .defaulted(.integer(0)),
            help: "seeds the trial's generator: initial weights, then the task's data"
        )
    }

    /// The fields a section has once its plugins are known.
    ///
    /// - Parameters:
    ///   - section: `task`, `model`, `training` or `stop`.
    ///   - plugins: the section's chosen plugin names (`plugin` for `task`; `optimizer` and
    ///     `loss` for `training`), which add their parameters.
    /// - Returns: the declarations, fixed fields first.
    public func fields(of section: String, plugins: [String: String] = [:]) -> [ParameterSpec] {
        switch section {
        case "task":
            return taskFields + (plugins["plugin"].flatMap { registry.task(named: $0)?.parameters } ?? [])
        case "model":
            return modelFields
        case "training":
            return trainingFields
                + (plugins["optimizer"].flatMap { registry.optimizer(named: $0)?.parameters } ?? [])
                + (plugins["loss"].flatMap { registry.loss(named: $0)?.parameters } ?? [])
        case "stop":
            return stopFields
        case "evaluation":
            return evaluationFields
        default:
            return []
        }
    }

    /// Every field any plugin could add to a section (for sweep paths and suggestions).
    public func allFields(of section: String) -> [ParameterSpec] {
        switch section {
        case "task": taskFields + registry.tasks.flatMap(\.parameters)
        case "training":
            trainingFields + registry.optimizers.flatMap(\.parameters) + registry.losses.flatMap(\.parameters)
        default: fields(of: section)
        }
    }

    /// Whether a dotted path names a field (`model.hiddenSize`, `seed`, `task.frequency`).
    public func field(at path: String) -> ParameterSpec? {
        guard let path = ConfigPath(path) else { return nil }
        guard let section = path.section else { return seedField }
        return allFields(of: section.rawValue).first { $0.name == path.key }
    }

    /// Every dotted path that names a field.
    public var allPaths: [String] {
        [ConfigSection.seedKey]
            + ConfigSection.allCases.sorted().flatMap { section in
                allFields(of: section.rawValue).map { "\(section.rawValue).\($0.name)" }
            }
    }
}
