/// An LSTM layer with its loss, trained by backpropagation through time on one training set.
///
/// The "simple LSTM" of the classic BPTT derivation, over `xc(t) = [x(t), h(t-1)]`:
///
///     g = tanh(Wg xc + bg)    i = sigmoid(Wi xc + bi)
///     f = sigmoid(Wf xc + bf) o = sigmoid(Wo xc + bo)
///     s(t) = g ⊙ i + s(t-1) ⊙ f
///     h(t) = s(t) ⊙ o            (cell output `identity`)  or  tanh(s(t)) ⊙ o  (`tanh`)
///
/// with `h(-1) = s(-1) = 0` at the start of every sequence. The backward pass follows
/// `dL(t)/dh(t) = dl(t)/dh(t) + dL(t+1)/dh(t)`, the cell state's gradient carried back through
/// `f`. The network owns its scratch memory (allocated once, in `init`), so an iteration does not
/// allocate. It is not thread-safe: each trial owns one.
public final class LSTMNetwork {
    /// `identity` or `tanh`.
    public let cellOutput: CellOutput
    /// The loss and its readout.
    public let loss: any SequenceLoss
    /// The inputs, targets and mask.
    public let trainingSet: TrainingSet
    /// The update rule and its state.
    public private(set) var optimizer: any Optimizer
    /// When set, the gradient is scaled to this global L2 norm whenever its norm exceeds it.
    public let gradientClipNorm: Double?
    /// The number of updates applied so far.
    public private(set) var iteration = 0

    private var values: [Double]
    /// Whether the workspace's input projection is that of `values`.
    private var projectionIsCurrent = false
    private let shape: LSTMParameters
    private let countedSteps: Int
    private let workspace: Workspace

    /// Creates a network from its initial parameters (or, to resume, from a checkpoint's
    /// parameters, its optimizer with restored state and the number of updates already applied).
    ///
    /// - Precondition: the parameters' input size is the training set's, and their readout size
    ///   is what `loss` expects.
    public init(
        parameters: LSTMParameters,
        cellOutput: CellOutput = .identity,
        loss: any SequenceLoss = H0SquaredLoss(),
        optimizer: any Optimizer = SGD(learningRate: 0.1),
        gradientClipNorm: Double? = nil,
        trainingSet: TrainingSet,
        iteration: Int = 0
    ) {
        precondition(parameters.inputSize == trainingSet.inputSize, "input sizes differ")
        precondition(
            parameters.readoutSize == loss.readoutSize(hiddenSize: parameters.hiddenSize),
            "readout size does not match the loss"
        )
        self.cellOutput = cellOutput
        self.loss = loss
        self.optimizer = optimizer
        self.gradientClipNorm = gradientClipNorm
        self.trainingSet = trainingSet
        self.iteration = iteration
        values = parameters.values
        shape = parameters.zerosLike()
        countedSteps = trainingSet.countedSteps
        workspace = Workspace(
            hiddenSize: parameters.hiddenSize,
            rowLength: parameters.rowLength,
            steps: trainingSet.targets.count,
            parameterCount: parameters.values.count,
            inputs: trainingSet.inputs,
            inputSize: trainingSet.inputSize
        )
    }

    /// The current parameters.
    public var parameters: LSTMParameters {
        var result = shape
        result.values = values
        return result
    }

    // MARK: - Training

    /// One iteration: forward pass, backward pass, one optimizer update.
    ///
    /// - Returns: the loss of the forward pass, before the update.
    @discardableResult
    public func step() -> Double {
        // Plain SGD without clipping is applied while the gradient is summed (one fused pass over
        // the weights, no gradient buffer; the same bits as `SGD.update`). The network decides this
        // from the optimizer's type, so no optimizer carries a hint that it could get wrong.
        let fused = gradientClipNorm == nil ? (optimizer as? SGD)?.learningRate : nil
        let current = projectionIsCurrent
        let lossValue = values.withUnsafeMutableBufferPointer { parameters in
            let value = forward(parameters: UnsafeBufferPointer(parameters), projectionIsCurrent: current)
            backward(parameters: UnsafeBufferPointer(parameters))
            if let rate = fused {
                applyFusedDescent(parameters: parameters, rate: rate)
            } else {
                storeGradient()
                if let clip = gradientClipNorm {
                    Kernels.clip(workspace.gradient, toNorm: clip)
                }
                optimizer.update(parameters, gradient: UnsafeBufferPointer(workspace.gradient))
            }
            return value
        }
        projectionIsCurrent = fused != nil
        iteration += 1
        return lossValue
    }

