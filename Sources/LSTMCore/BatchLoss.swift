/// The losses of ``LSTMBatchNetwork``, over a linear readout `y(t) = Wy h(t) + by` with `K`
/// outputs (`Wy` `[K, H]`, `by` `[K]`) or, for `h0-squared`, over `h_0(t)` itself.
///
/// `n` is the number of scored (sequence, step) pairs of the batch (its mask's `true` entries).
/// When `n` is zero every loss is zero and so is its gradient.
public enum BatchLoss: String, CaseIterable, Sendable, Codable {
    /// `L = sum (h_0(t) - y(t))^2` over the scored pairs: no readout, `K = 1`; the loss of
    /// ``H0SquaredLoss`` (a sum, not a mean).
    case h0Squared = "h0-squared"
    /// `L = (1/n) sum (y(t) - target(t))^2` with `K = 1`: the loss of ``MSEReadoutLoss``, whose
    /// readout `[w, b]` is `Wy` `[1, H]` then `by` `[1]`.
    case mseReadout = "mse-readout"
    /// `L = (1/(n K)) sum sum_j (y_j(t) - target_j(t))^2`: the mean over the scored pairs and
    /// over the outputs.
    case mse
    /// `L = (1/n) sum -log softmax(y(t))[label(t)]`, the softmax over `K` classes computed as
    /// `log S - (y_label - m)` with `m = max_j y_j` and `S = sum_j exp(y_j - m)`.
    case crossEntropy = "cross-entropy"

    /// The number of readout parameters for `H` memory cells and `K` outputs: `K H + K`, or 0
    /// for `h0-squared`.
    public func readoutSize(hiddenSize: Int, outputSize: Int) -> Int {
        self == .h0Squared ? 0 : outputSize * (hiddenSize + 1)
    }

    /// Whether the loss scores class labels (and so has an accuracy).
    public var isClassification: Bool { self == .crossEntropy }

    /// Whether the loss reads `h_0` instead of a readout.
    var readsFirstCell: Bool { self == .h0Squared }

    // MARK: - One scored pair

    /// The loss term of one scored pair, with `dl/dy` written to `dOutput`.
    ///
    /// - Parameters:
    ///   - output: `y`, `[K]`.
    ///   - target: the pair's targets, `[K]` (ignored by `cross-entropy`).
    ///   - label: the pair's class (`cross-entropy` only).
    ///   - outputs: `K`.
    ///   - divisor: ``divisor(scored:outputs:)``.
    ///   - dOutput: `[K]`, overwritten.
    /// - Returns: the term added to the loss.
    @inline(__always)
    func term(
        output: UnsafePointer<Double>,
        target: UnsafePointer<Double>,
        label: Int,
        outputs: Int,
        divisor: Double,
        dOutput: UnsafeMutablePointer<Double>
    ) -> Double {
        switch self {
        case .h0Squared:
            let error = output[0] - target[0]
            dOutput[0] = 2.0 * error
            return error * error
        case .mseReadout, .mse:
            var sum = 0.0
            for j in 0..<outputs {
                let error = output[j] - target[j]
                sum = sum + error * error / divisor
                dOutput[j] = 2.0 * error / divisor
            }
            return sum
        case .crossEntropy:
            var largest = output[0]
            for j in 1..<max(1, outputs) where output[j] > largest {
                largest = output[j]
            }
            for j in 0..<outputs {
                dOutput[j] = output[j] - largest
            }
            // The array form: the scalar function's bits, eight lanes at a time.
            DeterministicMath.exp(UnsafeMutableBufferPointer(start: dOutput, count: outputs))
            var total = 0.0
            for j in 0..<outputs {
                total = total + dOutput[j]
            }
            for j in 0..<outputs {
                let probability = dOutput[j] / total
                dOutput[j] = (j == label ? probability - 1.0 : probability) / divisor
            }
            return (DeterministicMath.log(total) - (output[label] - largest)) / divisor
        }
    }

    /// The divisor of each term for `n` scored pairs and `K` outputs.
    func divisor(scored: Int, outputs: Int) -> Double {
        switch self {
        case .h0Squared: 1
        case .mseReadout, .crossEntropy: Double(scored)
        case .mse: Double(scored * outputs)
        }
    }

    /// The first index of the largest of `outputs` values (ties go to the lowest index).
    @inline(__always)
    static func argmax(_ output: UnsafePointer<Double>, count: Int) -> Int {
        var best = 0
        for j in 1..<max(1, count) where output[j] > output[best] {
            best = j
        }
        return best
    }
}
