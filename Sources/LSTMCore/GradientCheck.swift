/// Compares the backpropagated gradient with central finite differences.
///
/// For each checked parameter `θ_k`, the fourth-order central difference
/// `numeric = (-L(θ + 2ε e_k) + 8 L(θ + ε e_k) - 8 L(θ - ε e_k) + L(θ - 2ε e_k)) / 12ε`
/// (truncation error O(ε⁴), so a step of 1e-4 keeps both truncation and rounding far below the
/// tolerance) and `relative error = |numeric - analytic| / max(|numeric|, |analytic|, floor)`.
public struct GradientCheck: Sendable {
    /// The result for one parameter group.
    public struct GroupResult: Sendable, Equatable {
        /// `weights`, `bias` or `readout`.
        public var group: String
        /// How many parameters were checked.
        public var checked: Int
        /// The largest relative error among them.
        public var maxRelativeError: Double
        /// The index in ``LSTMParameters/values`` where it occurred.
        public var worstIndex: Int
    }

    /// `ε`.
    public var step: Double
    /// The denominator's floor.
    public var floor: Double

    /// Creates a check; the defaults are the ones the tests use.
    public init(step: Double = 1e-4, floor: Double = 1e-6) {
        self.step = step
        self.floor = floor
    }

    /// Checks every parameter of `network` (or, when `limit` is set, at most `limit` per group,
    /// evenly spaced) and returns one result per non-empty group.
    ///
    /// The network's parameters are not changed.
    public func run(on network: LSTMNetwork, limit: Int? = nil) -> [GroupResult] {
        run(
            parameters: network.parameters,
            analytic: network.lossAndGradient().gradient.values,
            limit: limit,
            loss: network.loss(at:)
        )
    }

    /// Checks the gradient of `network`'s loss on `batch`, as ``run(on:limit:)`` does.
    ///
    /// The network's parameters are not changed.
    public func run(on network: LSTMBatchNetwork, batch: SequenceBatch, limit: Int? = nil) -> [GroupResult] {
        run(
            parameters: network.parameters,
            analytic: network.lossAndGradient(batch).gradient.values,
            limit: limit,
            loss: { network.loss(at: $0, on: batch) }
        )
    }

    private func run(
        parameters: LSTMParameters,
        analytic: [Double],
        limit: Int?,
        loss networkLoss: (LSTMParameters) -> Double
    ) -> [GroupResult] {
        var probe = parameters
        let groups = [
            ("weights", parameters.weightRange), ("bias", parameters.biasRange), ("readout", parameters.readoutRange),
        ]
        var results: [GroupResult] = []
        for (name, range) in groups where !range.isEmpty {
            let stride = limit.map { max(1, range.count / max(1, $0)) } ?? 1
            var result = GroupResult(group: name, checked: 0, maxRelativeError: 0, worstIndex: range.lowerBound)
            for index in Swift.stride(from: range.lowerBound, to: range.upperBound, by: stride) {
                let original = probe.values[index]
                func loss(at offset: Double) -> Double {
                    probe.values[index] = original + offset
                    return networkLoss(probe)
                }
                let numeric =
                    (-loss(at: 2 * step) + 8 * loss(at: step) - 8 * loss(at: -step) + loss(at: -2 * step)) / (12 * step)
                probe.values[index] = original
                let error = abs(numeric - analytic[index]) / max(abs(numeric), abs(analytic[index]), floor)
                result.checked += 1
                if error > result.maxRelativeError || error.isNaN {
                    result.maxRelativeError = error
                    result.worstIndex = index
                }
            }
            results.append(result)
        }
        return results
    }
}
