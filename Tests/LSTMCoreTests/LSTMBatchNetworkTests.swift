import Dispatch
import Testing

@testable import LSTMCore

@Suite struct BatchKernelTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var rows: Int
        var columns: Int
        var depth: Int
        var testDescription: String { "\(rows)x\(columns), depth \(depth)" }
    }

    // Every tile and tail (4x8, 1x32, 1x8, 8x4, 1x4, 4x1, 1x1), depths past one depth block (256) and
    // rows past one row block (64).
    static let shapes = [
        Shape(rows: 1, columns: 1, depth: 1), Shape(rows: 6, columns: 8, depth: 5),
        Shape(rows: 13, columns: 19, depth: 7),
        Shape(rows: 7, columns: 13, depth: 300), Shape(rows: 20, columns: 36, depth: 9),
        Shape(rows: 2, columns: 75, depth: 260),
        Shape(rows: 5, columns: 3, depth: 0),
        // Past one row block (64) of the product that packs A: a last block of 6 rows, and one of
        // 2 (its wide 1x32 tiles) past a depth block.
        Shape(rows: 70, columns: 9, depth: 3), Shape(rows: 66, columns: 40, depth: 261),
        // A four-wide last panel, as the weight gradient's padded columns end: 8x4 tiles over
        // both row blocks (64, then 6: no 8x4, only 1x4) and both depth blocks.
        Shape(rows: 70, columns: 12, depth: 261),
    ]

    @Test(arguments: shapes)
    func productIsThePlainTripleLoopBitForBit(_ shape: Shape) {
        var generator = Xoshiro256StarStar(seed: UInt64(shape.rows * 1000 + shape.columns))
        // A is read transposed through its strides (rowStride 1), as the weight gradient reads dz.
        let a = (0..<(shape.rows * max(shape.depth, 1))).map { _ in generator.nextDouble(in: -1, 1) }
        let bStride = shape.columns + 2
        let b = (0..<(max(shape.depth, 1) * bStride)).map { _ in generator.nextDouble(in: -1, 1) }
        let startRow = (0..<shape.columns).map { _ in generator.nextDouble(in: -1, 1) }
        let cStride = shape.columns + 1
        let initial = (0..<(shape.rows * cStride)).map { _ in generator.nextDouble(in: -1, 1) }
        // B read through its row stride, and B packed in panels first: the same bits.
        var panels = [Double](repeating: .nan, count: shape.depth * shape.columns)
        b.withUnsafeBufferPointer { b in
            panels.withUnsafeMutableBufferPointer { panels in
                BatchKernels.pack(
                    b.baseAddress!, stride: bStride, depth: shape.depth, columns: shape.columns,
                    into: panels.baseAddress!)
            }
        }
        #expect(panels.allSatisfy { !$0.isNaN }, "pack fills every value")
        // The third way reads A transposed, packing it a block at a time.
        var packing = [Double](repeating: .nan, count: BatchKernels.packingCapacity)
        for (mode, way) in (0..<3).flatMap({ mode in (0..<3).map { (mode, $0) } }) {
            var c = initial
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    panels.withUnsafeBufferPointer { panels in
                        startRow.withUnsafeBufferPointer { row in
                            c.withUnsafeMutableBufferPointer { c in
                                let start: BatchKernels.Start =
                                    mode == 0 ? .zero : mode == 1 ? .current : .row(row.baseAddress!)
                                let a = BatchKernels.Strided(
                                    base: a.baseAddress!, rowStride: 1, depthStride: shape.rows)
                                if way == 2 {
                                    packing.withUnsafeMutableBufferPointer { packing in
                                        BatchKernels.product(
                                            rows: shape.rows, columns: shape.columns, depth: shape.depth,
                                            transposed: a.base, stride: shape.rows,
                                            panels: panels.baseAddress ?? b.baseAddress!,
                                            c: c.baseAddress!, cStride: cStride, start: start,
                                            packing: packing.baseAddress!)
                                    }
                                } else if way == 1 {
                                    BatchKernels.product(
                                        rows: shape.rows, columns: shape.columns, depth: shape.depth, a: a,
                                        panels: panels.baseAddress ?? b.baseAddress!,
                                        c: c.baseAddress!, cStride: cStride, start: start)
                                } else {
                                    BatchKernels.product(
                                        rows: shape.rows, columns: shape.columns, depth: shape.depth, a: a,
                                        b: b.baseAddress!, bStride: bStride,
                                        c: c.baseAddress!, cStride: cStride, start: start)
                                }
                            }
                        }
                    }
                }
            }
            for i in 0..<shape.rows {
                for j in 0..<shape.columns {
                    var sum = mode == 0 ? 0 : mode == 1 ? initial[i * cStride + j] : startRow[j]
                    for p in 0..<shape.depth {
                        sum = sum + a[p * shape.rows + i] * b[p * bStride + j]
                    }
                    #expect(
                        c[i * cStride + j].bitPattern == sum.bitPattern,
                        "mode \(mode), way \(way) at (\(i), \(j))")
                }
                // The padding between rows is never written.
                #expect(c[i * cStride + shape.columns] == initial[i * cStride + shape.columns])
            }
        }
    }
}

