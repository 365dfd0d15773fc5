import LSTMCore
import RunnerModel

/// `sgd`: `θ ← θ − η g`.
public struct SGDPlugin: OptimizerPlugin {
    /// Creates the plugin.
    public init() {}
    /// `sgd`.
    public var name: String { "sgd" }
    /// One line for `runner plugins`.
    public var summary: String { "plain gradient descent (the reference)" }
    /// None besides `learningRate`.
    public var parameters: [ParameterSpec] { [] }
    /// None.
    public var stateArrays: Int { 0 }
    /// ``SGD``.
    public func makeOptimizer(learningRate: Double, _ parameters: PluginParameters) -> any Optimizer {
        SGD(learningRate: learningRate)
    }
}

/// `momentum`: heavy-ball momentum, `v ← μ v + g`, `θ ← θ − η v`.
public struct MomentumPlugin: OptimizerPlugin {
    /// Creates the plugin.
    public init() {}
    /// `momentum`.
    public var name: String { "momentum" }
    /// One line for `runner plugins`.
    public var summary: String { "gradient descent with heavy-ball momentum" }
    /// `momentum`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "momentum", .number(.range(0, 1)), .defaulted(.number(0.9)), help: "the momentum coefficient mu")
        ]
    }
    /// The velocity.
    public var stateArrays: Int { 1 }
    /// ``Momentum``.
    public func makeOptimizer(learningRate: Double, _ parameters: PluginParameters) -> any Optimizer {
        Momentum(learningRate: learningRate, momentum: parameters.number("momentum"))
    }
}

/// `adam`: Adam with bias correction.
public struct AdamPlugin: OptimizerPlugin {
    /// Creates the plugin.
    public init() {}
    /// `adam`.
    public var name: String { "adam" }
    /// One line for `runner plugins`.
    public var summary: String { "Adam (Kingma and Ba, 2015)" }
    /// `beta1`, `beta2`, `epsilon`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("beta1", .number(.range(0, 1)), .defaulted(.number(0.9)), help: "decay of the first moment"),
            ParameterSpec(
                "beta2", .number(.range(0, 1)), .defaulted(.number(0.999)), help: "decay of the second moment"),
            ParameterSpec("epsilon", .number(.positive), .defaulted(.number(1e-8)), help: "added to the denominator"),
        ]
    }
    /// ``Adam``.
    public func makeOptimizer(learningRate: Double, _ parameters: PluginParameters) -> any Optimizer {
        Adam(
            learningRate: learningRate,
            beta1: parameters.number("beta1"),
            beta2: parameters.number("beta2"),
            epsilon: parameters.number("epsilon")
        )
    }
}

/// `rmsprop`: `v ← decay·v + (1 − decay)·g²`, `θ ← θ − η·g/(√v + ε)` (Tieleman and Hinton, 2012).
public struct RMSPropPlugin: OptimizerPlugin {
    /// Creates the plugin.
    public init() {}
    /// `rmsprop`.
    public var name: String { "rmsprop" }
    /// One line for `runner plugins`.
    public var summary: String { "RMSProp: divide by a running root mean square of the gradient" }
    /// `decay`, `epsilon`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "decay", .number(.range(0, 1)), .defaulted(.number(0.9)), help: "decay of the mean square"),
            ParameterSpec("epsilon", .number(.positive), .defaulted(.number(1e-8)), help: "added to the denominator"),
        ]
    }
    /// The mean square.
    public var stateArrays: Int { 1 }
    /// ``RMSProp``.
    public func makeOptimizer(learningRate: Double, _ parameters: PluginParameters) -> any Optimizer {
        RMSProp(learningRate: learningRate, decay: parameters.number("decay"), epsilon: parameters.number("epsilon"))
    }
}
