import LSTMCore
import RunnerModel

/// The copy problem: a pattern of `L` values uniform in [-0.5, 0.5) is shown, then `D` blank
/// steps, then `L` steps with a recall cue during which the network must output the pattern in
/// order. Only the recall steps are scored; `T = 2L + D`.
public struct CopyTask: TaskPlugin {
    /// Creates the plugin.
    public init() {}

    /// `copy`.
    public var name: String { "copy" }

    /// One line for `runner plugins`.
    public var summary: String { "recall a pattern of values after a delay" }

    /// `patternLength`, `delay`, `samples`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("patternLength", .integer(1...10_000), .defaulted(.integer(3)), help: "values L to remember"),
            ParameterSpec(
                "delay", .integer(0...100_000), .defaulted(.integer(5)),
                help: "blank steps D between pattern and recall"),
            ParameterSpec("samples", .integer(1...100_000), .defaulted(.integer(16)), help: "sequences N"),
        ]
    }

    /// Two inputs: the value and the recall cue.
    public func inputSize(_ parameters: PluginParameters) -> Int { 2 }

    /// `samples` sequences of `2L + D` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.integer("samples"), 2 * parameters.integer("patternLength") + parameters.integer("delay"))
    }

    /// For each sequence, the `L` pattern values in order.
    public func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar)
        -> TrainingSet
    {
        let length = parameters.integer("patternLength")
        let delay = parameters.integer("delay")
        let samples = parameters.integer("samples")
        let steps = 2 * length + delay
        var inputs: [Double] = []
        var targets: [Double] = []
        var mask: [Bool] = []
        for _ in 0..<samples {
            let pattern = (0..<length).map { _ in generator.nextDouble(in: -0.5, 0.5) }
            for t in 0..<steps {
                let recall = t >= length + delay
                inputs.append(t < length ? pattern[t] : 0)
                inputs.append(recall ? 1 : 0)
                targets.append(recall ? pattern[t - length - delay] : 0)
                mask.append(recall)
            }
        }
        return TrainingSet(inputSize: 2, sequenceLength: steps, inputs: inputs, targets: targets, mask: mask)
    }
}
