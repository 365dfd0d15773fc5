import LSTMCore
import RunnerModel

/// What a task's readout is scored against.
public enum TaskOutput: Equatable, Sendable, CustomStringConvertible {
    /// `K` real targets a step (`mse`; `mse-readout` and `h0-squared` need `K = 1`).
    case values(Int)
    /// A class label in `0..<K` at each scored step (`cross-entropy`).
    case classes(Int)

    /// `K`.
    public var size: Int {
        switch self {
        case .values(let count), .classes(let count): count
        }
    }

    /// Whether the targets are class labels.
    public var isClassification: Bool {
        if case .classes = self { return true }
        return false
    }

    /// `1 value`, `8 classes`.
    public var description: String {
        switch self {
        case .values(let count): "\(count) value\(count == 1 ? "" : "s") a step"
        case .classes(let count): "\(count) classes"
        }
    }
}

/// Draws fresh sequences of a task, as many as asked, from a generator it is given.
///
/// The same generator state gives the same sequences, and drawing `a` then `b` sequences gives
/// the same sequences as drawing `a + b` at once, so the data depend only on the generator and
/// the number of sequences drawn before.
public protocol SequenceGenerator: Sendable {
    /// `count` sequences (`count >= 1`), drawn from `generator`.
    func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch
}

/// Where the sequences of a minibatch-trained trial come from (see ``TaskPlugin/makeData(_:holdOut:)``).
///
/// - `generator`: fresh sequences. The trial trains on a fixed set of `task.samples` sequences
///   drawn from its own generator when the config has `samples`, and on fresh sequences every
///   iteration (a stream) when it does not; the validation and test sets are drawn from the
///   generator's own seeded streams (`evaluation.samples` each).
/// - `dataset`: a fixed set of `N` sequences, split into training, validation and test by a
///   seeded permutation (`evaluation.validationFraction`, `evaluation.testFraction`).
/// - `split`: the task splits its data itself: training sequences are drawn from a generator,
///   validation and test are fixed (the text task: random windows of the text's beginning to
///   train on, consecutive windows of its end to evaluate on).
public enum TaskData: Sendable {
    case generator(any SequenceGenerator)
    case dataset(SequenceBatch)
    case split(training: any SequenceGenerator, validation: SequenceBatch?, test: SequenceBatch?)
}

/// What a task needs to know of the config's `evaluation` section to hold data out.
public struct HoldOut: Sendable, Equatable {
    /// `evaluation.validationFraction`: the fraction of a dataset (or text) for validation.
    public var validationFraction: Double
    /// `evaluation.testFraction`: the fraction for the test.
    public var testFraction: Double
    /// `evaluation.samples`: the most sequences of each held-out set.
    public var samples: Int

    /// Creates the settings.
    public init(validationFraction: Double, testFraction: Double, samples: Int) {
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.samples = samples
    }

    /// The settings of a config.
    public init(_ config: TrialConfig) {
        self.init(
            validationFraction: config.validationFraction, testFraction: config.testFraction,
            samples: config.evaluationSamples)
    }
}

/// An error a task reports while making its data (a missing or malformed file): one line
/// naming the file and what to fix.
public struct TaskDataError: Error, Sendable, CustomStringConvertible {
    /// The file (or the spec) at fault.
    public var file: String
    /// The key path or array at fault, if any.
    public var keyPath: String?
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(file: String, keyPath: String? = nil, _ message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE: KEYPATH MESSAGE`.
    public var description: String {
        "\(file): \(keyPath.map { "\($0) " } ?? "")\(message)"
    }
}

extension TaskPlugin {
    /// One real output a step, as the tasks made for full-batch training have.
    public func output(_ parameters: PluginParameters) -> TaskOutput { .values(1) }

    /// No minibatch form: the task trains full batch on ``makeTrainingSet(_:using:)`` only.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        nil
    }

    /// The parameters as they are: a task that reads a file adds the file's digest here.
    public func canonicalize(_ parameters: PluginParameters) throws(TaskDataError) -> PluginParameters {
        parameters
    }

    /// Full batch only.
    public var forms: TaskForms { .fullBatch }
}
