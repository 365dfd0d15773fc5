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

extension SequenceBatch {
    /// `K`: the targets a step (1 for labels).
    public var targetsPerStep: Int {
        switch targets {
        case .values(let values): values.count / (batchSize * sequenceLength)
        case .labels: 1
        }
    }

    /// The sequences at `indices`, in that order, as one batch.
    ///
    /// - Precondition: `indices` is not empty and every index is in `0..<batchSize`.
    public func sequences(_ indices: some Collection<Int>) -> SequenceBatch {
        precondition(!indices.isEmpty && indices.allSatisfy { $0 >= 0 && $0 < batchSize }, "bad sequence indices")
        let t = sequenceLength
        func gather<Element>(_ array: [Element], width: Int) -> [Element] {
            var result: [Element] = []
            result.reserveCapacity(indices.count * t * width)
            for index in indices {
                result += array[(index * t * width)..<((index + 1) * t * width)]
            }
            return result
        }
        let inputs: Inputs =
            switch self.inputs {
            case .dense(let values): .dense(gather(values, width: inputSize))
            case .categories(let values): .categories(gather(values, width: 1))
            }
        let targets: Targets =
            switch self.targets {
            case .values(let values): .values(gather(values, width: targetsPerStep))
            case .labels(let labels): .labels(gather(labels, width: 1))
            }
        return SequenceBatch(
            batchSize: indices.count, sequenceLength: t, inputSize: inputSize, inputs: inputs, targets: targets,
            mask: gather(mask, width: 1))
    }

    /// These sequences followed by `other`'s.
    ///
    /// - Precondition: both have the same `T`, `X`, kind of inputs and targets, and `K`.
    public func appending(_ other: SequenceBatch) -> SequenceBatch {
        precondition(
            sequenceLength == other.sequenceLength && inputSize == other.inputSize
                && targetsPerStep == other.targetsPerStep, "batches of different shapes")
        let inputs: Inputs
        switch (self.inputs, other.inputs) {
        case (.dense(let a), .dense(let b)): inputs = .dense(a + b)
        case (.categories(let a), .categories(let b)): inputs = .categories(a + b)
        default: preconditionFailure("batches with different kinds of inputs")
        }
        let targets: Targets
        switch (self.targets, other.targets) {
        case (.values(let a), .values(let b)): targets = .values(a + b)
        case (.labels(let a), .labels(let b)): targets = .labels(a + b)
        default: preconditionFailure("batches with different kinds of targets")
        }
        return SequenceBatch(
            batchSize: batchSize + other.batchSize, sequenceLength: sequenceLength, inputSize: inputSize,
            inputs: inputs, targets: targets, mask: mask + other.mask)
    }
}
