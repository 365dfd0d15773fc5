/// The data one training run learns: `N` sequences of `T` steps, each step an `X`-vector input
/// and a scalar target.
///
/// Every iteration is one full-batch step: the loss and its gradient are summed over all
/// sequences. A step whose mask is `false` contributes no loss (the adding and copy problems
/// score only some steps).
public struct TrainingSet: Equatable, Sendable, Codable {
    /// `X`.
    public let inputSize: Int
    /// `T`, the length of every sequence.
    public let sequenceLength: Int
    /// `[N, T, X]`, row-major.
    public var inputs: [Double]
    /// `[N, T]`.
    public var targets: [Double]
    /// `[N, T]`: whether the step's loss counts.
    public var mask: [Bool]

    /// `N`.
    public var sequenceCount: Int { targets.count / sequenceLength }

    /// The number of steps whose loss counts.
    public var countedSteps: Int { mask.lazy.filter { $0 }.count }

    /// Creates a training set; every step counts unless a mask is given.
    ///
    /// - Precondition: the array lengths agree with the sizes.
    public init(inputSize: Int, sequenceLength: Int, inputs: [Double], targets: [Double], mask: [Bool]? = nil) {
        precondition(inputSize >= 1 && sequenceLength >= 1, "sizes must be at least 1")
        precondition(!targets.isEmpty && targets.count % sequenceLength == 0, "targets must be [N, T]")
        precondition(inputs.count == targets.count * inputSize, "inputs must be [N, T, X]")
        precondition(mask == nil || mask?.count == targets.count, "mask must be [N, T]")
        self.inputSize = inputSize
        self.sequenceLength = sequenceLength
        self.inputs = inputs
        self.targets = targets
        self.mask = mask ?? Array(repeating: true, count: targets.count)
    }

    /// One sequence of `T = targets.count` steps; `inputs` is `[T][X]`.
    ///
    /// - Precondition: every input has the same non-zero length and there is one per target.
    public init(sequence inputs: [[Double]], targets: [Double]) {
        precondition(inputs.count == targets.count, "one input per target")
        self.init(
            inputSize: inputs.first?.count ?? 0,
            sequenceLength: targets.count,
            inputs: inputs.flatMap { $0 },
            targets: targets
        )
    }

    /// The input of step `t` of sequence `n`, `[X]`.
    public func input(sequence n: Int, step t: Int) -> ArraySlice<Double> {
        let start = (n * sequenceLength + t) * inputSize
        return inputs[start..<(start + inputSize)]
    }
}