extension BatchKernelTests {
    /// The weight gradient packs its right-hand side from three buffers (ones, inputs, hidden
    /// states): packing a matrix as column ranges of the whole, each from its own buffer and
    /// stride, writes exactly the panels of the whole.
    @Test(arguments: shapes)
    func packingInPartsGivesThePanelsOfTheWhole(_ shape: Shape) {
        var generator = Xoshiro256StarStar(seed: UInt64(shape.depth * 1000 + shape.columns))
        let (depth, columns) = (shape.depth, shape.columns)
        let whole = (0..<(depth * columns)).map { _ in generator.nextDouble(in: -1, 1) }
        var expected = [Double](repeating: .nan, count: depth * columns)
        whole.withUnsafeBufferPointer { b in
            expected.withUnsafeMutableBufferPointer { panels in
                BatchKernels.pack(
                    b.baseAddress!, stride: columns, depth: depth, columns: columns, into: panels.baseAddress!)
            }
        }
        // Three parts, the middle one possibly empty, each copied into a buffer of its own stride.
        let cuts = [0, columns / 3, columns / 3 + (columns % 3 == 1 ? 0 : columns / 3 + 1), columns]
        var packed = [Double](repeating: .nan, count: depth * columns)
        for part in 0..<3 {
            let (first, count) = (cuts[part], cuts[part + 1] - cuts[part])
            let stride = count + part + 1
            var buffer = [Double](repeating: 0, count: max(depth * stride, 1))
            for p in 0..<depth {
                for l in 0..<count {
                    buffer[p * stride + l] = whole[p * columns + first + l]
                }
            }
            buffer.withUnsafeBufferPointer { b in
                packed.withUnsafeMutableBufferPointer { panels in
                    BatchKernels.pack(
                        b.baseAddress!, stride: stride, depth: depth, columns: count, into: panels.baseAddress!,
                        asColumnsFrom: first, of: columns)
                }
            }
        }
        #expect(packed.map(\.bitPattern) == expected.map(\.bitPattern), "cuts \(cuts)")
    }
}

@Suite struct BatchGradientTests {
    static let cases: [BatchCase] = [
        BatchCase(loss: .h0Squared, outputs: 1, batchSize: 1, masked: false, cellOutput: .identity, categories: false),
        BatchCase(loss: .h0Squared, outputs: 1, batchSize: 5, masked: true, cellOutput: .tanh, categories: true),
        BatchCase(loss: .mseReadout, outputs: 1, batchSize: 2, masked: true, cellOutput: .identity, categories: false),
        BatchCase(loss: .mseReadout, outputs: 1, batchSize: 5, masked: false, cellOutput: .tanh, categories: false),
        BatchCase(loss: .mse, outputs: 1, batchSize: 1, masked: true, cellOutput: .tanh, categories: true),
        BatchCase(loss: .mse, outputs: 3, batchSize: 2, masked: false, cellOutput: .identity, categories: true),
        BatchCase(loss: .mse, outputs: 3, batchSize: 5, masked: true, cellOutput: .tanh, categories: false),
        BatchCase(loss: .mse, outputs: 3, batchSize: 1, masked: false, cellOutput: .identity, categories: false),
        BatchCase(loss: .crossEntropy, outputs: 1, batchSize: 2, masked: false, cellOutput: .tanh, categories: false),
        BatchCase(loss: .crossEntropy, outputs: 3, batchSize: 1, masked: true, cellOutput: .identity, categories: true),
        BatchCase(loss: .crossEntropy, outputs: 3, batchSize: 2, masked: true, cellOutput: .tanh, categories: false),
        BatchCase(
            loss: .crossEntropy, outputs: 3, batchSize: 5, masked: false, cellOutput: .identity, categories: true),
        BatchCase(
            loss: .crossEntropy, outputs: 3, batchSize: 5, masked: true, cellOutput: .tanh, categories: false,
            inputSize: 2, hiddenSize: 9, sequenceLength: 3, seed: 7),
    ]