    /// Trains for `iterations` updates.
    ///
    /// - Parameters:
    ///   - iterations: the most updates to apply.
    ///   - observer: called after each update with its index (from 0) and the loss of its forward
    ///     pass; return `false` to stop early.
    /// - Returns: the loss of every iteration that ran.
    @discardableResult
    public func train(iterations: Int, observer: (Int, Double) -> Bool = { _, _ in true }) -> [Double] {
        var losses: [Double] = []
        losses.reserveCapacity(iterations)
        for index in 0..<iterations {
            let value = step()
            losses.append(value)
            if !observer(index, value) { break }
        }
        return losses
    }

    /// The loss of the current parameters and its gradient, without an update.
    public func lossAndGradient() -> (loss: Double, gradient: LSTMParameters) {
        let current = projectionIsCurrent
        let value = values.withUnsafeBufferPointer { parameters in
            let value = forward(parameters: parameters, projectionIsCurrent: current)
            backward(parameters: parameters)
            storeGradient()
            return value
        }
        projectionIsCurrent = true
        var gradient = shape
        gradient.values = Array(workspace.gradient)
        return (value, gradient)
    }

    /// The loss of the current parameters.
    public func currentLoss() -> Double {
        let current = projectionIsCurrent
        defer { projectionIsCurrent = true }
        return values.withUnsafeBufferPointer { forward(parameters: $0, projectionIsCurrent: current) }
    }

    /// The loss of the current parameters and the prediction at every step of every sequence
    /// (`[N, T]`), from one forward pass.
    public func evaluate() -> (loss: Double, predictions: [Double]) {
        let current = projectionIsCurrent
        let value = values.withUnsafeBufferPointer { forward(parameters: $0, projectionIsCurrent: current) }
        projectionIsCurrent = true
        return (value, Array(workspace.predictions))
    }

    /// The loss of other parameters of the same shape on this network's data (the network's own
    /// parameters are left as they are).
    ///
    /// Used by the gradient check, which perturbs parameters one at a time.
    ///
    /// - Precondition: `parameters` has this network's shape.
    public func loss(at parameters: LSTMParameters) -> Double {
        precondition(parameters.hasSameShape(as: shape), "parameter shapes differ")
        projectionIsCurrent = false
        return parameters.values.withUnsafeBufferPointer { forward(parameters: $0) }
    }

    // MARK: - Forward

    /// Runs every sequence forward, caching what backprop needs; returns the summed loss.
    ///
    /// The gates' pre-activations are `z(t) = dot(W_h, h(t-1)) + p(t)` with the input projection
    /// `p(t) = dot(W_x, x(t)) + b` computed once per parameter set (by the fused SGD update, or
    /// here when stale), and `z(0) = p(0)` since `h(-1) = 0`: each step reads only `W_h`.
    private func forward(parameters: UnsafeBufferPointer<Double>, projectionIsCurrent: Bool = false) -> Double {
        let h = shape.hiddenSize
        let x = shape.inputSize
        let columns = shape.rowLength
        let gateRows = 4 * h
        let steps = trainingSet.sequenceLength
        let counted = countedSteps
        let weights = parameters.baseAddress!
        let bias = weights + shape.biasRange.lowerBound
        let readout = UnsafeBufferPointer(rebasing: parameters[shape.readoutRange])
        let ws = workspace
        let tanhOutput = cellOutput == .tanh
        if !projectionIsCurrent {
            Kernels.project(
                weights: weights,
                bias: bias,
                rows: gateRows,
                rowStride: columns,
                inputSize: x,
                xc: ws.xc,
                steps: ws.stepCount,
                out: ws.projection
            )
        }
        var total = 0.0
        for sequence in 0..<trainingSet.sequenceCount {
            for t in 0..<steps {
                let k = sequence * steps + t
                let xc = ws.xc + k * columns
                let gates = ws.gates + k * gateRows
                // xc(t) = [x(t), h(t-1)]; the x part was copied in at init.
                if t == 0 {
                    (xc + x).update(repeating: 0, count: h)
                    gates.update(from: ws.projection + k * gateRows, count: gateRows)
                } else {
                    (xc + x).update(from: ws.hidden + (k - 1) * h, count: h)
                    Kernels.rowDots(
                        weights: weights + x,
                        rowStride: columns,
                        rows: gateRows,
                        count: h,
                        x: xc + x,
                        addend: ws.projection + k * gateRows,
                        out: gates,
                        descending: t % 2 == 0
                    )
                }
                // The nonlinearities, in place: tanh on g, sigmoid on i, f, o (DeterministicMath's
                // array forms, bit-identical to its scalar forms and to every other machine).
                DeterministicMath.tanh(UnsafeMutableBufferPointer(start: gates, count: h))
                DeterministicMath.sigmoid(UnsafeMutableBufferPointer(start: gates + h, count: 3 * h))
                let state = ws.state + k * h
                let previous = t == 0 ? UnsafePointer(ws.zeros) : UnsafePointer(ws.state + (k - 1) * h)
                let activated = ws.activated + k * h
                let hidden = ws.hidden + k * h
                for j in 0..<h {
                    state[j] = gates[j] * gates[h + j] + previous[j] * gates[2 * h + j]
                }
                activated.update(from: state, count: h)
                if tanhOutput {
                    DeterministicMath.tanh(UnsafeMutableBufferPointer(start: activated, count: h))
                }
                for j in 0..<h {
                    hidden[j] = activated[j] * gates[3 * h + j]
                }
                let prediction = loss.prediction(hidden: UnsafeBufferPointer(start: hidden, count: h), readout: readout)
                ws.predictions[k] = prediction
                if trainingSet.mask[k] {
                    let (value, dPrediction) = loss.stepLoss(
                        prediction: prediction,
                        target: trainingSet.targets[k],
                        countedSteps: counted
                    )
                    total += value
                    ws.dPredictions[k] = dPrediction
                } else {
                    ws.dPredictions[k] = 0
                }
            }
        }
        return total
    }

