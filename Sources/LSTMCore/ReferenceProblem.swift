/// The problem this project grew from: learn a short target sequence from random inputs.
///
/// `T = targets.count` inputs of `X` values uniform in [0, 1), `H` memory cells, weights and
/// biases uniform in [-0.05, 0.05), the loss `sum_t (h_0(t) - y(t))^2`; the classic setting is
/// `X = 50`, `H = 100`, `y = [-0.5, 0.2, 0.1, -0.5]`, SGD with learning rate 0.1 for 100
/// iterations.
public enum ReferenceProblem {
    /// The classic targets.
    public static let targets: [Double] = [-0.5, 0.2, 0.1, -0.5]

    /// The initial parameters and the data, both drawn from one ``Xoshiro256StarStar`` seeded
    /// with `seed`: first the parameters (``LSTMParameters/random(inputSize:hiddenSize:readoutSize:scale:using:)``),
    /// then the inputs, step by step, as the NumPy reference orders its draws.
    public static func make(
        inputSize: Int = 50,
        hiddenSize: Int = 100,
        readoutSize: Int = 0,
        targets: [Double] = targets,
        seed: UInt64 = 0
    ) -> (parameters: LSTMParameters, trainingSet: TrainingSet) {
        var generator = Xoshiro256StarStar(seed: seed)
        let parameters = LSTMParameters.random(
            inputSize: inputSize,
            hiddenSize: hiddenSize,
            readoutSize: readoutSize,
            using: &generator
        )
        let inputs = (0..<(targets.count * inputSize)).map { _ in generator.nextUnitDouble() }
        let trainingSet = TrainingSet(
            inputSize: inputSize,
            sequenceLength: targets.count,
            inputs: inputs,
            targets: targets
        )
        return (parameters, trainingSet)
    }
}
