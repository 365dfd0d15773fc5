/// One minibatch for ``LSTMBatchNetwork``: `B` sequences of `T` steps, their inputs, targets and
/// the mask of the steps whose loss counts.
///
/// Arrays are sequence-major, as in ``TrainingSet``: step `t` of sequence `b` is entry `b * T + t`
/// of `[B, T]` arrays. Batches of one network may differ in size (the last batch of an epoch may
/// be smaller) and in length, up to the network's capacities.
public struct SequenceBatch: Equatable, Sendable {
    /// What the network reads at each step.
    public enum Inputs: Equatable, Sendable {
        /// `[B, T, X]`: an `X`-vector a step.
        case dense([Double])
        /// `[B, T]`: a category index in `0..<X` a step, the input being the one-hot vector of
        /// that index, or `-1` for the all-zero vector; `W_x x` is then a column of `W_x`.
        case categories([Int])
    }

    /// What the readout is scored against.
    public enum Targets: Equatable, Sendable {
        /// `[B, T, K]`: a target a step and output (`K = 1` for `h0-squared` and `mse-readout`).
        case values([Double])
        /// `[B, T]`: a class in `0..<K` a step (`cross-entropy`); ignored where the mask is
        /// `false`.
        case labels([Int])
    }

    /// `B`.
    public let batchSize: Int
    /// `T`.
    public let sequenceLength: Int
    /// `X`: the length of a dense input vector, or the number of categories.
    public let inputSize: Int
    /// The inputs.
    public var inputs: Inputs
    /// The targets.
    public var targets: Targets
    /// `[B, T]`: whether the step's loss counts.
    public var mask: [Bool]

    /// Creates a batch; every step counts unless a mask is given.
    ///
    /// - Precondition: the array lengths agree with the sizes, and every category lies in
    ///   `-1..<X`.
    public init(
        batchSize: Int,
        sequenceLength: Int,
        inputSize: Int,
        inputs: Inputs,
        targets: Targets,
        mask: [Bool]? = nil
    ) {
        precondition(batchSize >= 1 && sequenceLength >= 1 && inputSize >= 1, "sizes must be at least 1")
        let steps = batchSize * sequenceLength
        switch inputs {
        case .dense(let values):
            precondition(values.count == steps * inputSize, "dense inputs must be [B, T, X]")
        case .categories(let indices):
            precondition(indices.count == steps, "categories must be [B, T]")
            precondition(indices.allSatisfy { $0 >= -1 && $0 < inputSize }, "a category must lie in -1..<X")
        }
        switch targets {
        case .values(let values):
            precondition(!values.isEmpty && values.count % steps == 0, "target values must be [B, T, K]")
        case .labels(let labels):
            precondition(labels.count == steps, "labels must be [B, T]")
        }
        precondition(mask == nil || mask?.count == steps, "mask must be [B, T]")
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.inputSize = inputSize
        self.inputs = inputs
        self.targets = targets
        self.mask = mask ?? Array(repeating: true, count: steps)
    }

    /// The sequences of a ``TrainingSet`` (dense inputs, one target a step) as one batch.
    public init(_ trainingSet: TrainingSet) {
        self.init(
            batchSize: trainingSet.sequenceCount,
            sequenceLength: trainingSet.sequenceLength,
            inputSize: trainingSet.inputSize,
            inputs: .dense(trainingSet.inputs),
            targets: .values(trainingSet.targets),
            mask: trainingSet.mask
        )
    }

    /// The number of steps whose loss counts.
    public var scoredSteps: Int { mask.lazy.filter { $0 }.count }
}
