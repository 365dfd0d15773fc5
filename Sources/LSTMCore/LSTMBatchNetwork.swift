/// The LSTM of ``LSTMNetwork`` trained on minibatches: every large operation is one matrix
/// product over the batch (and, where the data allow, over all steps).
///
/// The cell is the same (gates over `[x(t), h(t-1)]`, fused weights `[4H, X+H]` in gate order
/// g, i, f, o, bias `[4H]`, `h = s ⊙ o` or `tanh(s) ⊙ o`, DeterministicMath's `tanh` and
/// `sigmoid`), with a readout `y(t) = Wy h(t) + by` of `K` outputs and a ``BatchLoss``. A
/// training iteration, for `B` sequences of `T` steps:
///
/// - per step, the input projection `P(t) = b + W_x x(t)`, one product `[B, X] x [X, 4H]` (for
///   category inputs a gather of columns of `W_x`, for all steps up front), then
///   `z(t) = P(t) + W_h h(t-1)`, one product `[B, H] x [H, 4H]`, then the gates;
/// - the readout of all steps, `Y = H Wy^T + by`, one product `[T B, H] x [H, K]`;
/// - going back, per step, `dh(t-1) = W_h^T dz(t)`, one product `[B, 4H] x [4H, H]`;
/// - the weight and bias gradient `sum dz [x, h(t-1), 1]^T` over all steps and sequences, one
///   product `[4H, T B] x [T B, X+H+1]`, and the readout's likewise.
///
/// ## Summation order (the reproducibility contract of the batched path)
///
/// Every product follows ``BatchKernels``' rule: each element starts from its start value and
/// adds its terms one at a time in ascending order of the summed index, one rounding a multiply
/// and one an add. Concretely, with `n = t B + b` the index of step `t` of sequence `b`:
///
/// - `z[r] = bias[r] + W[r,0] x[0] + ... + W[r,X-1] x[X-1] + W[r,X] h[0] + ... + W[r,X+H-1] h[H-1]`
///   for each (sequence, step), `x = x(t)`, `h = h(t-1)`, left to right (a category input adds
///   the one column `W[r, c]`; at `t = 0` the `h` terms are not added);
/// - `y[b][j] = by[j] + Wy[j,0] h[0] + ... + Wy[j,H-1] h[H-1]`, left to right;
/// - the loss: a running sum from 0 over sequences `b` ascending, then steps `t` ascending, of
///   each scored pair's term (for `mse`, the pair's `K` terms summed from 0, `j` ascending);
/// - `dL/dh(t) = (W[0,X+k] dz(t+1)[0] + ... + W[4H-1,X+k] dz(t+1)[4H-1]) + (Wy[0,k] dy[0] + ... +
///   Wy[K-1,k] dy[K-1])`, each bracket from 0 (the first is 0 at the last step; for
///   `h0-squared` the second is `dy` at `k = 0` and nothing elsewhere), then the cell's local
///   derivatives with ``LSTMNetwork``'s formulas;
/// - `dW[r,c] = sum_n dz_n[r] xc_n[c]`, `db[r] = sum_n dz_n[r]`, `dWy[j,k] = sum_n dy_n[j] h_n[k]`
///   and `dby[j] = sum_n dy_n[j]`, each from 0 with `n` ascending (steps ascending, then
///   sequences within a step); a category input adds only its nonzero terms, in the same order;
/// - clipping and the optimizer as in ``LSTMNetwork`` (front to back over the flat parameters).
///
/// These orders differ from ``LSTMNetwork``'s (whose dot products split into eight lanes), so
/// the two agree to rounding, not bit for bit. Category inputs give the bits of the equivalent
/// one-hot dense inputs (for finite weights, up to the sign of a zero).
///
/// The network owns its scratch memory (allocated once, in `init`, for the capacities given), so
/// an iteration does not allocate. It is not thread-safe: each trial owns one.
public final class LSTMBatchNetwork {
    /// `identity` or `tanh`.
    public let cellOutput: CellOutput
    /// The loss.
    public let loss: BatchLoss
    /// `K`, the number of outputs a step (1 for `h0-squared` and `mse-readout`).
    public let outputSize: Int
    /// The update rule and its state.
    public private(set) var optimizer: any Optimizer
    /// When set, the gradient is scaled to this global L2 norm whenever its norm exceeds it.
    public let gradientClipNorm: Double?
    /// The number of updates applied so far.
    public private(set) var iteration: Int
    /// The largest batch the network accepts.
    public let batchCapacity: Int
    /// The longest sequence the network accepts.
    public let sequenceCapacity: Int

