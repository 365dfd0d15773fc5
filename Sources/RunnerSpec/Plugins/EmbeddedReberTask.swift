import LSTMCore
import RunnerModel

/// The embedded Reber grammar of Hochreiter and Schmidhuber (1997, experiment 1): predict the
/// next symbol of a string of the grammar.
///
/// Categories: 0 `B`, 1 `T`, 2 `P`, 3 `S`, 4 `X`, 5 `V`, 6 `E`. A string is `B`, `T` or `P`, a
/// string of the Reber grammar, the same `T` or `P` again, and `E`; each branch of the grammars
/// is taken with probability 1/2. The Reber grammar, from state 1 after its `B` to its `E`:
///
///     1 -T-> 2, 1 -P-> 3;  2 -S-> 2, 2 -X-> 4;  3 -T-> 3, 3 -V-> 5;
///     4 -X-> 3, 4 -S-> 6;  5 -P-> 4, 5 -V-> 6;  6 -E-> end.
///
/// A string of `n` symbols takes `n - 1` steps: step `t` reads symbol `t` and is labelled with
/// symbol `t + 1`, cross-entropy against the symbol that follows (where the paper scores whether
/// every possible successor is predicted). The steps after the string, up to `sequenceLength`,
/// read nothing (category -1) and are not scored. A string of more than `sequenceLength + 1`
/// symbols is drawn again, so the strings are those of the grammar no longer than that. Strings
/// have 12 symbols on average; at the default, 50, about one string in 500,000 is redrawn (at 30,
/// one in 1,000).
public struct EmbeddedReberTask: TaskPlugin {
    /// The symbols, in category order.
    public static let symbols: [Character] = ["B", "T", "P", "S", "X", "V", "E"]

    /// Creates the plugin.
    public init() {}

    /// `embedded-reber`.
    public var name: String { "embedded-reber" }

    /// One line for `runner plugins`.
    public var summary: String {
        "predict the next symbol of embedded Reber grammar strings (Hochreiter & Schmidhuber, 1997, 1)"
    }

    /// `sequenceLength`, `samples`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "sequenceLength", .integer(8...100_000), .defaulted(.integer(50)),
                help: "steps T per sequence; longer strings are redrawn, shorter ones padded"),
            ParameterSpec(
                "samples", .integer(1...100_000), .defaulted(.integer(256)),
                help: "sequences N of a fixed set; left out with training.batchSize, fresh ones stream"),
        ]
    }

    /// Seven categories, one a symbol.
    public func inputSize(_ parameters: PluginParameters) -> Int { 7 }

    /// `samples` sequences (0 when they stream) of `sequenceLength` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.values["samples"]?.intValue ?? 0, parameters.integer("sequenceLength"))
    }

    /// Minibatches only.
    public var forms: TaskForms { .minibatch }

    /// Seven classes: the next symbol.
    public func output(_ parameters: PluginParameters) -> TaskOutput { .classes(7) }

    /// Fresh sequences.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        .generator(Sequences(sequenceLength: parameters.integer("sequenceLength")))
    }
}

extension EmbeddedReberTask {
    /// Sequences of embedded Reber strings (see ``EmbeddedReberTask``).
    public struct Sequences: SequenceGenerator {
        /// `T`, at least 8 (the shortest strings have 9 symbols).
        public var sequenceLength: Int

        /// Sequences of `sequenceLength` steps.
        public init(sequenceLength: Int) {
            precondition(sequenceLength >= 8, "embedded Reber strings need at least 8 steps")
            self.sequenceLength = sequenceLength
        }

        /// For each sequence, its string's choices in order, and those of any string redrawn.
        public func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch {
            let steps = sequenceLength
            var inputs = Array(repeating: -1, count: count * steps)  // [B, T]
            var labels = Array(repeating: 0, count: count * steps)  // [B, T]
            var mask = Array(repeating: false, count: count * steps)  // [B, T]
            for b in 0..<count {
                var string = Self.string(using: &generator)
                while string.count - 1 > steps {
                    string = Self.string(using: &generator)
                }
                for t in 0..<(string.count - 1) {
                    inputs[b * steps + t] = string[t]
                    labels[b * steps + t] = string[t + 1]
                    mask[b * steps + t] = true
                }
            }
            return SequenceBatch(
                batchSize: count, sequenceLength: steps, inputSize: 7, inputs: .categories(inputs),
                targets: .labels(labels), mask: mask)
        }

        /// One embedded Reber string, as categories.
        public static func string(using generator: inout Xoshiro256StarStar) -> [Int] {
            let (b, t, p, s, x, v, e) = (0, 1, 2, 3, 4, 5, 6)
            let branch = generator.nextInt(below: 2) == 0 ? t : p
            var string = [b, branch, b]
            var state = 1
            while state != 6 {
                let second = generator.nextInt(below: 2) == 1
                let (symbol, next) =
                    switch state {
                    case 1: second ? (p, 3) : (t, 2)
                    case 2: second ? (x, 4) : (s, 2)
                    case 3: second ? (v, 5) : (t, 3)
                    case 4: second ? (s, 6) : (x, 3)
                    default: second ? (v, 6) : (p, 4)  // state 5
                    }
                string.append(symbol)
                state = next
            }
            return string + [e, branch, e]
        }
    }
}
