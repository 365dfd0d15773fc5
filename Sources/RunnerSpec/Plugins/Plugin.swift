import LSTMCore
import RunnerModel

/// Something every plugin has: a name, a summary and its parameters.
public protocol Plugin: Sendable {
    /// The name specs and flags use (`sequence`, `adam`).
    var name: String { get }
    /// One line for `runner plugins`.
    var summary: String { get }
    /// The parameters it reads from its config section.
    var parameters: [ParameterSpec] { get }
}

/// A task: makes the inputs and targets of a trial from its parameters and the trial's generator.
///
/// Parameters go in the spec's `task` section beside `plugin`.
public protocol TaskPlugin: Plugin {
    /// `X` for these parameters.
    func inputSize(_ parameters: PluginParameters) -> Int

    /// The data, drawn from `generator` (after the trial has drawn its initial weights from it).
    func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar) -> TrainingSet

    /// `N` and `T` of the training set these parameters make, without making it: what the memory
    /// check before training uses. `nil` (the default) when unknown; then only the model is counted.
    func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)?

    // MARK: Minibatches and held-out data (each has a default: a full-batch task needs none)

    /// What the readout is scored against: `K` values a step (the default, `K = 1`) or `K` classes.
    func output(_ parameters: PluginParameters) -> TaskOutput

    /// The task's data for minibatch training with held-out evaluation, or `nil` (the default)
    /// for a task that only has a full-batch training set. Called once per trial; a task that
    /// reads a file reads it here. `holdOut` says how much to hold out where the task splits its
    /// data itself (``TaskData/split(training:validation:test:)``).
    func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData?

    /// The parameters as the canonical config records them, called once when a config is
    /// resolved: a task that reads a file adds the file's SHA-256 (so a changed file is a new run)
    /// and checks it when the digest is already there. The default returns them unchanged.
    func canonicalize(_ parameters: PluginParameters) throws(TaskDataError) -> PluginParameters

    /// How the task can be trained: full batch on ``makeTrainingSet(_:using:)`` (the default),
    /// on minibatches of ``makeData(_:holdOut:)``, or both.
    var forms: TaskForms { get }
}

/// How a task can be trained.
public struct TaskForms: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Full batch on a fixed training set (``TaskPlugin/makeTrainingSet(_:using:)``), no held-out data.
    public static let fullBatch = TaskForms(rawValue: 1)
    /// Minibatches and held-out data (``TaskPlugin/makeData(_:holdOut:)``).
    public static let minibatch = TaskForms(rawValue: 2)
}

extension TaskPlugin {
    /// A task made only for minibatches has no full-batch training set (``forms`` lacks
    /// `fullBatch`, so this is never called).
    public func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar)
        -> TrainingSet
    {
        preconditionFailure("task \(name) has no full-batch training set")
    }
}

extension TaskPlugin {
    /// Unknown: the memory check counts the model alone.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        nil
    }
}

/// A loss. Parameters go in the spec's `training` section.
public protocol LossPlugin: Plugin {
    /// The loss of full-batch training for these parameters.
    func makeLoss(_ parameters: PluginParameters) -> any SequenceLoss

    /// The loss of minibatch training (``LSTMBatchNetwork``), or `nil` (the default) when the
    /// loss has only the full-batch form.
    func batchLoss(_ parameters: PluginParameters) -> BatchLoss?

    /// Whether ``makeLoss(_:)`` exists (the default, `true`).
    var hasFullBatchForm: Bool { get }

    /// Why the loss cannot score a task with these outputs, or `nil` when it can. The default
    /// takes one real value a step.
    func mismatch(with output: TaskOutput) -> String?
}

extension LossPlugin {
    /// No minibatch form.
    public func batchLoss(_ parameters: PluginParameters) -> BatchLoss? { nil }

    /// A full-batch form exists.
    public var hasFullBatchForm: Bool { true }

    /// One real value a step.
    public func mismatch(with output: TaskOutput) -> String? {
        output == .values(1) ? nil : "scores one real value a step, but the task has \(output)"
    }

    /// A loss made only for minibatches has no full-batch form (``hasFullBatchForm`` is `false`,
    /// so this is never called).
    public func makeLoss(_ parameters: PluginParameters) -> any SequenceLoss {
        preconditionFailure("loss \(name) has no full-batch form")
    }
}

/// An optimizer. Parameters go in the spec's `training` section beside `learningRate`.
public protocol OptimizerPlugin: Plugin {
    /// A fresh optimizer (no state) for these parameters.
    func makeOptimizer(learningRate: Double, _ parameters: PluginParameters) -> any Optimizer

    /// How many arrays the size of the parameters its state holds (for the memory check).
    var stateArrays: Int { get }
}

extension OptimizerPlugin {
    /// Two, as Adam's moments (an upper bound for optimizers that do not say).
    public var stateArrays: Int { 2 }
}

/// Every plugin the runner knows, by kind.
///
/// Adding a plugin is one file (a type conforming to ``TaskPlugin``, ``LossPlugin`` or
/// ``OptimizerPlugin``) plus one line in ``standard``.
public struct PluginRegistry: Sendable {
    /// Tasks, in the order `runner plugins` lists them.
    public var tasks: [any TaskPlugin]
    /// Losses.
    public var losses: [any LossPlugin]
    /// Optimizers.
    public var optimizers: [any OptimizerPlugin]

    /// Creates a registry.
    public init(tasks: [any TaskPlugin], losses: [any LossPlugin], optimizers: [any OptimizerPlugin]) {
        self.tasks = tasks
        self.losses = losses
        self.optimizers = optimizers
    }

    /// The built-in plugins.
    public static let standard = PluginRegistry(
        tasks: [
            SequenceTask(), SineTask(), AddingTask(), CopyTask(), CopyMemoryTask(), TemporalOrderTask(),
            EmbeddedReberTask(), DatasetTask(), TextTask(),
        ],
        losses: [H0SquaredLossPlugin(), MSEReadoutLossPlugin(), MSELossPlugin(), CrossEntropyLossPlugin()],
        optimizers: [SGDPlugin(), MomentumPlugin(), AdamPlugin(), RMSPropPlugin()]
    )

    /// The task with this name.
    public func task(named name: String) -> (any TaskPlugin)? {
        tasks.first { $0.name == name }
    }

    /// The loss with this name.
    public func loss(named name: String) -> (any LossPlugin)? {
        losses.first { $0.name == name }
    }

    /// The optimizer with this name.
    public func optimizer(named name: String) -> (any OptimizerPlugin)? {
        optimizers.first { $0.name == name }
    }
}