    private var values: [Double]
    private let shape: LSTMParameters
    private let workspace: BatchWorkspace

    /// Creates a network from its initial parameters (or, to resume, from a checkpoint's
    /// parameters, its optimizer with restored state and the number of updates already applied).
    ///
    /// - Parameters:
    ///   - parameters: the weights, bias and readout (`Wy` `[K, H]` row-major, then `by` `[K]`).
    ///   - outputSize: `K`.
    ///   - cellOutput: `identity` or `tanh`.
    ///   - loss: the loss.
    ///   - optimizer: the update rule.
    ///   - gradientClipNorm: the global gradient norm to clip to, if any.
    ///   - batchCapacity: the largest batch size `B` to be passed.
    ///   - sequenceCapacity: the longest sequence length `T` to be passed.
    ///   - iteration: the number of updates already applied.
    /// - Precondition: the readout size is `loss.readoutSize(hiddenSize: H, outputSize: K)`,
    ///   `K == 1` for `h0-squared` and `mse-readout`, `K >= 1`, and the capacities are at least 1.
    public init(
        parameters: LSTMParameters,
        outputSize: Int = 1,
        cellOutput: CellOutput = .identity,
        loss: BatchLoss = .h0Squared,
        optimizer: any Optimizer = SGD(learningRate: 0.1),
        gradientClipNorm: Double? = nil,
        batchCapacity: Int,
        sequenceCapacity: Int,
        iteration: Int = 0
    ) {
        precondition(outputSize >= 1, "a network has at least one output")
        precondition(
            loss == .mse || loss == .crossEntropy || outputSize == 1,
            "h0-squared and mse-readout have one output"
        )
        precondition(
            parameters.readoutSize == loss.readoutSize(hiddenSize: parameters.hiddenSize, outputSize: outputSize),
            "readout size does not match the loss and output size"
        )
        precondition(batchCapacity >= 1 && sequenceCapacity >= 1, "capacities must be at least 1")
        self.cellOutput = cellOutput
        self.loss = loss
        self.outputSize = outputSize
        self.optimizer = optimizer
        self.gradientClipNorm = gradientClipNorm
        self.iteration = iteration
        self.batchCapacity = batchCapacity
        self.sequenceCapacity = sequenceCapacity
        values = parameters.values
        shape = parameters.zerosLike()
        workspace = BatchWorkspace(
            inputSize: parameters.inputSize,
            hiddenSize: parameters.hiddenSize,
            outputSize: outputSize,
            steps: batchCapacity * sequenceCapacity,
            batchCapacity: batchCapacity,
            parameterCount: parameters.values.count
        )
    }

    /// The current parameters.
    public var parameters: LSTMParameters {
        var result = shape
        result.values = values
        return result
    }

    // MARK: - Training

    /// One iteration on `batch`: forward pass, backward pass, clipping, one optimizer update.
    ///
    /// - Returns: the loss of the forward pass, before the update.
    @discardableResult
    public func step(_ batch: SequenceBatch) -> Double {
        check(batch)
        let value = values.withUnsafeMutableBufferPointer { parameters in
            let base = UnsafePointer(parameters.baseAddress!)
            let value = forward(base, batch).loss
            backward(base, batch)
            if let clip = gradientClipNorm {
                Kernels.clip(workspace.gradient, toNorm: clip)
            }
            optimizer.update(parameters, gradient: UnsafeBufferPointer(workspace.gradient))
            return value
        }
        iteration += 1
        return value
    }

    /// The loss of the current parameters on `batch` and its gradient, without an update.
    public func lossAndGradient(_ batch: SequenceBatch) -> (loss: Double, gradient: LSTMParameters) {
        check(batch)
        let value = values.withUnsafeBufferPointer { parameters in
            let value = forward(parameters.baseAddress!, batch).loss
            backward(parameters.baseAddress!, batch)
            return value
        }
        var gradient = shape
        gradient.values = Array(workspace.gradient)
        return (value, gradient)
    }

