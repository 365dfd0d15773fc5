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
}
