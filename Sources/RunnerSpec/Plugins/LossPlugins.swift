import LSTMCore
import RunnerModel

/// `h0-squared`: `sum_t (h_0(t) - y(t))^2`, the reference problem's loss.
public struct H0SquaredLossPlugin: LossPlugin {
    /// Creates the plugin.
    public init() {}
    /// `h0-squared`.
    public var name: String { "h0-squared" }
    /// One line for `runner plugins`.
    public var summary: String { "sum over steps of (h_0(t) - y(t))^2; the first cell is the prediction" }
    /// None.
    public var parameters: [ParameterSpec] { [] }
    /// ``H0SquaredLoss``.
    public func makeLoss(_ parameters: PluginParameters) -> any SequenceLoss { H0SquaredLoss() }
    /// ``BatchLoss/h0Squared``.
    public func batchLoss(_ parameters: PluginParameters) -> BatchLoss? { .h0Squared }
}

/// `mse-readout`: mean squared error of a linear readout `w·h + b` trained with the LSTM.
public struct MSEReadoutLossPlugin: LossPlugin {
    /// Creates the plugin.
    public init() {}
    /// `mse-readout`.
    public var name: String { "mse-readout" }
    /// One line for `runner plugins`.
    public var summary: String { "mean over scored steps of (w.h(t) + b - y(t))^2, readout trained too" }
    /// None.
    public var parameters: [ParameterSpec] { [] }
    /// ``MSEReadoutLoss``.
    public func makeLoss(_ parameters: PluginParameters) -> any SequenceLoss { MSEReadoutLoss() }
    /// ``BatchLoss/mseReadout``.
    public func batchLoss(_ parameters: PluginParameters) -> BatchLoss? { .mseReadout }
}

/// `mse`: the mean over scored steps and outputs of `(y - target)^2`, `y = Wy h + by` with `K`
/// outputs (minibatch training).
public struct MSELossPlugin: LossPlugin {
    /// Creates the plugin.
    public init() {}
    /// `mse`.
    public var name: String { "mse" }
    /// One line for `runner plugins`.
    public var summary: String { "mean over scored steps and K outputs of (Wy.h(t) + by - y(t))^2 (minibatches)" }
    /// None.
    public var parameters: [ParameterSpec] { [] }
    /// ``BatchLoss/mse``.
    public func batchLoss(_ parameters: PluginParameters) -> BatchLoss? { .mse }
    /// Minibatches only.
    public var hasFullBatchForm: Bool { false }
    /// Any number of real values a step.
    public func mismatch(with output: TaskOutput) -> String? {
        output.isClassification ? "scores real values, but the task has \(output); use cross-entropy" : nil
    }
}

/// `cross-entropy`: the mean over scored (sequence, step) pairs of `-log softmax(y)[label]`
/// (minibatch training).
public struct CrossEntropyLossPlugin: LossPlugin {
    /// Creates the plugin.
    public init() {}
    /// `cross-entropy`.
    public var name: String { "cross-entropy" }
    /// One line for `runner plugins`.
    public var summary: String { "mean over scored steps of -log softmax(Wy.h(t) + by)[label] (minibatches)" }
    /// None.
    public var parameters: [ParameterSpec] { [] }
    /// ``BatchLoss/crossEntropy``.
    public func batchLoss(_ parameters: PluginParameters) -> BatchLoss? { .crossEntropy }
    /// Minibatches only.
    public var hasFullBatchForm: Bool { false }
    /// Class labels.
    public func mismatch(with output: TaskOutput) -> String? {
        output.isClassification ? nil : "scores class labels, but the task has \(output); use mse"
    }
}