    /// The loss of other parameters of the same shape on `batch` (the network's own parameters
    /// are left as they are); used by the gradient check.
    ///
    /// - Precondition: `parameters` has this network's shape.
    public func loss(at parameters: LSTMParameters, on batch: SequenceBatch) -> Double {
        precondition(parameters.hasSameShape(as: shape), "parameter shapes differ")
        check(batch)
        return parameters.values.withUnsafeBufferPointer { forward($0.baseAddress!, batch).loss }
    }

    /// The loss, the accuracy and the outputs of the current parameters on `batch`, from one
    /// forward pass.
    public func evaluate(_ batch: SequenceBatch) -> BatchEvaluation {
        check(batch)
        let (value, correct, scored) = values.withUnsafeBufferPointer { forward($0.baseAddress!, batch) }
        let k = outputSize
        let b = batch.batchSize
        let steps = batch.sequenceLength
        var outputs = Array(repeating: 0.0, count: b * steps * k)
        for sequence in 0..<b {
            for t in 0..<steps {
                for j in 0..<k {
                    outputs[(sequence * steps + t) * k + j] = workspace.outputs[(t * b + sequence) * k + j]
                }
            }
        }
        let accuracy: Double? =
            loss.isClassification ? (scored == 0 ? 0 : Double(correct) / Double(scored)) : nil
        return BatchEvaluation(loss: value, accuracy: accuracy, scoredSteps: scored, outputs: outputs)
    }

    private func check(_ batch: SequenceBatch) {
        precondition(batch.batchSize <= batchCapacity, "the batch exceeds the network's batch capacity")
        precondition(batch.sequenceLength <= sequenceCapacity, "the sequences exceed the network's capacity")
        precondition(batch.inputSize == shape.inputSize, "input sizes differ")
        switch batch.targets {
        case .values(let targets):
            precondition(!loss.isClassification, "cross-entropy needs labels")
            precondition(targets.count == batch.mask.count * outputSize, "targets must be [B, T, K]")
        case .labels(let labels):
            precondition(loss.isClassification, "labels need cross-entropy")
            precondition(
                zip(labels, batch.mask).allSatisfy { !$1 || ($0 >= 0 && $0 < outputSize) },
                "a scored label must lie in 0..<K"
            )
        }
    }

    // MARK: - Forward

