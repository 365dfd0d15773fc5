import LSTMCore
import RunnerModel

/// The adding problem (Hochreiter and Schmidhuber, 1997): each step carries a value uniform in
/// [0, 1) and a marker; two steps are marked, one in each half of the sequence, and the target at
/// the last step is the sum of the two marked values. Only the last step is scored.
///
/// Trained full batch on ``makeTrainingSet(_:using:)`` or on minibatches of ``Sequences``, as
/// Arjovsky, Shah and Bengio (2016, sec. 4.2) do. Both draw a sequence the same way, so a fixed
/// set of `samples` sequences drawn from the same generator state is the same data. Predicting 1
/// (the mean sum) at the last step scores an MSE of 1/6, the baseline to beat.
public struct AddingTask: TaskPlugin {
    /// Creates the plugin.
    public init() {}

    /// `adding`.
    public var name: String { "adding" }

    /// One line for `runner plugins`.
    public var summary: String { "the adding problem: sum the two marked values of a long sequence" }

    /// `sequenceLength`, `samples`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "sequenceLength", .integer(2...100_000), .defaulted(.integer(20)), help: "steps T per sequence"),
            ParameterSpec(
                "samples", .integer(1...100_000), .defaulted(.integer(32)),
                help: "sequences N of a fixed set; left out with training.batchSize, fresh ones stream"),
        ]
    }

    /// Two inputs: the value and the marker.
    public func inputSize(_ parameters: PluginParameters) -> Int { 2 }

    /// `samples` sequences (0 when they stream) of `sequenceLength` steps.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        (parameters.values["samples"]?.intValue ?? 0, parameters.integer("sequenceLength"))
    }

    /// Full batch or minibatches.
    public var forms: TaskForms { [.fullBatch, .minibatch] }

    /// One value: the sum.
    public func output(_ parameters: PluginParameters) -> TaskOutput { .values(1) }

    /// Fresh sequences of `sequenceLength` steps.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        .generator(Sequences(sequenceLength: parameters.integer("sequenceLength")))
    }

    /// For each sequence: `T` values, then the first marked step uniform in the first half and
    /// the second uniform in the second half.
    public func makeTrainingSet(_ parameters: PluginParameters, using generator: inout Xoshiro256StarStar)
        -> TrainingSet
    {
        let steps = parameters.integer("sequenceLength")
        let batch = Sequences(sequenceLength: steps).draw(parameters.integer("samples"), using: &generator)
        guard case .dense(let inputs) = batch.inputs, case .values(let targets) = batch.targets else {
            preconditionFailure("the adding problem's sequences are dense values")
        }
        return TrainingSet(inputSize: 2, sequenceLength: steps, inputs: inputs, targets: targets, mask: batch.mask)
    }
}

extension AddingTask {
    /// Sequences of the adding problem (the full-batch ``AddingTask/makeTrainingSet(_:using:)``
    /// draws its set with them too): `[value, marker]` a step, the sum the target of the last
    /// step, the only one scored.
    public struct Sequences: SequenceGenerator {
        /// `T`, at least 2.
        public var sequenceLength: Int

        /// Sequences of `sequenceLength` steps.
        public init(sequenceLength: Int) {
            precondition(sequenceLength >= 2, "the adding problem needs at least 2 steps")
            self.sequenceLength = sequenceLength
        }

        /// For each sequence: `T` values, then the first marked step uniform in the first half
        /// and the second uniform in the second half.
        public func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch {
            let steps = sequenceLength
            let half = steps / 2
            var inputs: [Double] = []  // [B, T, 2]
            var targets: [Double] = []  // [B, T]
            var mask: [Bool] = []  // [B, T]
            inputs.reserveCapacity(count * steps * 2)
            for _ in 0..<count {
                let values = (0..<steps).map { _ in generator.nextUnitDouble() }
                let first = generator.nextInt(below: half)
                let second = half + generator.nextInt(below: steps - half)
                for t in 0..<steps {
                    inputs.append(values[t])
                    inputs.append(t == first || t == second ? 1 : 0)
                }
                targets += Array(repeating: 0, count: steps - 1) + [values[first] + values[second]]
                mask += Array(repeating: false, count: steps - 1) + [true]
            }
            return SequenceBatch(
                batchSize: count, sequenceLength: steps, inputSize: 2, inputs: .dense(inputs),
                targets: .values(targets), mask: mask)
        }
    }
}
