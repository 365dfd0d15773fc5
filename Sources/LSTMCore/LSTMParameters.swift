/// The trainable parameters of one LSTM layer and of its loss's readout, in one flat array.
///
/// `values` holds, in this order:
/// - `weights`: `[4H, X+H]`, row-major, rows in gate order g, i, f, o; column `c < X` multiplies
///   `x(t)[c]`, column `X + j` multiplies `h(t-1)[j]`;
/// - `bias`: `[4H]`, in the same gate order;
/// - `readout`: `[R]`, the parameters of the loss's readout (`[H + 1]`, weights then bias, for
///   `mse-readout`; none for `h0-squared`).
///
/// One flat array lets optimizers, gradient clipping and checkpoints walk every parameter in one
/// fixed order. Gradients have the same type and layout, as in TensorFlow's swift-apis.
public struct LSTMParameters: Equatable, Sendable {
    /// `X`, the length of each input vector.
    public let inputSize: Int
    /// `H`, the number of memory cells.
    public let hiddenSize: Int
    /// `R`, the number of readout parameters.
    public let readoutSize: Int
    /// `weights`, `bias` and `readout`, concatenated.
    public var values: [Double]

    /// `X + H`, the length of a weight row.
    public var rowLength: Int { inputSize + hiddenSize }

    /// Where `weights` (`[4H, X+H]`) lies in `values`.
    public var weightRange: Range<Int> { 0..<(4 * hiddenSize * rowLength) }

    /// Where `bias` (`[4H]`) lies in `values`.
    public var biasRange: Range<Int> { weightRange.upperBound..<(weightRange.upperBound + 4 * hiddenSize) }

    /// Where `readout` (`[R]`) lies in `values`.
    public var readoutRange: Range<Int> { biasRange.upperBound..<(biasRange.upperBound + readoutSize) }

    /// `[4H, X+H]`, row-major, gate order g, i, f, o.
    public var weights: ArraySlice<Double> {
        get { values[weightRange] }
        set { values.replaceSubrange(weightRange, with: newValue) }
    }

    /// `[4H]`.
    public var bias: ArraySlice<Double> {
        get { values[biasRange] }
        set { values.replaceSubrange(biasRange, with: newValue) }
    }

    /// `[R]`.
    public var readout: ArraySlice<Double> {
        get { values[readoutRange] }
        set { values.replaceSubrange(readoutRange, with: newValue) }
    }

    /// Creates parameters of the given shape, all zero.
    ///
    /// - Precondition: `inputSize >= 1`, `hiddenSize >= 1`, `readoutSize >= 0`.
    public init(inputSize: Int, hiddenSize: Int, readoutSize: Int = 0) {
        precondition(inputSize >= 1 && hiddenSize >= 1 && readoutSize >= 0, "sizes must be at least 1")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.readoutSize = readoutSize
        values = Array(repeating: 0, count: 4 * hiddenSize * (inputSize + hiddenSize + 1) + readoutSize)
    }