    /// Runs the batch forward, leaving the activations, the outputs and `dl/dy` in the workspace.
    ///
    /// - Returns: the loss, the number of scored pairs whose argmax is their label, and `n`.
    private func forward(
        _ parameters: UnsafePointer<Double>,
        _ batch: SequenceBatch
    ) -> (loss: Double, correct: Int, scored: Int) {
        let h = shape.hiddenSize
        let x = shape.inputSize
        let rowLength = x + h
        let gateRows = 4 * h
        let gs = workspace.gateStride
        let hs = workspace.hiddenStride
        let b = batch.batchSize
        let steps = batch.sequenceLength
        let count = b * steps
        let k = outputSize
        let ws = workspace
        let weights = parameters
        let bias = parameters + shape.biasRange.lowerBound
        let readout = parameters + shape.readoutRange.lowerBound
        // h(-1) = 0: slot 0 of this batch size (a smaller batch before it left h(t) there, and the
        // weight gradient reads slot 0 as h(-1)).
        ws.hidden.update(repeating: 0, count: b * hs)
        // W^T, [X+H, 4H]: row c holds column c of W, so a step's product reads it row by row.
        for r in 0..<gateRows {
            let row = weights + r * rowLength
            for c in 0..<rowLength {
                ws.weightsT[c * gs + r] = row[c]
            }
        }
        // W_h^T again, in the column panels every step's product reads.
        BatchKernels.pack(ws.weightsT + x * gs, stride: gs, depth: h, columns: gateRows, into: ws.recurrentPanels)
        let gates = ws.gates  // [T, B, 4H]
        let dense: Bool
        switch batch.inputs {
        case .dense(let inputs):
            // x, [T, B, X]: time-major, so that each step's rows are contiguous. Each step's input
            // projection, b + W_x x[n], is its own product just before the recurrent one, which
            // then finds the gates in the cache (one product over all steps left T B rows of 4H
            // gates to be read back from memory).
            dense = true
            for sequence in 0..<b {
                for t in 0..<steps {
                    let from = (sequence * steps + t) * x
                    let to = ws.inputs + (t * b + sequence) * x
                    for c in 0..<x {
                        to[c] = inputs[from + c]
                    }
                }
            }
        case .categories(let categories):
            // The input projection of every step, b + W[:, c], a gather into the gate buffer.
            dense = false
            for sequence in 0..<b {
                for t in 0..<steps {
                    let category = categories[sequence * steps + t]
                    ws.categories[t * b + sequence] = category
                    let z = gates + (t * b + sequence) * gs
                    if category < 0 {
                        z.update(from: bias, count: gateRows)
                    } else {
                        let column = ws.weightsT + category * gs
                        for r in 0..<gateRows {
                            z[r] = bias[r] + column[r]
                        }
                    }
                }
            }
        }
        let tanhOutput = cellOutput == .tanh
        let stepSize = b * h
        for t in 0..<steps {
            let z = gates + t * b * gs  // [B, 4H]
            if dense {
                // z(t) = b + x(t) W_x^T.
                BatchKernels.product(
                    rows: b, columns: gateRows, depth: x,
                    a: .init(base: ws.inputs + t * b * x, rowStride: x, depthStride: 1),
                    b: ws.weightsT, bStride: gs,
                    c: z, cStride: gs, start: .row(bias))
            }
            if t > 0 {
                // z(t) += h(t-1) W_h^T: h(t-1) is hidden slot t.
                BatchKernels.product(
                    rows: b, columns: gateRows, depth: h,
                    a: .init(base: ws.hidden + t * b * hs, rowStride: hs, depthStride: 1),
                    panels: ws.recurrentPanels,
                    c: z, cStride: gs, start: .current)
            }
            for sequence in 0..<b {
                let gate = z + sequence * gs
                DeterministicMath.tanh(UnsafeMutableBufferPointer(start: gate, count: h))
                DeterministicMath.sigmoid(UnsafeMutableBufferPointer(start: gate + h, count: 3 * h))
                let offset = t * stepSize + sequence * h
                let state = ws.state + offset
                let previous = t == 0 ? UnsafePointer(ws.zeros) : UnsafePointer(state - stepSize)
                let activated = ws.activated + offset
                let hidden = ws.hidden + ((t + 1) * b + sequence) * hs
                for j in 0..<h {
                    state[j] = gate[j] * gate[h + j] + previous[j] * gate[2 * h + j]
                }
                activated.update(from: state, count: h)
                if tanhOutput {
                    DeterministicMath.tanh(UnsafeMutableBufferPointer(start: activated, count: h))
                }
                for j in 0..<h {
                    hidden[j] = activated[j] * gate[3 * h + j]
                }
            }
        }
        // The outputs of every step, [T, B, K].
        let outputs = ws.outputs
        if loss.readsFirstCell {
            for n in 0..<count {
                outputs[n] = ws.hidden[(b + n) * hs]
            }
        } else {
            for j in 0..<k {
                for c in 0..<h {
                    ws.readoutT[c * k + j] = readout[j * h + c]
                }
            }
            BatchKernels.pack(ws.readoutT, stride: k, depth: h, columns: k, into: ws.readoutPanels)
            BatchKernels.product(
                rows: count, columns: k, depth: h,
                a: .init(base: ws.hidden + b * hs, rowStride: hs, depthStride: 1),
                panels: ws.readoutPanels,
                c: outputs, cStride: k, start: .row(readout + k * h))
        }
        return score(batch)
    }

    /// The loss of the outputs in the workspace, leaving `dl/dy` (zero where the mask is false).
    private func score(_ batch: SequenceBatch) -> (loss: Double, correct: Int, scored: Int) {
        let b = batch.batchSize
        let steps = batch.sequenceLength
        let k = outputSize
        let ws = workspace
        let scored = batch.scoredSteps
        let divisor = loss.divisor(scored: scored, outputs: k)
        var total = 0.0
        var correct = 0
        let scoreOne = { (target: UnsafePointer<Double>, labels: [Int]?) in
            for sequence in 0..<b {
                for t in 0..<steps {
                    let q = sequence * steps + t
                    let n = t * b + sequence
                    let output = ws.outputs + n * k
                    let dOutput = ws.dOutputs + n * k
                    guard batch.mask[q] else {
                        dOutput.update(repeating: 0, count: k)
                        continue
                    }
                    let label = labels?[q] ?? 0
                    total =
                        total
                        + self.loss.term(
                            output: output, target: labels == nil ? target + q * k : target, label: label, outputs: k,
                            divisor: divisor, dOutput: dOutput)
                    if labels != nil && BatchLoss.argmax(output, count: k) == label {
                        correct += 1
                    }
                }
            }
        }
        switch batch.targets {
        case .values(let targets):
            targets.withUnsafeBufferPointer { scoreOne($0.baseAddress!, nil) }
        case .labels(let labels):
            scoreOne(ws.zeros, labels)
        }
        return (total, correct, scored)
    }

