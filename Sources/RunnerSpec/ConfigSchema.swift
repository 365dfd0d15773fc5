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

    /// The section names, in the order of the canonical form.
    public static let sections = ["model", "seed", "stop", "task", "training"]

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
        if path == "seed" { return seedField }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return allFields(of: parts[0]).first { $0.name == parts[1] }
    }

    /// Every dotted path that names a field.
    public var allPaths: [String] {
        ["seed"]
            + ["model", "stop", "task", "training"].flatMap { section in
                allFields(of: section).map { "\(section).\($0.name)" }
            }
    }
}
