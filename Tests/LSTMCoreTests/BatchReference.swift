import LSTMCore
import Testing

/// ``LSTMBatchNetwork``'s documented summation order written as plain scalar loops, one element
/// at a time, with DeterministicMath's scalar functions: if the network's blocked SIMD kernels
/// follow the order its documentation states, the two give the same bits.
enum BatchReference {
    /// The loss of `batch` and the gradient (``LSTMParameters/values`` layout).
    static func lossAndGradient(
        parameters: LSTMParameters,
        outputSize k: Int,
        cellOutput: CellOutput,
        loss: BatchLoss,
        batch: SequenceBatch
    ) -> (loss: Double, gradient: [Double]) {
        let h = parameters.hiddenSize
        let x = parameters.inputSize
        let row = x + h
        let b = batch.batchSize
        let steps = batch.sequenceLength
        let v = parameters.values
        let biasStart = parameters.biasRange.lowerBound
        let readoutStart = parameters.readoutRange.lowerBound
        func w(_ r: Int, _ c: Int) -> Double { v[r * row + c] }
        func wy(_ j: Int, _ c: Int) -> Double { v[readoutStart + j * h + c] }
        func input(_ s: Int, _ t: Int, _ c: Int) -> Double {
            switch batch.inputs {
            case .dense(let values): values[(s * steps + t) * x + c]
            case .categories(let indices): indices[s * steps + t] == c ? 1 : 0
            }
        }
        // [T][B][...]
        var gates = Array(repeating: Array(repeating: Array(repeating: 0.0, count: 4 * h), count: b), count: steps)
        var state = Array(repeating: Array(repeating: Array(repeating: 0.0, count: h), count: b), count: steps)
        var activated = state
        var hidden = state
        var outputs = Array(repeating: Array(repeating: Array(repeating: 0.0, count: k), count: b), count: steps)
        let zeros = Array(repeating: 0.0, count: h)
        for t in 0..<steps {
            for s in 0..<b {
                let previousHidden = t == 0 ? zeros : hidden[t - 1][s]
                var z = Array(repeating: 0.0, count: 4 * h)
                for r in 0..<(4 * h) {
                    var sum = v[biasStart + r]
                    switch batch.inputs {
                    case .dense:
                        for c in 0..<x { sum = sum + w(r, c) * input(s, t, c) }
                    case .categories(let indices):
                        let c = indices[s * steps + t]
                        if c >= 0 { sum = sum + w(r, c) }
                    }
                    if t > 0 {
                        for c in 0..<h { sum = sum + w(r, x + c) * previousHidden[c] }
                    }
                    z[r] = r < h ? DeterministicMath.tanh(sum) : DeterministicMath.sigmoid(sum)
                }
                gates[t][s] = z
                let previousState = t == 0 ? zeros : state[t - 1][s]
                for j in 0..<h {
                    state[t][s][j] = z[j] * z[h + j] + previousState[j] * z[2 * h + j]
                    activated[t][s][j] =
                        cellOutput == .tanh ? DeterministicMath.tanh(state[t][s][j]) : state[t][s][j]
                    hidden[t][s][j] = activated[t][s][j] * z[3 * h + j]
                }
                if loss == .h0Squared {
                    outputs[t][s][0] = hidden[t][s][0]
                } else {
                    for j in 0..<k {
                        var sum = v[readoutStart + k * h + j]
                        for c in 0..<h { sum = sum + wy(j, c) * hidden[t][s][c] }
                        outputs[t][s][j] = sum
                    }
                }
            }
        }
        // The loss, sequences then steps.
        let scored = batch.mask.filter { $0 }.count
        var dOutputs = outputs.map { $0.map { $0.map { _ in 0.0 } } }
        var total = 0.0
        for s in 0..<b {
            for t in 0..<steps where batch.mask[s * steps + t] {
                let y = outputs[t][s]
                switch (loss, batch.targets) {
                case (.h0Squared, .values(let targets)):
                    let error = y[0] - targets[s * steps + t]
                    total = total + error * error
                    dOutputs[t][s][0] = 2 * error
                case (.mse, .values(let targets)), (.mseReadout, .values(let targets)):
                    let divisor = Double(loss == .mse ? scored * k : scored)
                    var sum = 0.0
                    for j in 0..<k {
                        let error = y[j] - targets[(s * steps + t) * k + j]
                        sum = sum + error * error / divisor
                        dOutputs[t][s][j] = 2 * error / divisor
                    }
                    total = total + sum
                case (.crossEntropy, .labels(let labels)):
                    let label = labels[s * steps + t]
                    let largest = y.max()!
                    let e = y.map { DeterministicMath.exp($0 - largest) }
                    var sum = 0.0
                    for value in e { sum = sum + value }
                    let divisor = Double(scored)
                    total = total + (DeterministicMath.log(sum) - (y[label] - largest)) / divisor
                    for j in 0..<k {
                        let p = e[j] / sum
                        dOutputs[t][s][j] = (j == label ? p - 1 : p) / divisor
                    }
                default:
                    fatalError("targets do not fit the loss")
                }
            }
        }
        // Backward.
        var gradient = Array(repeating: 0.0, count: v.count)
        var dz = gates
        var dhNext = Array(repeating: zeros, count: b)
        var dsNext = Array(repeating: zeros, count: b)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for s in 0..<b {
                let z = gates[t][s]
                let previousState = t == 0 ? zeros : state[t - 1][s]
                for j in 0..<h {
                    var readoutTerm = 0.0
                    if loss == .h0Squared {
                        readoutTerm = j == 0 ? dOutputs[t][s][0] : 0
                    } else {
                        for o in 0..<k { readoutTerm = readoutTerm + wy(o, j) * dOutputs[t][s][o] }
                    }
                    let dh = loss == .h0Squared && j != 0 ? dhNext[s][j] : dhNext[s][j] + readoutTerm
                    let (g, i, f, o) = (z[j], z[h + j], z[2 * h + j], z[3 * h + j])
                    let a = activated[t][s][j]
                    let dOut = a * dh
                    let dA = o * dh
                    var ds = cellOutput == .tanh ? (1 - a * a) * dA : dA
                    ds = ds + dsNext[s][j]
                    dz[t][s][j] = (1 - g * g) * (i * ds)
                    dz[t][s][h + j] = i * (1 - i) * (g * ds)
                    dz[t][s][2 * h + j] = f * (1 - f) * (previousState[j] * ds)
                    dz[t][s][3 * h + j] = o * (1 - o) * dOut
                    dsNext[s][j] = ds * f
                }
            }
            for s in 0..<b {
                for c in 0..<h {
                    var sum = 0.0
                    for r in 0..<(4 * h) { sum = sum + w(r, x + c) * dz[t][s][r] }
                    dhNext[s][c] = sum
                }
            }
        }
        for r in 0..<(4 * h) {
            for c in 0..<row {
                var sum = 0.0
                for t in 0..<steps {
                    for s in 0..<b {
                        if c < x {
                            if case .categories = batch.inputs {
                                if input(s, t, c) == 1 { sum = sum + dz[t][s][r] }
                            } else {
                                sum = sum + dz[t][s][r] * input(s, t, c)
                            }
                        } else {
                            sum = sum + dz[t][s][r] * (t == 0 ? 0 : hidden[t - 1][s][c - x])
                        }
                    }
                }
                gradient[r * row + c] = sum
            }
            var sum = 0.0
            for t in 0..<steps {
                for s in 0..<b { sum = sum + dz[t][s][r] }
            }
            gradient[biasStart + r] = sum
        }
        if loss != .h0Squared {
            for j in 0..<k {
                for c in 0..<h {
                    var sum = 0.0
                    for t in 0..<steps {
                        for s in 0..<b { sum = sum + dOutputs[t][s][j] * hidden[t][s][c] }
                    }
                    gradient[readoutStart + j * h + c] = sum
                }
                var sum = 0.0
                for t in 0..<steps {
                    for s in 0..<b { sum = sum + dOutputs[t][s][j] }
                }
                gradient[readoutStart + k * h + j] = sum
            }
        }
        return (total, gradient)
    }
}