    // MARK: - Backward

    /// Backpropagates through time and leaves the whole gradient in the workspace.
    private func backward(_ parameters: UnsafePointer<Double>, _ batch: SequenceBatch) {
        let h = shape.hiddenSize
        let x = shape.inputSize
        let rowLength = x + h
        let gateRows = 4 * h
        let gs = workspace.gateStride
        let hs = workspace.hiddenStride
        let b = batch.batchSize
        let steps = batch.sequenceLength
        let count = b * steps
        let k = outputSize
        let ws = workspace
        let weights = parameters
        let readout = parameters + shape.readoutRange.lowerBound
        let stepSize = b * h
        let firstCell = loss.readsFirstCell
        if !firstCell {
            // dL/dh from the readout at every step, [T, B, H]: dy Wy.
            BatchKernels.pack(readout, stride: h, depth: k, columns: h, into: ws.readoutPanels)
            BatchKernels.product(
                rows: count, columns: h, depth: k,
                a: .init(base: ws.dOutputs, rowStride: k, depthStride: 1),
                panels: ws.readoutPanels,
                c: ws.dHidden, cStride: h, start: .zero)
        }
        let tanhOutput = cellOutput == .tanh
        ws.dhNext.update(repeating: 0, count: stepSize)
        ws.dsNext.update(repeating: 0, count: stepSize)
        // W_h, [4H, H], in the column panels every step's product reads.
        BatchKernels.pack(weights + x, stride: rowLength, depth: gateRows, columns: h, into: ws.backwardPanels)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for sequence in 0..<b {
                let n = t * b + sequence
                let offset = n * h
                // The gates of (t, b), overwritten by dz in place.
                let gate = ws.gates + n * gs
                let activated = ws.activated + offset
                let previous = t == 0 ? UnsafePointer(ws.zeros) : UnsafePointer(ws.state + offset - stepSize)
                let dhNext = ws.dhNext + sequence * h
                let dsNext = ws.dsNext + sequence * h
                let readoutTerm = ws.dHidden + offset
                // dL/dh(t) = recurrent part + readout part, in the dhNext slot.
                if firstCell {
                    dhNext[0] = dhNext[0] + ws.dOutputs[n]
                } else {
                    for j in 0..<h {
                        dhNext[j] = dhNext[j] + readoutTerm[j]
                    }
                }
                Self.cellGradient(
                    gate: gate, hiddenSize: h, activated: activated, previous: previous, dh: UnsafePointer(dhNext),
                    dsNext: dsNext, tanhOutput: tanhOutput)
            }
            if t > 0 {
                // dL/dh(t-1) from the recurrence: dz(t) W_h, [B, 4H] x [4H, H].
                BatchKernels.product(
                    rows: b, columns: h, depth: gateRows,
                    a: .init(base: ws.gates + t * b * gs, rowStride: gs, depthStride: 1),
                    panels: ws.backwardPanels,
                    c: ws.dhNext, cStride: h, start: .zero)
            }
        }
        let gradient = ws.gradient.baseAddress!
        let dz = ws.gates  // [T B, 4H] (rows gs apart), n ascending
        // One product gives dW and db: dz^T [4H, T B] (read from dz, a block at a time) times the
        // columns [x_n | h_n(t-1) | 1], packed
        // from three buffers (hidden slots 0..<T are h(t-1); a category input has no x columns
        // here and adds its terms below), into a [4H, X+H+1] scratch copied into place. Each
        // element is `sum_n dz_n[r] * column_n`, from 0, n ascending: x_n[c] * dz_n[r] and
        // dz_n[r] * 1 are the same products as the rule's.
        let denseColumns: Int
        switch batch.inputs {
        case .dense: denseColumns = x
        case .categories: denseColumns = 0
        }
        let columns = denseColumns + h + 1
        // Zero columns up to a multiple of four: the last panel is then four wide (the 8 by 4
        // tile) rather than up to three single columns (the scalar 4 by 1 tile, a sum's add
        // latency a term). Their results are not read.
        let padded = BatchWorkspace.paddedColumns(columns)
        let panels = ws.gradientPanels
        BatchKernels.pack(
            ws.inputs, stride: x, depth: count, columns: denseColumns, into: panels, asColumnsFrom: 0, of: padded)
        BatchKernels.pack(
            ws.hidden, stride: hs, depth: count, columns: h, into: panels, asColumnsFrom: denseColumns, of: padded)
        BatchKernels.pack(
            ws.ones, stride: 1, depth: count, columns: 1, into: panels, asColumnsFrom: columns - 1, of: padded)
        BatchKernels.pack(
            ws.zeros, stride: 0, depth: count, columns: padded - columns, into: panels, asColumnsFrom: columns,
            of: padded)
        let weightGradient = ws.weightGradient
        BatchKernels.product(
            rows: gateRows, columns: padded, depth: count,
            transposed: dz, stride: gs,
            panels: panels,
            c: weightGradient, cStride: padded, start: .zero, packing: ws.packing)
        let biasGradient = gradient + shape.biasRange.lowerBound
        for r in 0..<gateRows {
            let from = weightGradient + r * padded
            (gradient + r * rowLength + x - denseColumns).update(from: from, count: denseColumns + h)
            biasGradient[r] = from[columns - 1]
        }
        if case .categories = batch.inputs {
            // dW_x^T, [X, 4H] (rows gs apart), in the rows of W^T that only the forward pass reads
            // (it writes them anew first): row c sums dz_n over the steps whose category is c,
            // from 0, n ascending, a contiguous row at a time (summed down the gradient's column c
            // in place, every term landed on another cache line), then is transposed into place.
            let columnsT = ws.weightsT
            for c in 0..<x {
                (columnsT + c * gs).update(repeating: 0, count: gateRows)
            }
            for n in 0..<count {
                let category = ws.categories[n]
                guard category >= 0 else { continue }
                let row = columnsT + category * gs
                let dzn = dz + n * gs
                for r in 0..<gateRows {
                    row[r] = row[r] + dzn[r]
                }
            }
            BatchKernels.transpose(columnsT, rows: x, columns: gateRows, stride: gs, into: gradient, stride: rowLength)
        }
        if !firstCell {
            let dReadout = gradient + shape.readoutRange.lowerBound
            // dWy = sum_n dy_n h_n^T: [K, T B] x [T B, H]; hidden slots 1...T are h(t).
            BatchKernels.product(
                rows: k, columns: h, depth: count,
                a: .init(base: ws.dOutputs, rowStride: 1, depthStride: k),
                b: ws.hidden + b * hs, bStride: hs,
                c: dReadout, cStride: h, start: .zero)
            let dReadoutBias = dReadout + k * h
            dReadoutBias.update(repeating: 0, count: k)
            for n in 0..<count {
                for j in 0..<k {
                    dReadoutBias[j] = dReadoutBias[j] + ws.dOutputs[n * k + j]
                }
            }
        }
    }

    /// The cell's local derivatives for one (sequence, step): `dz` over the activated gates in
    /// place (`[4H]`), and `dL/ds(t-1)` through the forget gate over `dsNext` (`[H]`).
    ///
    /// Four cells at a time in SIMD lanes, then the tail one by one, with the same operations in
    /// the same order per cell (those of ``LSTMNetwork``'s backward pass).
    @inline(__always)
    private static func cellGradient(
        gate: UnsafeMutablePointer<Double>,
        hiddenSize h: Int,
        activated: UnsafePointer<Double>,
        previous: UnsafePointer<Double>,
        dh: UnsafePointer<Double>,
        dsNext: UnsafeMutablePointer<Double>,
        tanhOutput: Bool
    ) {
        typealias Quad = SIMD4<Double>
        func load(_ p: UnsafePointer<Double>) -> Quad { UnsafeRawPointer(p).loadUnaligned(as: Quad.self) }
        func store(_ v: Quad, _ p: UnsafeMutablePointer<Double>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Quad.self)
        }
        let one = Quad(repeating: 1)
        var j = 0
        while j + 4 <= h {
            let g = load(gate + j)
            let i = load(gate + h + j)
            let f = load(gate + 2 * h + j)
            let o = load(gate + 3 * h + j)
            let a = load(activated + j)
            let dhj = load(dh + j)
            let dOut = a * dhj
            let dA = o * dhj
            var ds = tanhOutput ? (one - a * a) * dA : dA
            ds = ds + load(dsNext + j)
            let dg = i * ds
            let di = g * ds
            let df = load(previous + j) * ds
            store((one - g * g) * dg, gate + j)
            store(i * (one - i) * di, gate + h + j)
            store(f * (one - f) * df, gate + 2 * h + j)
            store(o * (one - o) * dOut, gate + 3 * h + j)
            store(ds * f, dsNext + j)
            j += 4
        }
        while j < h {
            let g = gate[j]
            let i = gate[h + j]
            let f = gate[2 * h + j]
            let o = gate[3 * h + j]
            let a = activated[j]
            let dhj = dh[j]
            let dOut = a * dhj
            let dA = o * dhj
            var ds = tanhOutput ? (1.0 - a * a) * dA : dA
            ds = ds + dsNext[j]
            let dg = i * ds
            let di = g * ds
            let df = previous[j] * ds
            gate[j] = (1.0 - g * g) * dg
            gate[h + j] = i * (1.0 - i) * di
            gate[2 * h + j] = f * (1.0 - f) * df
            gate[3 * h + j] = o * (1.0 - o) * dOut
            dsNext[j] = ds * f
            j += 1
        }
    }

    // MARK: - Update

}