    @Test(arguments: cases)
    func backpropagationMatchesCentralDifferences(_ c: BatchCase) {
        let network = c.network()
        let results = GradientCheck().run(on: network, batch: c.batch(), limit: 60)
        let worst = results.map(\.maxRelativeError).max() ?? .nan
        print("batched gradient check \(c.testDescription): max relative error \(worst)")
        #expect(results.count == (c.loss == .h0Squared ? 2 : 3))
        for result in results {
            #expect(result.checked > 0)
            #expect(result.maxRelativeError < 1e-5, "\(result.group) at \(result.worstIndex)")
        }
    }

    @Test(arguments: cases)
    func lossAndGradientFollowTheDocumentedSummationOrderBitForBit(_ c: BatchCase) {
        let batch = c.batch()
        let (loss, gradient) = c.network().lossAndGradient(batch)
        let reference = BatchReference.lossAndGradient(
            parameters: c.parameters(), outputSize: c.outputs, cellOutput: c.cellOutput, loss: c.loss, batch: batch)
        #expect(loss.bitPattern == reference.loss.bitPattern)
        let differing = zip(gradient.values, reference.gradient).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0)
    }

    @Test func aWrongGradientIsCaught() {
        // The check must be able to fail: its numeric side sees a loss whose targets differ from
        // the ones the analytic side was computed with.
        let c = Self.cases[6]
        let network = c.network()
        let analytic = network.lossAndGradient(c.batch()).gradient.values
        var shifted = c.batch()
        if case .values(let values) = shifted.targets {
            shifted.targets = .values(values.map { $0 * 1.5 })
        }
        let numeric = network.lossAndGradient(shifted).gradient.values
        #expect(zip(analytic, numeric).contains { abs($0 - $1) > 1e-6 * max(abs($0), 1e-6) })
    }

    @Test func categoryInputsGiveTheBitsOfOneHotDenseInputs() {
        let c = BatchCase(
            loss: .crossEntropy, outputs: 3, batchSize: 5, masked: true, cellOutput: .tanh, categories: true)
        let categorical = c.batch()
        guard case .categories(let indices) = categorical.inputs else { return }
        var dense = categorical
        dense.inputs = .dense(indices.flatMap { index in (0..<c.inputSize).map { $0 == index ? 1.0 : 0.0 } })
        let a = c.network().lossAndGradient(categorical)
        let b = c.network().lossAndGradient(dense)
        #expect(a.loss.bitPattern == b.loss.bitPattern)
        #expect(a.gradient.values.map(\.bitPattern) == b.gradient.values.map(\.bitPattern))
    }

    @Test func maskedStepsContributeNothing() {
        let c = BatchCase(loss: .mse, outputs: 3, batchSize: 2, masked: true, cellOutput: .identity, categories: false)
        let batch = c.batch()
        var changed = batch
        guard case .values(var values) = batch.targets else { return }
        for (q, counts) in batch.mask.enumerated() where !counts {
            for j in 0..<3 { values[q * 3 + j] = 100 }
        }
        changed.targets = .values(values)
        let a = c.network().lossAndGradient(batch)
        let b = c.network().lossAndGradient(changed)
        #expect(a.loss == b.loss)
        #expect(a.gradient == b.gradient)
    }
}

