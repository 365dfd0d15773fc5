import Foundation
import LSTMCore
import RunnerModel

/// The copying memory problem of Arjovsky, Shah and Bengio (2016, sec. 4.1): remember `L = 10`
/// symbols over a delay of `T` steps, then recall them.
///
/// Categories 0 to 7 are symbols, 8 the blank and 9 the delimiter. A sequence of `T + 2L` steps
/// shows `L` symbols drawn uniformly with replacement from 0 to 7, then `T - 1` blanks, the
/// delimiter, and `L` blanks. The network must output the blank for the first `T + L` steps and
/// the `L` symbols, in order, for the last `L`. Every step is scored, so the memoryless strategy
/// (blank, then uniform guesses) scores a cross-entropy of ``baseline(delay:length:)``,
/// `L ln 8 / (T + 2L)`.
public struct CopyMemoryTask: TaskPlugin {
    /// The symbols to remember, `0..<8`.
    public static let symbolCount = 8
    /// The blank category, and the label of every step but the last `L`.
    public static let blank = 8
    /// The delimiter category: recall starts at the next step.
    public static let delimiter = 9

    /// Creates the plugin.
    public init() {}

    /// `copy-memory`.
    public var name: String { "copy-memory" }

    /// One line for `runner plugins`.
    public var summary: String {
        "recall L symbols (10) after a delay of T steps, every step scored (Arjovsky et al., 2016)"
    }

    /// `delay`, `length`, `samples`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "delay", .integer(1...100_000), .defaulted(.integer(100)),
                help: "T: blanks and delimiter between the symbols and their recall"),
            ParameterSpec("length", .integer(1...10_000), .defaulted(.integer(10)), help: "symbols L to remember"),
            ParameterSpec(
                "samples", .integer(1...100_000), .defaulted(.integer(1000)),
                help: "sequences N of a fixed set; left out with training.batchSize, fresh ones stream"),
        ]
    }

    /// Ten categories: eight symbols, the blank and the delimiter.
    public func inputSize(_ parameters: PluginParameters) -> Int { 10 }

    /// `samples` sequences (0 when they stream) of `T + 2L` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (
            parameters.values["samples"]?.intValue ?? 0,
            parameters.integer("delay") + 2 * parameters.integer("length")
        )
    }

    /// Minibatches only.
    public var forms: TaskForms { .minibatch }

    /// Nine classes: the eight symbols and the blank.
    public func output(_ parameters: PluginParameters) -> TaskOutput { .classes(9) }

    /// Fresh sequences.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        .generator(Sequences(delay: parameters.integer("delay"), length: parameters.integer("length")))
    }

    /// The cross-entropy (nats a step) of the memoryless strategy: `L ln 8 / (T + 2L)`.
    public static func baseline(delay: Int, length: Int = 10) -> Double {
        Double(length) * log(Double(symbolCount)) / Double(delay + 2 * length)
    }
}

extension CopyMemoryTask {
    /// Sequences of the copying memory problem (see ``CopyMemoryTask``).
    public struct Sequences: SequenceGenerator {
        /// `T`, at least 1.
        public var delay: Int
        /// `L`, at least 1.
        public var length: Int

        /// Sequences that recall `length` symbols after `delay` steps.
        public init(delay: Int, length: Int = 10) {
            precondition(delay >= 1 && length >= 1, "the delay and the length must be at least 1")
            self.delay = delay
            self.length = length
        }

        /// `T + 2L`.
        public var sequenceLength: Int { delay + 2 * length }

        /// For each sequence, its `L` symbols in order.
        public func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch {
            let steps = sequenceLength
            let recall = delay + length  // the first step whose label is a symbol
            var inputs: [Int] = []  // [B, T + 2L]
            var labels: [Int] = []  // [B, T + 2L]
            inputs.reserveCapacity(count * steps)
            labels.reserveCapacity(count * steps)
            for _ in 0..<count {
                let symbols = (0..<length).map { _ in generator.nextInt(below: CopyMemoryTask.symbolCount) }
                for t in 0..<steps {
                    if t < length {
                        inputs.append(symbols[t])
                    } else if t == recall - 1 {
                        inputs.append(CopyMemoryTask.delimiter)
                    } else {
                        inputs.append(CopyMemoryTask.blank)
                    }
                    labels.append(t < recall ? CopyMemoryTask.blank : symbols[t - recall])
                }
            }
            return SequenceBatch(
                batchSize: count, sequenceLength: steps, inputSize: 10, inputs: .categories(inputs),
                targets: .labels(labels))
        }
    }
}