/// The result of ``LSTMBatchNetwork/evaluate(_:)``.
public struct BatchEvaluation: Equatable, Sendable {
    /// The loss of the batch.
    public var loss: Double
    /// The fraction of scored pairs whose largest output (the first of equal ones) is their
    /// label, for `cross-entropy` (0 when no pair is scored); `nil` otherwise.
    public var accuracy: Double?
    /// `n`, the number of scored (sequence, step) pairs.
    public var scoredSteps: Int
    /// `[B, T, K]`: the outputs `y` (for `h0-squared`, `h_0`).
    public var outputs: [Double]
}

/// The scratch memory of one batched network, sized for its capacities: allocated once, freed
/// with it. `N = B T` steps at most; step `n = t B + b`.
private final class BatchWorkspace {
    /// The distance between rows of `4H` gates (``gates``, ``weightsT``) and of `H` hidden
    /// values (``hidden``): the row length rounded up to an odd number of 64-byte cache lines, so
    /// that a column of rows does not map to one set of the L1 cache (a 4 KB stride did, and
    /// halved the speed of the products).
    let gateStride: Int
    let hiddenStride: Int
    /// `[X+H, 4H]` (rows ``gateStride`` apart): the fused weights transposed, written by each
    /// forward pass; the backward pass of category inputs then sums `dW_x^T` in its first `X` rows.
    let weightsT: UnsafeMutablePointer<Double>
    /// `[H, K]`: `Wy` transposed.
    let readoutT: UnsafeMutablePointer<Double>
    /// `[N, X]`: dense inputs, time-major.
    let inputs: UnsafeMutablePointer<Double>
    /// `[N]`: category inputs, time-major.
    let categories: UnsafeMutablePointer<Int>
    /// `[N, 4H]` (rows ``gateStride`` apart): the gates' pre-activations, then the activated gates, then (backward) `dz`.
    let gates: UnsafeMutablePointer<Double>
    /// `[N, H]`: the cell state `s`.
    let state: UnsafeMutablePointer<Double>
    /// `[N, H]`: `s` or `tanh(s)`.
    let activated: UnsafeMutablePointer<Double>
    /// `[T+1, B, H]` (rows ``hiddenStride`` apart): slot 0 is `h(-1) = 0`, slot `t + 1` is `h(t)`.
    let hidden: UnsafeMutablePointer<Double>
    /// `[N, K]`: `y`.
    let outputs: UnsafeMutablePointer<Double>
    /// `[N, K]`: `dl/dy`, zero where the mask is false.
    let dOutputs: UnsafeMutablePointer<Double>
    /// `[N, H]`: `dl/dh` through the readout.
    let dHidden: UnsafeMutablePointer<Double>
    /// `[B, H]` each: the recurrent parts of `dL/dh` and `dL/ds` carried back one step.
    let dhNext: UnsafeMutablePointer<Double>
    let dsNext: UnsafeMutablePointer<Double>
    /// `[max(H, K, 3)]`, never written (3: the most zero columns ``paddedColumns(_:)`` adds).
    let zeros: UnsafeMutablePointer<Double>
    /// `[N]`, all 1.
    let ones: UnsafeMutablePointer<Double>
    /// `[4H, X+H+1]` (rows ``paddedColumns(_:)`` apart): `[dW_x | dW_h | db]`, as the weight
    /// gradient's product leaves it.
    let weightGradient: UnsafeMutablePointer<Double>
    /// Room for one block of `dz^T` packed by the weight gradient's product.
    let packing: UnsafeMutablePointer<Double>
    /// Same layout as ``LSTMParameters/values``.
    let gradient: UnsafeMutableBufferPointer<Double>
    /// `W_h^T`, `[H, 4H]`, and `W_h`, `[4H, H]`, packed by ``BatchKernels/pack(_:stride:depth:columns:into:)``
    /// once an iteration for the recurrent products of the forward and the backward pass.
    let recurrentPanels: UnsafeMutablePointer<Double>
    let backwardPanels: UnsafeMutablePointer<Double>
    /// `[N, X+H+1]` and zero columns up to ``paddedColumns(_:)``: the columns
    /// `[x_n | h_n(t-1) | 1]` of the weight gradient's product, packed.
    let gradientPanels: UnsafeMutablePointer<Double>
    /// `[H, K]`: `Wy^T` packed for the readout's product, then `Wy` for `dL/dh`'s.
    let readoutPanels: UnsafeMutablePointer<Double>

