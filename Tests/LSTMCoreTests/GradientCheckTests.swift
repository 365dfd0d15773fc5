import LSTMCore
import Testing

@Suite struct GradientCheckTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var inputSize: Int
        var hiddenSize: Int
        var sequenceLength: Int
        var sequences: Int
        var cellOutput: CellOutput
        var loss: String
        var masked: Bool

        var testDescription: String {
            "X=\(inputSize) H=\(hiddenSize) T=\(sequenceLength) N=\(sequences) \(cellOutput) \(loss)"
                + (masked ? " masked" : "")
        }
    }

    static let cases: [Case] = [
        Case(
            inputSize: 3, hiddenSize: 2, sequenceLength: 2, sequences: 1, cellOutput: .identity, loss: "h0",
            masked: false),
        Case(
            inputSize: 3, hiddenSize: 2, sequenceLength: 2, sequences: 1, cellOutput: .tanh, loss: "h0", masked: false),
        Case(
            inputSize: 5, hiddenSize: 9, sequenceLength: 4, sequences: 1, cellOutput: .identity, loss: "h0",
            masked: false),
        Case(
            inputSize: 5, hiddenSize: 9, sequenceLength: 4, sequences: 1, cellOutput: .tanh, loss: "h0", masked: false),
        Case(
            inputSize: 1, hiddenSize: 17, sequenceLength: 6, sequences: 3, cellOutput: .identity, loss: "mse",
            masked: true),
        Case(
            inputSize: 2, hiddenSize: 12, sequenceLength: 5, sequences: 2, cellOutput: .tanh, loss: "mse", masked: false
        ),
        Case(
            inputSize: 7, hiddenSize: 40, sequenceLength: 3, sequences: 1, cellOutput: .identity, loss: "mse",
            masked: false),
        Case(
            inputSize: 11, hiddenSize: 33, sequenceLength: 3, sequences: 1, cellOutput: .tanh, loss: "h0", masked: true),
    ]

    /// Builds a network whose weights are larger than the default init, so that the gates
    /// saturate unevenly and every term of the backward pass matters.
    static func network(for c: Case) -> LSTMNetwork {
        var generator = Xoshiro256StarStar(seed: UInt64(c.hiddenSize * 31 + c.inputSize))
        let loss: any SequenceLoss = c.loss == "h0" ? H0SquaredLoss() : MSEReadoutLoss()
        let parameters = LSTMParameters.random(
            inputSize: c.inputSize,
            hiddenSize: c.hiddenSize,
            readoutSize: loss.readoutSize(hiddenSize: c.hiddenSize),
            scale: 1.0,
            using: &generator
        )
        let steps = c.sequenceLength * c.sequences
        let inputs = (0..<(steps * c.inputSize)).map { _ in generator.nextDouble(in: -1, 1) }
        let targets = (0..<steps).map { _ in generator.nextDouble(in: -0.5, 0.5) }
        let mask = c.masked ? (0..<steps).map { $0 % 2 == 1 } : nil
        let data = TrainingSet(
            inputSize: c.inputSize,
            sequenceLength: c.sequenceLength,
            inputs: inputs,
            targets: targets,
            mask: mask
        )
        return LSTMNetwork(parameters: parameters, cellOutput: c.cellOutput, loss: loss, trainingSet: data)
    }

    @Test(arguments: cases)
    func backpropagationMatchesCentralDifferences(_ c: Case) {
        let network = Self.network(for: c)
        let results = GradientCheck().run(on: network, limit: 400)
        let worst = results.map(\.maxRelativeError).max() ?? .nan
        print("gradient check \(c.testDescription): max relative error \(worst)")
        #expect(results.count == (c.loss == "h0" ? 2 : 3))
        for result in results {
            #expect(result.checked > 0)
            #expect(result.maxRelativeError < 1e-5, "\(result.group) at \(result.worstIndex)")
        }
    }

    @Test func aWrongGradientIsCaught() {
        // The check must be able to fail: compare against a loss that differs from the one the
        // network backpropagates (scaled targets), which changes the numeric gradient only.
        let c = Self.cases[2]
        let network = Self.network(for: c)
        let analytic = network.lossAndGradient().gradient
        var scaled = network.trainingSet
        scaled.targets = scaled.targets.map { $0 * 1.5 }
        let other = LSTMNetwork(
            parameters: network.parameters,
            cellOutput: c.cellOutput,
            trainingSet: scaled
        )
        let numeric = other.lossAndGradient().gradient
        let differs = zip(analytic.values, numeric.values).contains { abs($0 - $1) > 1e-6 * max(abs($0), 1e-6) }
        #expect(differs)
    }
}
