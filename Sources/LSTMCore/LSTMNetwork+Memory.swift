extension LSTMNetwork {
    /// The sizes that decide how much memory training takes.
    public struct Footprint: Sendable, Equatable {
        /// `X`.
        public var inputSize: Int
        /// `H`.
        public var hiddenSize: Int
        /// `R`, the readout's parameters.
        public var readoutSize: Int
        /// `N`, the sequences of the training set.
        public var sequenceCount: Int
        /// `T`, the steps of each sequence.
        public var sequenceLength: Int
        /// How many parameter-sized arrays the optimizer keeps (momentum 1, Adam 2).
        public var optimizerArrays: Int
        /// How many more parameter-sized copies the caller holds (the initial and final parameters).
        public var extraParameterCopies: Int

        /// Creates the sizes.
        public init(
            inputSize: Int,
            hiddenSize: Int,
            readoutSize: Int,
            sequenceCount: Int,
            sequenceLength: Int,
            optimizerArrays: Int,
            extraParameterCopies: Int = 0
        ) {
            self.inputSize = inputSize
            self.hiddenSize = hiddenSize
            self.readoutSize = readoutSize
            self.sequenceCount = sequenceCount
            self.sequenceLength = sequenceLength
            self.optimizerArrays = optimizerArrays
            self.extraParameterCopies = extraParameterCopies
        }

        /// `P = 4H(X+H) + 4H + R`, or `nil` when it overflows.
        public var parameterCount: Int? {
            Self.sum([
                Self.product([4, hiddenSize, inputSize &+ hiddenSize &+ 1]), readoutSize,
            ])
        }

        /// The bytes of the parameters, their gradient, the optimizer's state and the copies:
        /// `(3 + optimizerArrays + extraParameterCopies) · P · 8` (the network holds its parameters,
        /// a zero-shaped template and the gradient).
        public var parameterBytes: Int? {
            Self.product([parameterCount, 3 + optimizerArrays + extraParameterCopies, 8])
        }

        /// The bytes of the training set and of what the forward and backward passes keep per step,
        /// over all `K = N·T` steps: `xc` `[K, X+H]`, the gates, their gradient and the input
        /// projection `[K, 4H]` each, the cell state, its activation and `h` `[K, H]` each, four
        /// `[K]` vectors, and the data (`[K, X]` inputs, targets, mask).
        public var activationBytes: Int? {
            let steps = Self.product([sequenceCount, sequenceLength])
            let perStep = Self.sum([
                inputSize &+ hiddenSize, Self.product([12, hiddenSize]), Self.product([3, hiddenSize]), 4, inputSize,
                2,
            ])
            return Self.sum([Self.product([steps, perStep, 8]), Self.product([4, hiddenSize, 8])])
        }

        /// Everything above, or `nil` when it does not fit in an `Int` (more bytes than any machine has).
        public var bytes: Int? { Self.sum([parameterBytes, activationBytes]) }

        private static func product(_ factors: [Int?]) -> Int? {
            var result = 1
            for factor in factors {
                guard let factor, factor >= 0 else { return nil }
                let (next, overflow) = result.multipliedReportingOverflow(by: factor)
                if overflow { return nil }
                result = next
            }
            return result
        }

        private static func sum(_ terms: [Int?]) -> Int? {
            var result = 0
            for term in terms {
                guard let term, term >= 0 else { return nil }
                let (next, overflow) = result.addingReportingOverflow(term)
                if overflow { return nil }
                result = next
            }
            return result
        }
    }
}