    // MARK: - Backward

    /// Backpropagates through time, leaving `dz(t)` for every step in the workspace and the
    /// readout gradient in its slot of the gradient buffer.
    private func backward(parameters: UnsafeBufferPointer<Double>) {
        let h = shape.hiddenSize
        let x = shape.inputSize
        let columns = shape.rowLength
        let gateRows = 4 * h
        let steps = trainingSet.sequenceLength
        let weights = parameters.baseAddress!
        let readout = UnsafeBufferPointer(rebasing: parameters[shape.readoutRange])
        let ws = workspace
        let dReadout = UnsafeMutableBufferPointer(rebasing: ws.gradient[shape.readoutRange])
        dReadout.update(repeating: 0)
        let tanhOutput = cellOutput == .tanh
        let dh = ws.dh
        for sequence in 0..<trainingSet.sequenceCount {
            ws.dhNext.update(repeating: 0, count: h)
            ws.dsNext.update(repeating: 0, count: h)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let k = sequence * steps + t
                let hidden = ws.hidden + k * h
                // dL(t)/dh(t) = dL(t+1)/dh(t) + dl(t)/dh(t)
                dh.update(from: ws.dhNext, count: h)
                if trainingSet.mask[k] {
                    loss.backpropagate(
                        dPrediction: ws.dPredictions[k],
                        hidden: UnsafeBufferPointer(start: hidden, count: h),
                        readout: readout,
                        dHidden: UnsafeMutableBufferPointer(start: dh, count: h),
                        dReadout: dReadout
                    )
                }
                let gates = ws.gates + k * gateRows
                let activated = ws.activated + k * h
                let previous = t == 0 ? UnsafePointer(ws.zeros) : UnsafePointer(ws.state + (k - 1) * h)
                let dz = ws.dz + k * gateRows
                for j in 0..<h {
                    let g = gates[j]
                    let i = gates[h + j]
                    let f = gates[2 * h + j]
                    let o = gates[3 * h + j]
                    let a = activated[j]
                    let dhj = dh[j]
                    let dOut = a * dhj
                    let dA = o * dhj
                    var ds = tanhOutput ? (1.0 - a * a) * dA : dA
                    ds = ds + ws.dsNext[j]
                    let dg = i * ds
                    let di = g * ds
                    let df = previous[j] * ds
                    dz[j] = (1.0 - g * g) * dg
                    dz[h + j] = i * (1.0 - i) * di
                    dz[2 * h + j] = f * (1.0 - f) * df
                    dz[3 * h + j] = o * (1.0 - o) * dOut
                    ws.dsNext[j] = ds * f
                }
                if t > 0 {
                    Kernels.transposedProduct(
                        weights: weights,
                        rows: gateRows,
                        rowStride: columns,
                        columnOffset: x,
                        count: h,
                        v: dz,
                        out: ws.dhNext,
                        descending: t % 2 == 1
                    )
                }
            }
        }
    }

    // MARK: - Update

    /// `W -= rate * sum_k dz(k) xc(k)^T` and the same for the bias in one pass over the rows,
    /// which also leaves the next forward pass's input projection; then the readout.
    private func applyFusedDescent(parameters: UnsafeMutableBufferPointer<Double>, rate: Double) {
        let base = parameters.baseAddress!
        let ws = workspace
        sumOuterProducts(
            mode: .descend(
                Kernels.FusedDescent(
                    weights: base,
                    bias: base + shape.biasRange.lowerBound,
                    rate: rate,
                    projection: ws.projection,
                    inputSize: shape.inputSize
                )
            )
        )
        for index in shape.readoutRange {
            base[index] = base[index] - rate * ws.gradient[index]
        }
    }

    /// Writes the whole gradient into the workspace's gradient buffer.
    private func storeGradient() {
        let base = workspace.gradient.baseAddress!
        sumOuterProducts(mode: .store(base))
        sumBiasGradient(into: base + shape.biasRange.lowerBound)
    }

    private func sumOuterProducts(mode: Kernels.OuterProductMode) {
        let ws = workspace
        Kernels.outerProductSum(
            dz: ws.dz,
            dzStride: 4 * shape.hiddenSize,
            xc: ws.xc,
            xcStride: shape.rowLength,
            steps: ws.stepCount,
            rows: 4 * shape.hiddenSize,
            columns: shape.rowLength,
            coefficients: ws.coefficients,
            mode: mode,
            descending: false
        )
    }

    /// `db[r] = sum_k dz(k)[r]`, `k` descending, starting from zero: the order of the weights'.
    private func sumBiasGradient(into out: UnsafeMutablePointer<Double>) {
        let ws = workspace
        let rows = 4 * shape.hiddenSize
        out.update(repeating: 0, count: rows)
        for k in stride(from: ws.stepCount - 1, through: 0, by: -1) {
            let dz = ws.dz + k * rows
            for r in 0..<rows {
                out[r] = out[r] + dz[r]
            }
        }
    }

}