    /// Creates parameters from their three parts.
    ///
    /// - Precondition: `weights.count == 4H(X+H)` and `bias.count == 4H`.
    public init(
        inputSize: Int,
        hiddenSize: Int,
        weights: some Collection<Double>,
        bias: some Collection<Double>,
        readout: some Collection<Double> = [Double]()
    ) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, readoutSize: readout.count)
        precondition(weights.count == weightRange.count, "weights must be [4H, X+H]")
        precondition(bias.count == biasRange.count, "bias must be [4H]")
        values = Array(weights) + Array(bias) + Array(readout)
    }

    /// Zeros of the same shape as `self`.
    public func zerosLike() -> LSTMParameters {
        LSTMParameters(inputSize: inputSize, hiddenSize: hiddenSize, readoutSize: readoutSize)
    }

    /// Whether `other` has the same sizes.
    public func hasSameShape(as other: LSTMParameters) -> Bool {
        inputSize == other.inputSize && hiddenSize == other.hiddenSize && readoutSize == other.readoutSize
    }

    /// Parameters drawn uniform in [-`scale`/2, `scale`/2) as `(u - 0.5) * scale`.
    ///
    /// Draw order: `values` front to back, so every weight row by row (gate blocks g, i, f, o),
    /// then the bias, then the readout: the order of the NumPy reference. With the default
    /// `scale` of 0.1 the values lie in [-0.05, 0.05).
    @inlinable
    public static func random(
        inputSize: Int,
        hiddenSize: Int,
        readoutSize: Int = 0,
        scale: Double = 0.1,
        using generator: inout some RandomNumberGenerator
    ) -> LSTMParameters {
        var parameters = LSTMParameters(inputSize: inputSize, hiddenSize: hiddenSize, readoutSize: readoutSize)
        parameters.values.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                values[index] = (generator.nextUnitDouble() - 0.5) * scale
            }
        }
        return parameters
    }

    /// Parameters drawn uniform in [-`initScale`, `initScale`), with `forgetBias` added to the
    /// forget gate's bias.
    ///
    /// The draws are those of ``random(inputSize:hiddenSize:readoutSize:scale:using:)`` with
    /// `scale = 2 initScale` (an exact doubling), so the default `initScale` of 0.05 gives today's
    /// values bit for bit; then, when `forgetBias` is not zero, `bias_f[j] = bias_f[j] + forgetBias`
    /// for every cell `j`.
    @inlinable
    public static func random(
        inputSize: Int,
        hiddenSize: Int,
        readoutSize: Int = 0,
        initScale: Double,
        forgetBias: Double = 0,
        using generator: inout some RandomNumberGenerator
    ) -> LSTMParameters {
        var parameters = random(
            inputSize: inputSize,
            hiddenSize: hiddenSize,
            readoutSize: readoutSize,
            scale: 2 * initScale,
            using: &generator
        )
        if forgetBias != 0 {
            let start = parameters.biasRange.lowerBound + Gate.f.rawValue * hiddenSize
            for index in start..<(start + hiddenSize) {
                parameters.values[index] = parameters.values[index] + forgetBias
            }
        }
        return parameters
    }

    /// The rows of one gate, `[H][X+H]`.
    public func gateWeights(_ gate: Gate) -> [[Double]] {
        (0..<hiddenSize).map { row in
            let start = (gate.rawValue * hiddenSize + row) * rowLength
            return Array(values[start..<(start + rowLength)])
        }
    }

    /// One gate's bias, `[H]`.
    public func gateBias(_ gate: Gate) -> [Double] {
        let start = biasRange.lowerBound + gate.rawValue * hiddenSize
        return Array(values[start..<(start + hiddenSize)])
    }

    /// Builds fused parameters from per-gate arrays (`[H][X+H]` and `[H]` each), the layout the
    /// NumPy reference and the JSON and npz exports use.
    ///
    /// - Returns: `nil` when a gate is missing or the shapes disagree.
    public init?(gateWeights: [Gate: [[Double]]], gateBias: [Gate: [Double]], readout: [Double] = []) {
        guard let first = gateWeights[.g], !first.isEmpty, let rowLength = first.first?.count,
            rowLength > first.count
        else { return nil }
        let hiddenSize = first.count
        var weights: [Double] = []
        var bias: [Double] = []
        weights.reserveCapacity(4 * hiddenSize * rowLength)
        for gate in Gate.allCases {
            guard let rows = gateWeights[gate], rows.count == hiddenSize, rows.allSatisfy({ $0.count == rowLength }),
                let gateBias = gateBias[gate], gateBias.count == hiddenSize
            else { return nil }
            for row in rows { weights.append(contentsOf: row) }
            bias.append(contentsOf: gateBias)
        }
        self.init(
            inputSize: rowLength - hiddenSize,
            hiddenSize: hiddenSize,
            weights: weights,
            bias: bias,
            readout: readout
        )
    }
}

/// The four gates, in the order of the fused weight rows.
public enum Gate: Int, CaseIterable, Sendable {
    /// The cell input, `tanh`.
    case g
    /// The input gate, `sigmoid`.
    case i
    /// The forget gate, `sigmoid`.
    case f
    /// The output gate, `sigmoid`.
    case o

    /// The lowercase name used in exports (`wg`, `bi`, ...).
    public var name: String { String(describing: self) }
}
