import LSTMCore
import RunnerModel

/// The temporal order problem of Hochreiter and Schmidhuber (1997, experiment 6a): classify a
/// sequence by the order of two symbols far apart.
///
/// Categories: 0 `E`, 1 `B`, 2 to 5 the distractors `a`, `b`, `c`, `d`, 6 `X`, 7 `Y`. A sequence
/// starts with `E`, ends with the trigger `B`, and holds uniform distractors everywhere else but
/// at two steps `t1` and `t2`, each `X` or `Y` with probability 1/2. Its class, the label of the
/// last step and the only one scored, is 0 (`Q`) for `X, X`, 1 (`R`) for `X, Y`, 2 (`S`) for
/// `Y, X` and 3 (`U`) for `Y, Y`.
///
/// The paper draws the length uniformly from 100 to 110, `t1` from 10 to 20 and `t2` from 50 to
/// 60. A minibatch has one length, so here every sequence has `sequenceLength` steps and the
/// windows scale with it: counting steps from 0 (the `E`), `t1` is uniform in
/// `round(0.1 T)...round(0.2 T)` and `t2` in `round(0.5 T)...round(0.6 T)`, which for the default
/// `T = 100` are the paper's 10 to 20 and 50 to 60. Always predicting one class scores `ln 4`.
public struct TemporalOrderTask: TaskPlugin {
    /// `E`, the first symbol.
    public static let start = 0
    /// `B`, the last symbol: the network answers here.
    public static let trigger = 1
    /// `a`, the first of the four distractors.
    public static let firstDistractor = 2
    /// `X`; `Y` is `X + 1`.
    public static let x = 6

    /// Creates the plugin.
    public init() {}

    /// `temporal-order`.
    public var name: String { "temporal-order" }

    /// One line for `runner plugins`.
    public var summary: String {
        "classify the order of two far-apart symbols X, Y (Hochreiter & Schmidhuber, 1997, 6a)"
    }

    /// `sequenceLength`, `samples`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "sequenceLength", .integer(10...100_000), .defaulted(.integer(100)),
                help: "steps T per sequence; the windows of t1 and t2 scale with it"),
            ParameterSpec(
                "samples", .integer(1...100_000), .defaulted(.integer(1000)),
                help: "sequences N of a fixed set; left out with training.batchSize, fresh ones stream"),
        ]
    }

    /// Eight categories: `E`, `B`, `a` to `d`, `X`, `Y`.
    public func inputSize(_ parameters: PluginParameters) -> Int { 8 }

    /// `samples` sequences (0 when they stream) of `sequenceLength` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.values["samples"]?.intValue ?? 0, parameters.integer("sequenceLength"))
    }

    /// Minibatches only.
    public var forms: TaskForms { .minibatch }

    /// Four classes: `Q`, `R`, `S`, `U`.
    public func output(_ parameters: PluginParameters) -> TaskOutput { .classes(4) }

    /// Fresh sequences.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        .generator(Sequences(sequenceLength: parameters.integer("sequenceLength")))
    }
}

extension TemporalOrderTask {
    /// Sequences of the temporal order problem (see ``TemporalOrderTask``).
    public struct Sequences: SequenceGenerator {
        /// `T`, at least 10.
        public var sequenceLength: Int

        /// Sequences of `sequenceLength` steps.
        public init(sequenceLength: Int) {
            precondition(sequenceLength >= 10, "the temporal order problem needs at least 10 steps")
            self.sequenceLength = sequenceLength
        }

        /// `percent` of `T`, rounded half up.
        private func scaled(_ percent: Int) -> Int { (sequenceLength * percent + 50) / 100 }

        /// The steps `t1` may take: `round(0.1 T)...round(0.2 T)`.
        public var firstWindow: ClosedRange<Int> { scaled(10)...scaled(20) }
        /// The steps `t2` may take: `round(0.5 T)...round(0.6 T)`.
        public var secondWindow: ClosedRange<Int> { scaled(50)...scaled(60) }

        /// For each sequence: the `T - 2` distractors in order, then `t1` and its symbol, then
        /// `t2` and its symbol.
        public func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch {
            let steps = sequenceLength
            let first = firstWindow
            let second = secondWindow
            var inputs: [Int] = []  // [B, T]
            var labels = Array(repeating: 0, count: count * steps)  // [B, T]
            var mask = Array(repeating: false, count: count * steps)  // [B, T]
            inputs.reserveCapacity(count * steps)
            for b in 0..<count {
                var sequence = [TemporalOrderTask.start]
                for _ in 1..<(steps - 1) {
                    sequence.append(TemporalOrderTask.firstDistractor + generator.nextInt(below: 4))
                }
                sequence.append(TemporalOrderTask.trigger)
                let t1 = first.lowerBound + generator.nextInt(below: first.count)
                let symbol1 = generator.nextInt(below: 2)  // 0 X, 1 Y
                let t2 = second.lowerBound + generator.nextInt(below: second.count)
                let symbol2 = generator.nextInt(below: 2)
                sequence[t1] = TemporalOrderTask.x + symbol1
                sequence[t2] = TemporalOrderTask.x + symbol2
                inputs += sequence
                labels[b * steps + steps - 1] = 2 * symbol1 + symbol2
                mask[b * steps + steps - 1] = true
            }
            return SequenceBatch(
                batchSize: count, sequenceLength: steps, inputSize: 8, inputs: .categories(inputs),
                targets: .labels(labels), mask: mask)
        }
    }
}
