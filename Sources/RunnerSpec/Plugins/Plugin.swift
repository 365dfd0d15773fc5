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
}

extension TaskPlugin {
    /// Unknown: the memory check counts the model alone.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        nil
    }
}

/// A loss. Parameters go in the spec's `training` section.
public protocol LossPlugin: Plugin {
    /// The loss for these parameters.
    func makeLoss(_ parameters: PluginParameters) -> any SequenceLoss
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
        tasks: [SequenceTask(), SineTask(), AddingTask(), CopyTask()],
        losses: [H0SquaredLossPlugin(), MSEReadoutLossPlugin()],
        optimizers: [SGDPlugin(), MomentumPlugin(), AdamPlugin()]
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