@Suite struct BatchLossValueTests {
    /// A network whose LSTM weights are zero, so `h(t) = 0` and `y(t) = by` exactly.
    static func constantOutputNetwork(_ loss: BatchLoss, readoutBias: [Double]) -> LSTMBatchNetwork {
        var parameters = LSTMParameters(
            inputSize: 2, hiddenSize: 3, readoutSize: loss.readoutSize(hiddenSize: 3, outputSize: readoutBias.count))
        for j in 0..<(readoutBias.count * 3) { parameters.values[parameters.readoutRange.lowerBound + j] = 0.25 }
        for (j, value) in readoutBias.enumerated() {
            parameters.values[parameters.readoutRange.lowerBound + readoutBias.count * 3 + j] = value
        }
        return LSTMBatchNetwork(
            parameters: parameters, outputSize: readoutBias.count, loss: loss, batchCapacity: 2, sequenceCapacity: 3)
    }

    static func batch(_ targets: SequenceBatch.Targets, mask: [Bool]) -> SequenceBatch {
        SequenceBatch(
            batchSize: 1, sequenceLength: 3, inputSize: 2, inputs: .dense([0.3, -0.7, 0.1, 0.9, -0.2, 0.4]),
            targets: targets, mask: mask)
    }

    @Test func softmaxCrossEntropyMatchesAHandComputedValueAndGradient() {
        // y = [0.5, -1, 2] at every step; the scored steps have labels 0 and 1 (mpmath, 40 digits):
        // p = [0.17529039214003669, 0.039112573270687452, 0.78559703458927586],
        // L = (-log p0 - log p1) / 2, dby = ((p - e0) + (p - e1)) / 2, dWy = 0 (h = 0).
        let network = Self.constantOutputNetwork(.crossEntropy, readoutBias: [0.5, -1, 2])
        let batch = Self.batch(.labels([0, 2, 1]), mask: [true, false, true])
        let (loss, gradient) = network.lossAndGradient(batch)
        #expect(abs(loss - 2.491311296657157060) <= 2e-16 * 2.5)
        let dReadout = Array(gradient.readout)
        let expected = [-0.3247096078599633100, -0.4608874267293125480, 0.7855970345892758581]
        for j in 0..<3 {
            #expect(abs(dReadout[9 + j] - expected[j]) <= 4e-16, "dby[\(j)]")
        }
        #expect(dReadout.prefix(9).allSatisfy { $0 == 0 })
        // One scored step alone: -log p0 = 1.7413112966571570602.
        let single = network.lossAndGradient(Self.batch(.labels([0, 2, 1]), mask: [true, false, false])).loss
        #expect(abs(single - 1.7413112966571570602) <= 2e-16 * 1.75)
    }

    @Test func crossEntropyIsStableForLargeOutputs() {
        let network = Self.constantOutputNetwork(.crossEntropy, readoutBias: [1000, 0, 1000])
        let evaluation = network.evaluate(Self.batch(.labels([0, 1, 2]), mask: [true, true, true]))
        // -log softmax: ln 2 for labels 0 and 2, 1000 + ln 2 for label 1.
        #expect(abs(evaluation.loss - (1000 / 3 + 0.6931471805599453)) < 1e-12)
        // Accuracy: the argmax of [1000, 0, 1000] is 0 (ties go to the lowest index).
        #expect(evaluation.accuracy == 1.0 / 3)
    }

    @Test func mseIsTheMeanOverScoredStepsAndOutputs() {
        let network = Self.constantOutputNetwork(.mse, readoutBias: [0.5, -1])
        let targets: [Double] = [0.5, 0, 9, 9, 1.5, -3]
        let batch = Self.batch(.values(targets), mask: [true, false, true])
        let (loss, gradient) = network.lossAndGradient(batch)
        // errors: [0, -1] and [-1, 2]: (0 + 1 + 1 + 4) / 4.
        #expect(loss == 1.5)
        #expect(Array(gradient.readout.suffix(2)) == [-0.5, 0.5])  // 2 e / 4 summed over steps
        #expect(network.evaluate(batch).accuracy == nil)
    }

