import LSTMCore
import Testing

@Suite struct GoldenValueTests {
    @Test(arguments: CellOutput.allCases)
    func tinyCellLossAndGradientMatchHighPrecisionValues(_ output: CellOutput) throws {
        let (parameters, data) = try Fixture.tinyInit()
        let golden = try Fixture.tinyGolden(output)
        let network = LSTMNetwork(parameters: parameters, cellOutput: output, trainingSet: data)
        let (loss, gradient) = network.lossAndGradient()
        let expectedLoss = try #require(Double(golden.loss))
        #expect(abs(loss - expectedLoss) <= 4e-16 * expectedLoss)
        let expected = golden.fusedGradient()
        try #require(expected.count == gradient.values.count)
        var worst = 0.0
        for (actual, wanted) in zip(gradient.values, expected) {
            worst = max(worst, abs(actual - wanted) / max(abs(wanted), 1e-12))
        }
        print("tiny cell (\(output)): gradient max relative error vs mpmath \(worst)")
        #expect(worst < 1e-12)
    }

    @Test(arguments: CellOutput.allCases)
    func tinyCellSGDCurveMatchesHighPrecisionValues(_ output: CellOutput) throws {
        let (parameters, data) = try Fixture.tinyInit()
        let golden = try Fixture.tinyGolden(output)
        let network = LSTMNetwork(parameters: parameters, cellOutput: output, trainingSet: data)
        let losses = network.train(iterations: 3)
        for (actual, text) in zip(losses, golden.sgdLosses) {
            let wanted = try #require(Double(text))
            #expect(abs(actual - wanted) <= 1e-14 * wanted)
        }
    }
}

@Suite struct ReferenceProblemTests {
    @Test func referenceProblemConvergesWithTheProjectsOwnInit() {
        let (parameters, data) = ReferenceProblem.make()
        let network = LSTMNetwork(parameters: parameters, trainingSet: data)
        let losses = network.train(iterations: 100)
        let predictions = network.evaluate().predictions
        print("reference problem: loss at iteration 100 = \(losses[99]); predictions \(predictions)")
        #expect(losses[99] < 1e-4)
        #expect(losses[99] < losses[0] / 1000)
        for (prediction, target) in zip(predictions, ReferenceProblem.targets) {
            #expect(abs(prediction - target) < 0.01)
        }
    }

    @Test(arguments: CellOutput.allCases)
    func lossCurveMatchesTheNumPyReference(_ output: CellOutput) throws {
        let expected = try Fixture.losses("numpy-seed0-\(output.rawValue).json")
        try #require(expected.count == 100)
        let (parameters, data) = ReferenceProblem.make()
        let losses = LSTMNetwork(parameters: parameters, cellOutput: output, trainingSet: data).train(iterations: 100)
        let relative = zip(losses, expected).map { abs($0 - $1) / abs($1) }
        let first10 = relative.prefix(10).max() ?? .nan
        let all = relative.max() ?? .nan
        print("NumPy comparison (\(output)): max relative difference \(first10) over 10 iterations, \(all) over 100")
        #expect(first10 <= 1e-12)
        #expect(all <= 1e-7)
    }

    @Test func sameSeedGivesIdenticalBits() {
        func run() -> ([Double], [Double]) {
            let (parameters, data) = ReferenceProblem.make(hiddenSize: 37, seed: 11)
            let network = LSTMNetwork(parameters: parameters, cellOutput: .tanh, trainingSet: data)
            return (network.train(iterations: 20), network.parameters.values)
        }
        let (lossesA, valuesA) = run()
        let (lossesB, valuesB) = run()
        #expect(lossesA.map(\.bitPattern) == lossesB.map(\.bitPattern))
        #expect(valuesA.map(\.bitPattern) == valuesB.map(\.bitPattern))
    }

    @Test func differentSeedsGiveDifferentStarts() {
        let a = ReferenceProblem.make(seed: 1)
        let b = ReferenceProblem.make(seed: 2)
        #expect(a.parameters != b.parameters)
        #expect(a.trainingSet.inputs != b.trainingSet.inputs)
    }

    @Test func initialWeightsAndInputsLieInTheirRanges() {
        let (parameters, data) = ReferenceProblem.make()
        #expect(parameters.values.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
        #expect(data.inputs.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(parameters.weights.count == 400 * 150)
    }
}