    private let storage: UnsafeMutableBufferPointer<Double>
    private let categoryStorage: UnsafeMutableBufferPointer<Int>

    init(
        inputSize x: Int, hiddenSize h: Int, outputSize k: Int, steps n: Int, batchCapacity b: Int, parameterCount: Int
    ) {
        gateStride = Self.padded(4 * h)
        hiddenStride = Self.padded(h)
        let sizes = [
            (x + h) * gateStride, h * k, n * x, n * gateStride, n * h, n * h, (n + b) * hiddenStride, n * k, n * k,
            n * h,
            b * h, b * h,
            max(h, k, 3), parameterCount, BatchKernels.packingCapacity, n, 4 * h * Self.paddedColumns(x + h + 1),
            4 * h * h, 4 * h * h, n * Self.paddedColumns(x + h + 1), h * k,
        ]
        storage = .allocate(capacity: sizes.reduce(0, +))
        storage.initialize(repeating: 0)
        categoryStorage = .allocate(capacity: n)
        categoryStorage.initialize(repeating: -1)
        var cursor = storage.baseAddress!
        func take(_ count: Int) -> UnsafeMutablePointer<Double> {
            defer { cursor += count }
            return cursor
        }
        weightsT = take(sizes[0])
        readoutT = take(sizes[1])
        inputs = take(sizes[2])
        gates = take(sizes[3])
        state = take(sizes[4])
        activated = take(sizes[5])
        hidden = take(sizes[6])
        outputs = take(sizes[7])
        dOutputs = take(sizes[8])
        dHidden = take(sizes[9])
        dhNext = take(sizes[10])
        dsNext = take(sizes[11])
        zeros = take(sizes[12])
        gradient = UnsafeMutableBufferPointer(start: take(sizes[13]), count: parameterCount)
        packing = take(sizes[14])
        ones = take(sizes[15])
        weightGradient = take(sizes[16])
        recurrentPanels = take(sizes[17])
        backwardPanels = take(sizes[18])
        gradientPanels = take(sizes[19])
        readoutPanels = take(sizes[20])
        ones.update(repeating: 1, count: n)
        categories = categoryStorage.baseAddress!
    }

    /// The weight gradient's `columns` (`[x | h | 1]`) rounded up to a multiple of four.
    static func paddedColumns(_ columns: Int) -> Int {
        (columns + 3) / 4 * 4
    }

    /// `length` rounded up to an odd number of 8-double (64-byte) cache lines; never smaller for
    /// a larger `length`.
    static func padded(_ length: Int) -> Int {
        let lines = (length + 7) / 8
        return 8 * (lines % 2 == 0 ? lines + 1 : lines)
    }

    deinit {
        storage.deallocate()
        categoryStorage.deallocate()
    }
}
