import LSTMCore
import RunnerModel

/// The reference problem: one sequence of random inputs uniform in [0, 1) and a given target
/// sequence.
public struct SequenceTask: TaskPlugin {
    /// Creates the plugin.
    public init() {}

    /// `sequence`.
    public var name: String { "sequence" }

    /// One line for `runner plugins`.
    public var summary: String { "learn a given target sequence from random inputs (the reference problem)" }

    /// `inputSize`, `targets`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "inputSize",
                .integer(1...100_000),
                .defaulted(.integer(50)),
                help: "length X of each random input vector"
            ),
            ParameterSpec(
                "targets",
                .numbers(.any),
                .defaulted(.numbers(ReferenceProblem.targets)),
                help: "the target y(t) of each step; its length is the sequence length T"
            ),
        ]
    }

    /// `inputSize`.
    public func inputSize(_ parameters: PluginParameters) -> Int {
        parameters.integer("inputSize")
    }

    /// One sequence of `T = len(targets)` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (1, parameters.numbers("targets").count)
    }

    /// `T` inputs uniform in [0, 1), step by step, as ``ReferenceProblem`` draws them.
    public func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar)
        -> TrainingSet
    {
        let targets = parameters.numbers("targets")
        let inputSize = parameters.integer("inputSize")
        let inputs = (0..<(targets.count * inputSize)).map { _ in generator.nextUnitDouble() }
        return TrainingSet(inputSize: inputSize, sequenceLength: targets.count, inputs: inputs, targets: targets)
    }
}
