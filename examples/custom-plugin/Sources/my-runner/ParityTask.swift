import LSTMCore
import RunnerModel
import RunnerSpec

/// A task of our own: the running parity of a random bit string, `y(t) = x(0) xor ... xor x(t)`,
/// as `+0.5` (odd) or `-0.5` (even), scored at every step.
struct ParityTask: TaskPlugin {
    var name: String { "parity" }
    var summary: String { "the running parity of a random bit string (an example plugin)" }
    var parameters: [ParameterSpec] {
        [
            ParameterSpec("bits", .integer(1...10_000), .defaulted(.integer(6)), help: "steps T per sequence"),
            ParameterSpec("samples", .integer(1...10_000), .defaulted(.integer(8)), help: "sequences N"),
        ]
    }

    func inputSize(_ parameters: PluginParameters) -> Int { 1 }

    func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.integer("samples"), parameters.integer("bits"))
    }

    /// Bits uniform in {0, 1}, sequence by sequence, step by step, from the trial's generator.
    func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar) -> TrainingSet {
        let bits = parameters.integer("bits")
        let samples = parameters.integer("samples")
        var inputs: [Double] = []
        var targets: [Double] = []
        for _ in 0..<samples {
            var odd = false
            for _ in 0..<bits {
                let bit = generator.nextUnitDouble() < 0.5 ? 0.0 : 1.0
                odd = odd != (bit == 1)
                inputs.append(bit)
                targets.append(odd ? 0.5 : -0.5)
            }
        }
        return TrainingSet(inputSize: 1, sequenceLength: bits, inputs: inputs, targets: targets)
    }
}