    @Test func h0SquaredAndMSEReadoutKeepTheirMeaningsFromLSTMNetwork() {
        // The same training set through both networks: one batch of all its sequences.
        for (old, new): (any SequenceLoss, BatchLoss) in [
            (H0SquaredLoss(), .h0Squared), (MSEReadoutLoss(), .mseReadout),
        ] {
            var generator = Xoshiro256StarStar(seed: 9)
            let parameters = LSTMParameters.random(
                inputSize: 3, hiddenSize: 6, readoutSize: old.readoutSize(hiddenSize: 6), scale: 1, using: &generator)
            let data = TrainingSet(
                inputSize: 3, sequenceLength: 4, inputs: (0..<36).map { _ in generator.nextDouble(in: -1, 1) },
                targets: (0..<12).map { _ in generator.nextDouble(in: -0.5, 0.5) }, mask: (0..<12).map { $0 % 5 != 2 })
            let reference = LSTMNetwork(parameters: parameters, loss: old, trainingSet: data).lossAndGradient()
            let batched = LSTMBatchNetwork(
                parameters: parameters, loss: new, batchCapacity: 3, sequenceCapacity: 4
            ).lossAndGradient(SequenceBatch(data))
            #expect(abs(batched.loss - reference.loss) <= 1e-14 * reference.loss, "\(new)")
            let worst = zip(batched.gradient.values, reference.gradient.values).map {
                abs($0 - $1) / max(abs($1), 1e-12)
            }.max()!
            #expect(worst < 1e-11, "\(new)")
        }
    }
}

@Suite struct BatchTrainingTests {
    @Test(arguments: CellOutput.allCases)
    func oneSequenceBatchesFollowLSTMNetworksLossCurve(_ output: CellOutput) {
        // The reference problem shrunk (X=20, H=24) to stay fast in a debug build; SGD 0.1.
        let (parameters, data) = ReferenceProblem.make(inputSize: 20, hiddenSize: 24, seed: 4)
        let reference = LSTMNetwork(parameters: parameters, cellOutput: output, trainingSet: data).train(iterations: 60)
        let network = LSTMBatchNetwork(
            parameters: parameters, cellOutput: output, batchCapacity: 1, sequenceCapacity: 4)
        let batch = SequenceBatch(data)
        let losses = (0..<60).map { _ in network.step(batch) }
        let relative = zip(losses, reference).map { abs($0 - $1) / abs($1) }
        let identical = zip(losses, reference).filter { $0.bitPattern == $1.bitPattern }.count
        print(
            "B=1 batched vs LSTMNetwork (\(output)): max relative difference \(relative.prefix(10).max()!) over 10 "
                + "iterations, \(relative.max()!) over 60; \(identical) of 60 losses bit-identical")
        #expect(relative.prefix(10).max()! <= 1e-13)
        #expect(relative.max()! <= 1e-10)
        #expect(losses[59] < losses[0] / 20)
    }

    @Test func oneSequenceBatchesFollowLSTMNetworkOnTheReferenceProblem() {
        // X=50, H=100, T=4, SGD 0.1, 10 iterations (more would be slow in a debug build; over 100
        // the two orders drift apart chaotically, to 3.5e-8 for tanh, as the NumPy reference does).
        let (parameters, data) = ReferenceProblem.make()
        let reference = LSTMNetwork(parameters: parameters, trainingSet: data).train(iterations: 10)
        let network = LSTMBatchNetwork(parameters: parameters, batchCapacity: 1, sequenceCapacity: 4)
        let batch = SequenceBatch(data)
        let relative = zip((0..<10).map { _ in network.step(batch) }, reference).map { abs($0 - $1) / abs($1) }
        print("reference problem, B=1 batched vs LSTMNetwork: max relative difference \(relative.max()!) over 10")
        #expect(relative.max()! <= 1e-12)
    }