@Suite struct UpdateTests {
    /// An optimizer that performs SGD under another type, so the unfused path runs.
    struct OpaqueSGD: Optimizer {
        var inner: SGD
        var name: String { "opaque-sgd" }
        mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>) {
            inner.update(parameters, gradient: gradient)
        }
    }

    static func network(_ optimizer: any Optimizer, clip: Double? = nil, loss: any SequenceLoss = H0SquaredLoss())
        -> LSTMNetwork
    {
        let (parameters, data) = ReferenceProblem.make(
            inputSize: 6,
            hiddenSize: 13,
            readoutSize: loss.readoutSize(hiddenSize: 13),
            seed: 3
        )
        return LSTMNetwork(
            parameters: parameters, loss: loss, optimizer: optimizer, gradientClipNorm: clip, trainingSet: data)
    }

    @Test(arguments: [false, true])
    func fusedSGDUpdateIsBitIdenticalToTheGradientBufferPath(_ readout: Bool) {
        let loss: any SequenceLoss = readout ? MSEReadoutLoss() : H0SquaredLoss()
        let fused = Self.network(SGD(learningRate: 0.3), loss: loss)
        let buffered = Self.network(OpaqueSGD(inner: SGD(learningRate: 0.3)), loss: loss)
        let a = fused.train(iterations: 15)
        let b = buffered.train(iterations: 15)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(fused.parameters.values.map(\.bitPattern) == buffered.parameters.values.map(\.bitPattern))
    }

    @Test func sgdStepSubtractsTheScaledGradient() {
        let network = Self.network(SGD(learningRate: 0.25))
        let before = network.parameters.values
        let gradient = network.lossAndGradient().gradient.values
        network.step()
        let after = network.parameters.values
        for k in before.indices {
            #expect(after[k] == before[k] - 0.25 * gradient[k])
        }
    }

    @Test(arguments: ["momentum", "adam"])
    func statefulOptimizersReduceTheLoss(_ name: String) {
        let optimizer: any Optimizer = name == "adam" ? Adam(learningRate: 0.01) : Momentum(learningRate: 0.05)
        let losses = Self.network(optimizer).train(iterations: 60)
        #expect(losses.last! < losses.first! / 10)
    }

    @Test func adamsFirstStepMovesEachParameterByAboutTheLearningRate() {
        let network = Self.network(Adam(learningRate: 0.001))
        let before = network.parameters.values
        let gradient = network.lossAndGradient().gradient.values
        network.step()
        for (k, after) in network.parameters.values.enumerated() where abs(gradient[k]) > 1e-6 {
            // m̂ = g and v̂ = g², so the step is lr * g / (|g| + eps).
            #expect(abs(abs(before[k] - after) - 0.001) < 1e-5)
        }
    }

    @Test func clippingScalesTheGradientToTheNorm() {
        let reference = Self.network(OpaqueSGD(inner: SGD(learningRate: 1)))
        let gradient = reference.lossAndGradient().gradient.values
        let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let clipped = Self.network(SGD(learningRate: 1), clip: norm / 4)
        let before = clipped.parameters.values
        clipped.step()
        let moved = zip(before, clipped.parameters.values).map { $0 - $1 }
        let movedNorm = moved.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(movedNorm - norm / 4) < 1e-9 * norm)
        let unclipped = Self.network(SGD(learningRate: 1), clip: norm * 2)
        let plain = Self.network(SGD(learningRate: 1))
        unclipped.step()
        plain.step()
        #expect(unclipped.parameters == plain.parameters)
    }

    @Test func maskedStepsContributeNoLoss() {
        let (parameters, data) = ReferenceProblem.make(inputSize: 4, hiddenSize: 5, seed: 2)
        var masked = data
        masked.mask = [true, false, true, false]
        var changed = masked
        changed.targets[1] = 100
        changed.targets[3] = -100
        let a = LSTMNetwork(parameters: parameters, trainingSet: masked).lossAndGradient()
        let b = LSTMNetwork(parameters: parameters, trainingSet: changed).lossAndGradient()
        #expect(a.loss == b.loss)
        #expect(a.gradient == b.gradient)
    }

    @Test func aBatchSumsTheLossesOfItsSequences() {
        let (parameters, first) = ReferenceProblem.make(inputSize: 3, hiddenSize: 4, targets: [0.1, -0.2], seed: 5)
        let (_, second) = ReferenceProblem.make(inputSize: 3, hiddenSize: 4, targets: [0.3, 0.0], seed: 6)
        let batch = TrainingSet(
            inputSize: 3,
            sequenceLength: 2,
            inputs: first.inputs + second.inputs,
            targets: first.targets + second.targets
        )
        let a = LSTMNetwork(parameters: parameters, trainingSet: first).currentLoss()
        let b = LSTMNetwork(parameters: parameters, trainingSet: second).currentLoss()
        let both = LSTMNetwork(parameters: parameters, trainingSet: batch).currentLoss()
        #expect(abs(both - (a + b)) <= 1e-15 * both)
    }

    @Test func aDivergingReadoutProducesNonFiniteLosses() {
        // h0-squared is bounded (|h_0| <= T) and saturates at a large learning rate; the linear
        // readout of mse-readout is not, and blows up.
        let losses = Self.network(SGD(learningRate: 100), loss: MSEReadoutLoss()).train(iterations: 100)
        #expect(losses.contains { !$0.isFinite })
        let bounded = Self.network(SGD(learningRate: 100)).train(iterations: 100)
        #expect(bounded.allSatisfy { $0.isFinite })
    }
}
