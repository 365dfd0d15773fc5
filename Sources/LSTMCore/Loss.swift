/// A loss over a sequence of hidden states: a scalar prediction read off each `h(t)`, scored
/// against the step's target.
///
/// The trainer sums ``stepLoss(prediction:target:countedSteps:)`` over the counted steps in
/// forward order and, going back in time, hands each step's `dl/dprediction` to
/// ``backpropagate(dPrediction:hidden:readout:dHidden:dReadout:)``. A loss may own trainable
/// readout parameters (``readoutSize(hiddenSize:)``), trained with the LSTM.
public protocol SequenceLoss: Sendable {
    /// The name a spec or a flag uses (`h0-squared`).
    var name: String { get }

    /// How many readout parameters the loss trains for `H` memory cells.
    func readoutSize(hiddenSize: Int) -> Int

    /// The prediction read off `hidden` (`[H]`).
    func prediction(hidden: UnsafeBufferPointer<Double>, readout: UnsafeBufferPointer<Double>) -> Double

    /// The loss of one counted step and its derivative by the prediction.
    ///
    /// - Parameters:
    ///   - prediction: what the network predicted.
    ///   - target: the step's target.
    ///   - countedSteps: how many steps count in the whole training set (for means).
    /// - Returns: `l(t)` and `dl(t)/dprediction`.
    func stepLoss(prediction: Double, target: Double, countedSteps: Int) -> (value: Double, dPrediction: Double)

    /// Adds `dPrediction * d(prediction)/dh` to `dHidden` (`[H]`) and the readout's gradient to
    /// `dReadout`.
    func backpropagate(
        dPrediction: Double,
        hidden: UnsafeBufferPointer<Double>,
        readout: UnsafeBufferPointer<Double>,
        dHidden: UnsafeMutableBufferPointer<Double>,
        dReadout: UnsafeMutableBufferPointer<Double>
    )
}

/// The reference problem's loss: `L = sum_t (h_0(t) - y(t))^2`, the first memory cell's output
/// read as the prediction.
public struct H0SquaredLoss: SequenceLoss {
    /// Creates the loss.
    public init() {}

    /// `h0-squared`.
    public var name: String { "h0-squared" }

    /// No readout: zero.
    public func readoutSize(hiddenSize: Int) -> Int { 0 }

    /// `h_0(t)`.
    public func prediction(hidden: UnsafeBufferPointer<Double>, readout: UnsafeBufferPointer<Double>) -> Double {
        hidden[0]
    }

    /// `(p - y)^2` and `2 (p - y)`.
    public func stepLoss(prediction: Double, target: Double, countedSteps: Int) -> (value: Double, dPrediction: Double)
    {
        let error = prediction - target
        return (error * error, 2.0 * error)
    }

    /// `dh_0 += dp`.
    public func backpropagate(
        dPrediction: Double,
        hidden: UnsafeBufferPointer<Double>,
        readout: UnsafeBufferPointer<Double>,
        dHidden: UnsafeMutableBufferPointer<Double>,
        dReadout: UnsafeMutableBufferPointer<Double>
    ) {
        dHidden[0] += dPrediction
    }
}

/// Mean squared error of a linear readout `p(t) = w·h(t) + b` trained with the LSTM:
/// `L = (1/n) sum_t (p(t) - y(t))^2` over the `n` counted steps.
///
/// The readout is `[H + 1]`: `w` (`[H]`) then `b`.
public struct MSEReadoutLoss: SequenceLoss {
    /// Creates the loss.
    public init() {}

    /// `mse-readout`.
    public var name: String { "mse-readout" }

    /// `H + 1`.
    public func readoutSize(hiddenSize: Int) -> Int { hiddenSize + 1 }

    /// `w·h + b`, summed in index order then the bias added.
    public func prediction(hidden: UnsafeBufferPointer<Double>, readout: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0
        for j in 0..<hidden.count {
            sum += readout[j] * hidden[j]
        }
        return sum + readout[hidden.count]
    }

    /// `(p - y)^2 / n` and `2 (p - y) / n`.
    public func stepLoss(prediction: Double, target: Double, countedSteps: Int) -> (value: Double, dPrediction: Double)
    {
        let error = prediction - target
        let n = Double(countedSteps)
        return (error * error / n, 2.0 * error / n)
    }

    /// `dh += dp w`, `dw += dp h`, `db += dp`.
    public func backpropagate(
        dPrediction: Double,
        hidden: UnsafeBufferPointer<Double>,
        readout: UnsafeBufferPointer<Double>,
        dHidden: UnsafeMutableBufferPointer<Double>,
        dReadout: UnsafeMutableBufferPointer<Double>
    ) {
        let size = hidden.count
        for j in 0..<size {
            dHidden[j] += dPrediction * readout[j]
            dReadout[j] += dPrediction * hidden[j]
        }
        dReadout[size] += dPrediction
    }
}