    @Test func aBatchBeyondTheCapacityStops() async {
        await #expect(processExitsWith: .failure) {
            let c = BatchCase(
                loss: .mse, outputs: 3, batchSize: 2, masked: false, cellOutput: .tanh, categories: false)
            c.network().step(c.batch(size: 3))
        }
    }

    @Test func aSmallerLastBatchGivesTheBitsOfANetworkSizedForIt() {
        let c = BatchCase(loss: .mse, outputs: 3, batchSize: 5, masked: true, cellOutput: .tanh, categories: false)
        let small = c.batch(size: 3)
        let large = c.network()  // capacity 5
        large.step(c.batch())
        let fitted = LSTMBatchNetwork(
            parameters: large.parameters, outputSize: 3, cellOutput: .tanh, loss: .mse, batchCapacity: 3,
            sequenceCapacity: 4)
        let a = large.lossAndGradient(small)
        let b = fitted.lossAndGradient(small)
        #expect(a.loss.bitPattern == b.loss.bitPattern)
        #expect(a.gradient.values.map(\.bitPattern) == b.gradient.values.map(\.bitPattern))
        // Shorter sequences fit too.
        let short = BatchCase(
            loss: .mse, outputs: 3, batchSize: 2, masked: false, cellOutput: .tanh, categories: false,
            sequenceLength: 2)
        #expect(large.lossAndGradient(short.batch()).loss.isFinite)
    }

    @Test func aLargerBatchAfterASmallerOneGivesTheBitsOfAFreshNetwork() {
        // A smaller batch writes h(t) where a larger batch keeps h(-1) = 0 (the last batch of an
        // epoch, then the first of the next): the larger batch's gradient must not see it.
        let c = BatchCase(loss: .mse, outputs: 3, batchSize: 5, masked: true, cellOutput: .tanh, categories: false)
        let used = c.network()
        used.step(c.batch(size: 1))
        let fresh = LSTMBatchNetwork(
            parameters: used.parameters, outputSize: 3, cellOutput: .tanh, loss: .mse, batchCapacity: 5,
            sequenceCapacity: 4)
        let a = used.lossAndGradient(c.batch())
        let b = fresh.lossAndGradient(c.batch())
        #expect(a.loss.bitPattern == b.loss.bitPattern)
        #expect(a.gradient.values.map(\.bitPattern) == b.gradient.values.map(\.bitPattern))
    }

    @Test func clippingScalesTheGradientToTheNorm() {
        let c = BatchCase(loss: .mse, outputs: 3, batchSize: 5, masked: true, cellOutput: .tanh, categories: true)
        let gradient = c.network().lossAndGradient(c.batch()).gradient.values
        let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let clipped = c.network(optimizer: SGD(learningRate: 1), clip: norm / 4)
        let before = clipped.parameters.values
        clipped.step(c.batch())
        let moved = zip(before, clipped.parameters.values).map { $0 - $1 }
        #expect(abs(moved.reduce(0) { $0 + $1 * $1 }.squareRoot() - norm / 4) < 1e-12 * norm)
        let unclipped = c.network(optimizer: SGD(learningRate: 1), clip: norm * 2)
        let plain = c.network(optimizer: SGD(learningRate: 1))
        unclipped.step(c.batch())
        plain.step(c.batch())
        #expect(unclipped.parameters == plain.parameters)
    }

    static func trainGolden() -> (losses: [Double], values: [Double]) {
        let c = BatchCase(
            loss: .crossEntropy, outputs: 3, batchSize: 7, masked: true, cellOutput: .tanh, categories: false,
            inputSize: 3, hiddenSize: 9, sequenceLength: 5, seed: 21)
        let network = c.network(optimizer: RMSProp(learningRate: 0.01), clip: 1.0)
        let batch = c.batch()
        let losses = (0..<5).map { _ in network.step(batch) }
        return (losses, network.parameters.values)
    }

    /// FNV-1a over the bit patterns.
    static func digest(_ values: [Double]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values {
            var bits = value.bitPattern
            for _ in 0..<8 {
                hash = (hash ^ (bits & 0xff)) &* 0x0000_0100_0000_01b3
                bits >>= 8
            }
        }
        return hash
    }

    @Test func goldenBitsPinTheBatchedSummationOrder() {
        // Pinned from this implementation: a change here changes what recorded batched runs compute.
        let (losses, values) = Self.trainGolden()
        print(
            "golden: losses \(losses.map { String($0.bitPattern, radix: 16) }), digest \(String(Self.digest(values), radix: 16))"
        )
        #expect(losses.map(\.bitPattern) == Self.goldenLosses)
        #expect(Self.digest(values) == Self.goldenDigest)
    }

    static let goldenLosses: [UInt64] = [
        0x3ff2_7103_2c4e_f8a2, 0x3ff1_c70b_34d1_dca7, 0x3ff1_55e9_72fd_61d5, 0x3ff0_f513_e03e_9f98,
        0x3ff0_9d44_996d_9168,
    ]
    static let goldenDigest: UInt64 = 0x9949_7098_8d36_0d86

    @Test func resultsAreIdenticalBetweenRunsAndAcrossThreads() {
        let serial = Self.trainGolden()
        nonisolated(unsafe) var parallel: [([Double], [Double])?] = [nil, nil, nil, nil]
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let result = Self.trainGolden()
            parallel[index] = result
        }
        for result in parallel {
            #expect(result?.0.map(\.bitPattern) == serial.losses.map(\.bitPattern))
            #expect(result?.1.map(\.bitPattern) == serial.values.map(\.bitPattern))
        }
    }

    @Test(arguments: ["rmsprop", "adam"])
    func optimizersReduceAClassificationLoss(_ name: String) {
        let c = BatchCase(
            loss: .crossEntropy, outputs: 3, batchSize: 5, masked: false, cellOutput: .tanh, categories: true,
            hiddenSize: 8)
        let optimizer: any Optimizer = name == "adam" ? Adam(learningRate: 0.03) : RMSProp(learningRate: 0.01)
        let network = c.network(optimizer: optimizer, clip: 5)
        let batch = c.batch()
        let losses = (0..<80).map { _ in network.step(batch) }
        #expect(losses.last! < losses.first! / 2)
        #expect(network.evaluate(batch).accuracy! > 0.6)
        #expect(network.iteration == 80)
    }
}

