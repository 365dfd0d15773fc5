import LSTMCore
import RunnerModel
import RunnerSpec

/// The data of a trial trained on minibatches: where its training batches come from, and its
/// validation and test sets.
///
/// ## Generators (what makes the held-out data independent of training)
/// - The trial's generator (seeded with `seed`, after the initial weights are drawn from it)
///   draws everything training consumes: the fixed set of `task.samples` sequences, the
///   sequences of a stream, the shuffles of every epoch, and, after training, the sequences a
///   stream's final loss is measured on.
/// - The validation set, the test set and the split of a dataset come from their own
///   generators, seeded from `evaluation.seed` alone (``heldOutGenerator(_:seed:)``): the same
///   for every trial of a sweep, whatever its seed, batch size or iteration count.
package struct MinibatchData {
    /// Where training batches come from.
    package enum Training {
        /// Fresh sequences every iteration.
        case stream(any SequenceGenerator)
        /// A fixed set, shuffled into batches every epoch (or used whole when the batch is the
        /// whole set).
        case fixed(SequenceBatch)
    }

    /// The training data.
    package var training: Training
    /// The validation set, if the task has one.
    package var validation: SequenceBatch?
    /// The test set, if the task has one.
    package var test: SequenceBatch?
    /// What the readout is scored against.
    package var output: TaskOutput

    /// The held-out streams.
    package enum HeldOutStream: UInt64 {
        case validation = 0x7661_6C69_6461_7465  // "validate"
        case test = 0x7465_7374_7465_7374  // "testtest"
        case split = 0x7370_6C69_7473_706C  // "splitspl"
    }

    /// The generator of a held-out stream: seeded from `evaluation.seed` and the stream's tag
    /// through one SplitMix64 step, so that the streams are unrelated to each other and to the
    /// trial generators (which are seeded with the trial seed directly).
    package static func heldOutGenerator(_ stream: HeldOutStream, seed: Int) -> Xoshiro256StarStar {
        var mixer = SplitMix64(seed: UInt64(seed) ^ stream.rawValue)
        return Xoshiro256StarStar(seed: mixer.next())
    }

    /// Makes the data of `config` with its task; `generator` is the trial's (weights drawn).
    package static func make(
        config: TrialConfig, task: any TaskPlugin, using generator: inout Xoshiro256StarStar
    ) throws(TaskDataError) -> MinibatchData {
        let holdOut = HoldOut(config)
        guard let data = try task.makeData(config.task, holdOut: holdOut) else {
            throw TaskDataError(file: "task \(task.name)", "has no minibatch form; remove training.batchSize.")
        }
        let output = task.output(config.task)
        switch data {
        case .generator(let source):
            var validationGenerator = heldOutGenerator(.validation, seed: config.evaluationSeed)
            var testGenerator = heldOutGenerator(.test, seed: config.evaluationSeed)
            let validation = source.draw(holdOut.samples, using: &validationGenerator)
            let test = source.draw(holdOut.samples, using: &testGenerator)
            let training: Training
            if let samples = config.task.values["samples"]?.intValue {
                training = .fixed(source.draw(samples, using: &generator))
            } else {
                training = .stream(source)
            }
            return MinibatchData(training: training, validation: validation, test: test, output: output)
        case .dataset(let all):
            let n = all.batchSize
            let testCount = Int((config.testFraction * Double(n)).rounded())
            let validationCount = Int((config.validationFraction * Double(n)).rounded())
            guard testCount + validationCount < n else {
                throw TaskDataError(
                    file: "task \(task.name)",
                    keyPath: "evaluation",
                    "holds out \(validationCount) + \(testCount) of the dataset's \(n) sequences, leaving none to "
                        + "train on; lower evaluation.validationFraction or evaluation.testFraction.")
            }
            var splitGenerator = heldOutGenerator(.split, seed: config.evaluationSeed)
            let order = shuffled(Array(0..<n), using: &splitGenerator)
            let test = testCount > 0 ? all.sequences(order[0..<testCount]) : nil
            let validation =
                validationCount > 0 ? all.sequences(order[testCount..<(testCount + validationCount)]) : nil
            // The training sequences keep the dataset's order; every epoch shuffles them.
            let training = all.sequences(order[(testCount + validationCount)...].sorted())
            return MinibatchData(training: .fixed(training), validation: validation, test: test, output: output)
        case .split(let source, let validation, let test):
            return MinibatchData(training: .stream(source), validation: validation, test: test, output: output)
        }
    }

    /// `values` in a Fisher-Yates order: for `k` from the last index down to 1, swap `k` with
    /// an index uniform in `0...k`.
    package static func shuffled(_ values: [Int], using generator: inout Xoshiro256StarStar) -> [Int] {
        var result = values
        var k = result.count - 1
        while k > 0 {
            result.swapAt(k, generator.nextInt(below: k + 1))
            k -= 1
        }
        return result
    }

    /// The number of sequences training reads per iteration.
    package func batchSize(_ config: TrialConfig) -> Int {
        switch training {
        case .stream: config.batchSize ?? 1
        case .fixed(let set): min(config.batchSize ?? set.batchSize, set.batchSize)
        }
    }

    /// The longest sequence of any batch.
    package var sequenceLength: Int {
        var length = [validation, test].compactMap { $0?.sequenceLength }.max() ?? 1
        if case .fixed(let set) = training { length = max(length, set.sequenceLength) }
        return length
    }
}

/// The batches of one trial's training, in order: a pure function of the data, the batch size
/// and the trial generator, so a resumed trial replays them (``skip(_:)``) to where it stopped.
package struct BatchSequence {
    private let data: MinibatchData.Training
    private let batchSize: Int
    private var order: [Int] = []
    private var cursor = 0

    package init(_ training: MinibatchData.Training, batchSize: Int) {
        self.data = training
        self.batchSize = batchSize
    }

    /// The next batch: `batchSize` fresh sequences of a stream; the next `batchSize` sequences
    /// of the epoch's shuffle of a fixed set (a smaller last batch ends an epoch), or the whole
    /// set, in its order, when the batch is the whole set.
    package mutating func next(using generator: inout Xoshiro256StarStar) -> SequenceBatch {
        switch data {
        case .stream(let source):
            return source.draw(batchSize, using: &generator)
        case .fixed(let set):
            if batchSize >= set.batchSize { return set }
            if cursor == order.count {
                order = MinibatchData.shuffled(Array(0..<set.batchSize), using: &generator)
                cursor = 0
            }
            let end = min(cursor + batchSize, order.count)
            defer { cursor = end }
            return set.sequences(order[cursor..<end])
        }
    }

    /// Draws and drops `count` batches (a resumed trial's iterations already done).
    package mutating func skip(_ count: Int, using generator: inout Xoshiro256StarStar) {
        for _ in 0..<count { _ = next(using: &generator) }
    }
}