/// A small batched problem with random data, for the gradient checks and the order tests.
struct BatchCase: Sendable, CustomTestStringConvertible {
    var loss: BatchLoss
    var outputs: Int
    var batchSize: Int
    var masked: Bool
    var cellOutput: CellOutput
    var categories: Bool
    var inputSize = 3
    var hiddenSize = 5
    var sequenceLength = 4
    var seed: UInt64 = 1

    var testDescription: String {
        "\(loss.rawValue) K=\(outputs) B=\(batchSize) \(cellOutput)" + (masked ? " masked" : "")
            + (categories ? " one-hot" : " dense") + " X=\(inputSize) H=\(hiddenSize) T=\(sequenceLength)"
    }

    /// Parameters larger than the default init (uniform in [-0.5, 0.5)), so that the gates
    /// saturate unevenly and every term of the backward pass matters.
    func parameters(initScale: Double = 0.5) -> LSTMParameters {
        var generator = Xoshiro256StarStar(seed: seed)
        return LSTMParameters.random(
            inputSize: inputSize,
            hiddenSize: hiddenSize,
            readoutSize: loss.readoutSize(hiddenSize: hiddenSize, outputSize: outputs),
            initScale: initScale,
            using: &generator
        )
    }

    /// The case's batch, its data drawn from a generator seeded with `seed + 1000`.
    func batch(size: Int? = nil) -> SequenceBatch {
        var generator = Xoshiro256StarStar(seed: seed + 1000)
        let b = size ?? batchSize
        let steps = b * sequenceLength
        let inputs: SequenceBatch.Inputs =
            categories
            ? .categories((0..<steps).map { _ in generator.nextInt(below: inputSize + 1) - 1 })
            : .dense((0..<(steps * inputSize)).map { _ in generator.nextDouble(in: -1, 1) })
        let targets: SequenceBatch.Targets =
            loss == .crossEntropy
            ? .labels((0..<steps).map { _ in generator.nextInt(below: outputs) })
            : .values((0..<(steps * outputs)).map { _ in generator.nextDouble(in: -0.5, 0.5) })
        // Masked: the first step of each sequence and every third step after it do not count.
        let mask = masked ? (0..<steps).map { $0 % sequenceLength != 0 && $0 % 3 != 1 } : nil
        return SequenceBatch(
            batchSize: b,
            sequenceLength: sequenceLength,
            inputSize: inputSize,
            inputs: inputs,
            targets: targets,
            mask: mask
        )
    }

    func network(optimizer: any Optimizer = SGD(learningRate: 0.1), clip: Double? = nil) -> LSTMBatchNetwork {
        LSTMBatchNetwork(
            parameters: parameters(),
            outputSize: outputs,
            cellOutput: cellOutput,
            loss: loss,
            optimizer: optimizer,
            gradientClipNorm: clip,
            batchCapacity: batchSize,
            sequenceCapacity: sequenceLength
        )
    }
}