@Suite struct RMSPropTests {
    /// Adam and RMSProp update four parameters at a time in SIMD lanes: seven parameters (one
    /// full group and a padded one), three steps, against the scalar formulas bit for bit.
    @Test(arguments: ["rmsprop", "adam"])
    func laneUpdatesAreTheScalarFormulaBitForBit(_ name: String) {
        var optimizer: any Optimizer =
            name == "adam"
            ? Adam(learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-7) : RMSProp(learningRate: 0.01)
        var generator = Xoshiro256StarStar(seed: 7)
        var parameters = (0..<7).map { _ in generator.nextDouble(in: -1, 1) }
        var expected = parameters
        var (m, v) = ([Double](repeating: 0, count: 7), [Double](repeating: 0, count: 7))
        var (beta1Power, beta2Power) = (1.0, 1.0)
        for _ in 0..<3 {
            let g = (0..<7).map { _ in generator.nextDouble(in: -2, 2) }
            parameters.withUnsafeMutableBufferPointer { p in
                g.withUnsafeBufferPointer { optimizer.update(p, gradient: $0) }
            }
            beta1Power *= 0.8
            beta2Power *= 0.99
            for k in 0..<7 {
                if name == "adam" {
                    m[k] = 0.8 * m[k] + (1.0 - 0.8) * g[k]
                    v[k] = 0.99 * v[k] + (1.0 - 0.99) * (g[k] * g[k])
                    let mHat = m[k] / (1.0 - beta1Power)
                    let vHat = v[k] / (1.0 - beta2Power)
                    expected[k] = expected[k] - 0.01 * mHat / (vHat.squareRoot() + 1e-7)
                } else {
                    v[k] = 0.9 * v[k] + (1 - 0.9) * (g[k] * g[k])
                    expected[k] = expected[k] - 0.01 * g[k] / (v[k].squareRoot() + 1e-8)
                }
            }
            #expect(parameters.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test func updateFollowsTheFormula() {
        var optimizer = RMSProp(learningRate: 0.01)
        var parameters: [Double] = [1.0, -2.0, 0.5, 0.0]
        let gradients: [[Double]] = [[0.1, -0.2, 0.0, 3.0], [0.3, 0.1, -0.5, 3.0]]
        var v: [Double] = [0, 0, 0, 0]
        var expected = parameters
        for g in gradients {
            parameters.withUnsafeMutableBufferPointer { p in
                g.withUnsafeBufferPointer { optimizer.update(p, gradient: $0) }
            }
            for k in 0..<4 {
                v[k] = 0.9 * v[k] + (1 - 0.9) * (g[k] * g[k])
                expected[k] = expected[k] - 0.01 * g[k] / (v[k].squareRoot() + 1e-8)
            }
            #expect(parameters == expected)
        }
        // First step by hand: v = 0.1 * 0.01 = 0.001, step = 0.01 * 0.1 / (sqrt(0.001) + 1e-8) = 0.031622766601687.
        var first = RMSProp(learningRate: 0.01)
        var one: [Double] = [1.0]
        one.withUnsafeMutableBufferPointer { p in [0.1].withUnsafeBufferPointer { first.update(p, gradient: $0) } }
        #expect(abs(one[0] - 0.968_377_233_398_313) < 1e-15)
        #expect(first.state["v"]!.count == 1 && abs(first.state["v"]![0] - 0.001) < 1e-18)
    }

    @Test func stateRoundTripsAndResumesWithTheSameBits() {
        let c = BatchCase(loss: .mse, outputs: 3, batchSize: 2, masked: false, cellOutput: .identity, categories: false)
        let batch = c.batch()
        let straight = c.network(optimizer: RMSProp(learningRate: 0.01, decay: 0.8, epsilon: 1e-6))
        for _ in 0..<6 { straight.step(batch) }
        let first = c.network(optimizer: RMSProp(learningRate: 0.01, decay: 0.8, epsilon: 1e-6))
        for _ in 0..<3 { first.step(batch) }
        var restored = RMSProp(learningRate: 0.01, decay: 0.8, epsilon: 1e-6)
        let saved = first.optimizer.state
        #expect(saved.keys.sorted() == ["v"])
        let rejected = restored.restore(["m": [1]])
        #expect(!rejected)
        let accepted = restored.restore(saved)
        #expect(accepted)
        let resumed = LSTMBatchNetwork(
            parameters: first.parameters, outputSize: 3, loss: .mse, optimizer: restored, batchCapacity: 2,
            sequenceCapacity: 4, iteration: 3)
        for _ in 0..<3 { resumed.step(batch) }
        #expect(resumed.parameters.values.map(\.bitPattern) == straight.parameters.values.map(\.bitPattern))
        #expect(resumed.iteration == 6)
    }
}

@Suite struct InitOptionTests {
    @Test func defaultInitScaleGivesTodaysDraws() {
        var a = Xoshiro256StarStar(seed: 5)
        var b = Xoshiro256StarStar(seed: 5)
        let old = LSTMParameters.random(inputSize: 4, hiddenSize: 7, readoutSize: 8, using: &a)
        let new = LSTMParameters.random(inputSize: 4, hiddenSize: 7, readoutSize: 8, initScale: 0.05, using: &b)
        #expect(old.values.map(\.bitPattern) == new.values.map(\.bitPattern))
    }

    @Test func initScaleBoundsTheDrawsAndForgetBiasShiftsOnlyTheForgetGate() {
        var a = Xoshiro256StarStar(seed: 6)
        var b = Xoshiro256StarStar(seed: 6)
        let plain = LSTMParameters.random(inputSize: 3, hiddenSize: 5, initScale: 0.3, using: &a)
        let shifted = LSTMParameters.random(inputSize: 3, hiddenSize: 5, initScale: 0.3, forgetBias: 1, using: &b)
        #expect(plain.values.allSatisfy { $0 >= -0.3 && $0 < 0.3 })
        #expect(plain.values.contains { $0 > 0.2 } && plain.values.contains { $0 < -0.2 })
        #expect(shifted.gateBias(.f) == plain.gateBias(.f).map { $0 + 1 })
        for gate in [Gate.g, .i, .o] {
            #expect(shifted.gateBias(gate) == plain.gateBias(gate))
        }
        #expect(shifted.weights == plain.weights)
    }
}
