import LSTMCore
import RunnerModel
import RunnerSpec

/// An optimizer of our own: sign descent, `θ ← θ − η · sign(g)` (no state).
struct SignSGD: Optimizer {
    var learningRate: Double
    var name: String { "sign-sgd" }

    mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>) {
        for k in 0..<parameters.count where gradient[k] != 0 {
            parameters[k] = parameters[k] - (gradient[k] > 0 ? learningRate : -learningRate)
        }
    }
}

/// The plugin that makes ``SignSGD`` available to specs as `"optimizer": "sign-sgd"`.
struct SignSGDPlugin: OptimizerPlugin {
    var name: String { "sign-sgd" }
    var summary: String { "sign descent: theta -= eta * sign(g) (an example plugin)" }
    var parameters: [ParameterSpec] { [] }

    func makeOptimizer(learningRate: Double, _ parameters: PluginParameters) -> any Optimizer {
        SignSGD(learningRate: learningRate)
    }
}
