import LSTMCore
import RunnerModel

/// The adding problem (Hochreiter and Schmidhuber, 1997): each step carries a value uniform in
/// [0, 1) and a marker; two steps are marked, one in each half of the sequence, and the target at
/// the last step is the sum of the two marked values. Only the last step is scored.
public struct AddingTask: TaskPlugin {
    /// Creates the plugin.
    public init() {}

    /// `adding`.
    public var name: String { "adding" }

    /// One line for `runner plugins`.
    public var summary: String { "the adding problem: sum the two marked values of a long sequence" }

    /// `sequenceLength`, `samples`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "sequenceLength", .integer(2...100_000), .defaulted(.integer(20)), help: "steps T per sequence"),
            ParameterSpec("samples", .integer(1...100_000), .defaulted(.integer(32)), help: "sequences N"),
        ]
    }

    /// Two inputs: the value and the marker.
    public func inputSize(_ parameters: PluginParameters) -> Int { 2 }

    /// `samples` sequences of `sequenceLength` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.integer("samples"), parameters.integer("sequenceLength"))
    }

    /// For each sequence: `T` values, then the first marked step uniform in the first half and
    /// the second uniform in the second half.
    public func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar)
        -> TrainingSet
    {
        let steps = parameters.integer("sequenceLength")
        let samples = parameters.integer("samples")
        let half = steps / 2
        var inputs: [Double] = []
        var targets: [Double] = []
        var mask: [Bool] = []
        for _ in 0..<samples {
            let values = (0..<steps).map { _ in generator.nextUnitDouble() }
            let first = generator.nextInt(below: half)
            let second = half + generator.nextInt(below: steps - half)
            for t in 0..<steps {
                inputs.append(values[t])
                inputs.append(t == first || t == second ? 1 : 0)
            }
            targets += Array(repeating: 0, count: steps - 1) + [values[first] + values[second]]
            mask += Array(repeating: false, count: steps - 1) + [true]
        }
        return TrainingSet(inputSize: 2, sequenceLength: steps, inputs: inputs, targets: targets, mask: mask)
    }
}
