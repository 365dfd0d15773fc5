import LSTMCore
import RunnerModel

/// Predict the next sample of a sine wave: `x(t) = A sin(2π t / P + φ)`, `y(t) = x(t + 1)`, one
/// random phase `φ` per sequence.
public struct SineTask: TaskPlugin {
    /// Creates the plugin.
    public init() {}

    /// `sine`.
    public var name: String { "sine" }

    /// One line for `runner plugins`.
    public var summary: String { "predict the next sample of a sine wave with a random phase" }

    /// `sequenceLength`, `samples`, `period`, `amplitude`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "sequenceLength", .integer(1...100_000), .defaulted(.integer(24)), help: "steps T per sequence"),
            ParameterSpec(
                "samples", .integer(1...100_000), .defaulted(.integer(8)), help: "sequences N, each with its own phase"),
            ParameterSpec("period", .number(.positive), .defaulted(.number(12)), help: "steps P per cycle of the wave"),
            ParameterSpec("amplitude", .number(.positive), .defaulted(.number(0.5)), help: "amplitude A of the wave"),
        ]
    }

    /// One input, the current sample.
    public func inputSize(_ parameters: PluginParameters) -> Int { 1 }

    /// `samples` sequences of `sequenceLength` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.integer("samples"), parameters.integer("sequenceLength"))
    }

    /// `N` sequences; the phase of each drawn uniform in [0, 2π).
    public func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar)
        -> TrainingSet
    {
        let steps = parameters.integer("sequenceLength")
        let samples = parameters.integer("samples")
        let period = parameters.number("period")
        let amplitude = parameters.number("amplitude")
        var inputs: [Double] = []
        var targets: [Double] = []
        for _ in 0..<samples {
            let phase = generator.nextDouble(in: 0, 2 * Double.pi)
            let wave = (0...steps).map { t in
                amplitude * DeterministicMath.sin(2 * Double.pi * Double(t) / period + phase)
            }
            inputs += wave[0..<steps]
            targets += wave[1...steps]
        }
        return TrainingSet(inputSize: 1, sequenceLength: steps, inputs: inputs, targets: targets)
    }
}