/// The scratch memory of one network: allocated once, freed with it.
private final class Workspace {
    let stepCount: Int
    /// `[K, X+H]`: `xc(k) = [x(k), h(k-1)]` for every step `k` of every sequence.
    let xc: UnsafeMutablePointer<Double>
    /// `[K, 4H]`: the activated gates g, i, f, o.
    let gates: UnsafeMutablePointer<Double>
    /// `[K, 4H]`: the input projection `dot(W_x, x(k)) + b` of every step.
    let projection: UnsafeMutablePointer<Double>
    /// `[K, H]`: the cell state `s`.
    let state: UnsafeMutablePointer<Double>
    /// `[K, H]`: `s` or `tanh(s)`, what the output gate multiplies.
    let activated: UnsafeMutablePointer<Double>
    /// `[K, H]`: `h`.
    let hidden: UnsafeMutablePointer<Double>
    /// `[K, 4H]`: the gradient of the loss by the gates' pre-activations.
    let dz: UnsafeMutablePointer<Double>
    /// `[K]`.
    let predictions: UnsafeMutableBufferPointer<Double>
    /// `[K]`: `dl/dprediction`, zero for steps that do not count.
    let dPredictions: UnsafeMutablePointer<Double>
    /// `[H]` each.
    let dh: UnsafeMutablePointer<Double>
    let dhNext: UnsafeMutablePointer<Double>
    let dsNext: UnsafeMutablePointer<Double>
    let zeros: UnsafeMutablePointer<Double>
    /// `[2K]`: two rows' coefficients of the weight update.
    let coefficients: UnsafeMutablePointer<Double>
    /// Same layout as ``LSTMParameters/values``.
    let gradient: UnsafeMutableBufferPointer<Double>

    private let storage: UnsafeMutableBufferPointer<Double>

    init(hiddenSize h: Int, rowLength: Int, steps k: Int, parameterCount: Int, inputs: [Double], inputSize: Int) {
        stepCount = k
        let sizes = [
            k * rowLength, k * 4 * h, k * h, k * h, k * h, k * 4 * h, k, k, h, h, h, h, 2 * k, parameterCount,
            k * 4 * h,
        ]
        storage = .allocate(capacity: sizes.reduce(0, +))
        storage.initialize(repeating: 0)
        var cursor = storage.baseAddress!
        func take(_ count: Int) -> UnsafeMutablePointer<Double> {
            defer { cursor += count }
            return cursor
        }
        xc = take(sizes[0])
        gates = take(sizes[1])
        state = take(sizes[2])
        activated = take(sizes[3])
        hidden = take(sizes[4])
        dz = take(sizes[5])
        predictions = UnsafeMutableBufferPointer(start: take(sizes[6]), count: k)
        dPredictions = take(sizes[7])
        dh = take(sizes[8])
        dhNext = take(sizes[9])
        dsNext = take(sizes[10])
        zeros = take(sizes[11])
        coefficients = take(sizes[12])
        gradient = UnsafeMutableBufferPointer(start: take(sizes[13]), count: parameterCount)
        projection = take(sizes[14])
        for step in 0..<k {
            for c in 0..<inputSize {
                xc[step * rowLength + c] = inputs[step * inputSize + c]
            }
        }
    }

    deinit {
        storage.deallocate()
    }
}
