import LSTMCore
import RunnerModel
import RunnerSpec

extension Trial {
    /// Whether the config trains on minibatches with held-out data (see
    /// ``ConfigSchema/trainsOnMinibatches(_:)``).
    public var trainsOnMinibatches: Bool {
        ConfigSchema(registry: registry).trainsOnMinibatches(config)
    }

    /// The minibatch loss and `K` of the config.
    func batchLossAndOutputs() -> (loss: BatchLoss, outputs: Int) {
        guard let plugin = registry.loss(named: config.lossName), let loss = plugin.batchLoss(config.training) else {
            preconditionFailure("validated config names a loss without a minibatch form: \(config.lossName)")
        }
        return (loss, taskPlugin.output(config.task).size)
    }

    /// Trains on minibatches: ``run(from:resume:snapshotEvery:onSnapshot:shouldStop:)`` for
    /// configs that ``trainsOnMinibatches``.
    ///
    /// Each iteration is one update on one batch (``BatchSequence``); its loss, before the update,
    /// is the iteration's entry in the curve. Every `evaluation.every` iterations, and after the
    /// last, the validation set is evaluated; after training the final parameters are measured on
    /// the validation and test sets and on the training data (the whole fixed set, or
    /// `evaluation.samples` fresh sequences of a stream, drawn after training): that is the final loss.
    func runMinibatch(
        from initial: InitialState?,
        resume: TrainingSnapshot?,
        snapshotEvery: Int,
        onSnapshot: (TrainingSnapshot) -> Void,
        shouldStop: () -> Bool
    ) throws(TaskDataError) -> TrialResult {
        var generator = Xoshiro256StarStar(seed: UInt64(config.seed))
        let drawn = randomParameters(using: &generator)
        let start = initial?.parameters ?? drawn
        let data = try MinibatchData.make(config: config, task: taskPlugin, using: &generator)
        let (batchLoss, outputs) = batchLossAndOutputs()
        let batchSize = data.batchSize(config)
        let heldOutSizes = [data.validation, data.test].compactMap { $0?.batchSize }
        var optimizer = makeOptimizer()
        if let resume {
            precondition(optimizer.restore(resume.optimizerState), "snapshot state does not fit the optimizer")
        }
        let network = LSTMBatchNetwork(
            parameters: resume?.parameters ?? start,
            outputSize: outputs,
            cellOutput: config.cellOutput,
            loss: batchLoss,
            optimizer: optimizer,
            gradientClipNorm: config.clipNorm,
            batchCapacity: max(batchSize, min(Self.evaluationChunk, heldOutSizes.max() ?? 1)),
            sequenceCapacity: data.sequenceLength,
            iteration: resume?.iteration ?? 0
        )
        var batches = BatchSequence(data.training, batchSize: batchSize)
        let clock = ContinuousClock()
        let began = clock.now
        var rule = StopRule(targetLoss: config.targetLoss, patience: config.patience)
        var losses = resume?.losses ?? []
        var evaluations = resume?.evaluations ?? []
        for (index, loss) in losses.enumerated() {
            _ = rule.observe(loss, iteration: index + 1)
        }
        batches.skip(losses.count, using: &generator)
        var status = RunStatus.completed
        func validate(iteration: Int, trainLoss: Double) {
            let metrics = data.validation.map { Self.measure(network, on: $0) }
            evaluations.append(
                EvaluationPoint(
                    iteration: iteration, trainLoss: trainLoss, validationLoss: metrics?.loss,
                    validationAccuracy: metrics?.accuracy))
        }
        while losses.count < config.iterations, !rule.stopped {
            let loss = network.step(batches.next(using: &generator))
            losses.append(loss)
            let iteration = network.iteration
            if !rule.observe(loss, iteration: iteration) {
                status = rule.diverged ? .diverged : .completed
                break
            }
            if let every = config.evaluationEvery, iteration % every == 0, iteration < config.iterations {
                validate(iteration: iteration, trainLoss: loss)
            }
            if snapshotEvery > 0, iteration % snapshotEvery == 0, iteration < config.iterations {
                onSnapshot(
                    TrainingSnapshot(
                        iteration: iteration, parameters: network.parameters, optimizerState: network.optimizer.state,
                        losses: losses, evaluations: evaluations))
            }
            if shouldStop() {
                status = .interrupted
                rule.reason = "interrupted after iteration \(iteration)"
                break
            }
        }
        if status != .interrupted, let last = losses.last, evaluations.last?.iteration != losses.count {
            validate(iteration: losses.count, trainLoss: last)
        }
        let finalLoss: Double
        switch data.training {
        case .fixed(let set): finalLoss = Self.measure(network, on: set).loss
        case .stream(let source):
            finalLoss = Self.measure(network, on: source.draw(config.evaluationSamples, using: &generator)).loss
        }
        let validation = data.validation.map { Self.measure(network, on: $0) }
        let test = data.test.map { Self.measure(network, on: $0) }
        let seconds = began.duration(to: clock.now)
        let finalParameters = network.parameters
        rule.judgeFinal(finalLoss: finalLoss, parameters: finalParameters, status: &status)
        func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
        return TrialResult(
            runID: config.runID,
            config: config,
            status: status,
            losses: losses,
            finalLoss: finite(finalLoss),
            bestLoss: rule.best?.loss,
            bestIteration: rule.best?.iteration,
            targetReachedIteration: rule.targetReached,
            stopReason: rule.reason,
            initialParameters: start,
            finalParameters: finalParameters,
            optimizerState: network.optimizer.state,
            trainingSet: nil,
            predictions: [],
            heldOut: HeldOutMetrics(
                validationLoss: finite(validation?.loss), validationAccuracy: validation?.accuracy,
                testLoss: finite(test?.loss), testAccuracy: test?.accuracy, evaluations: evaluations),
            trainingSeconds: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) * 1e-18
        )
    }

    /// The most held-out sequences one forward pass evaluates.
    static let evaluationChunk = 64

    /// The loss and accuracy of the network's parameters on a set, in chunks of the network's
    /// batch capacity: a mean loss (`mse`, `mse-readout`, `cross-entropy`) is the chunks' losses
    /// weighted by their scored steps, summed in chunk order and divided by all scored steps; the
    /// summed `h0-squared` is the chunks' sum; accuracy is weighted like a mean loss.
    static func measure(_ network: LSTMBatchNetwork, on set: SequenceBatch) -> (loss: Double, accuracy: Double?) {
        let chunk = network.batchCapacity
        if set.batchSize <= chunk {
            let evaluation = network.evaluate(set)
            return (evaluation.loss, evaluation.accuracy)
        }
        var loss = 0.0
        var correct = 0.0
        var scored = 0
        var start = 0
        while start < set.batchSize {
            let end = min(start + chunk, set.batchSize)
            let evaluation = network.evaluate(set.sequences(start..<end))
            if network.loss == .h0Squared {
                loss += evaluation.loss
            } else {
                loss += evaluation.loss * Double(evaluation.scoredSteps)
            }
            correct += ((evaluation.accuracy ?? 0) * Double(evaluation.scoredSteps)).rounded()
            scored += evaluation.scoredSteps
            start = end
        }
        if network.loss != .h0Squared { loss = scored == 0 ? 0 : loss / Double(scored) }
        return (loss, network.loss.isClassification ? (scored == 0 ? 0 : correct / Double(scored)) : nil)
    }
}

/// A minibatch run's outputs on one of its held-out sets (`runner predict`).
public struct HeldOutPredictions: Sendable {
    /// `test` or `validation`.
    public var setName: String
    /// The set.
    public var batch: SequenceBatch
    /// The loss, accuracy and outputs `[B, T, K]` of the parameters on it.
    public var evaluation: BatchEvaluation
    /// `K`.
    public var outputs: Int
}

extension Trial {
    /// The outputs of `parameters` on the trial's test set (its validation set when it has no
    /// test set): the sets drawn or read again from the config, as training made them.
    ///
    /// - Returns: `nil` when the task holds no data out.
    /// - Throws: ``TaskDataError`` when the task cannot make its data.
    public func heldOutPredictions(parameters: LSTMParameters) throws(TaskDataError) -> HeldOutPredictions? {
        guard let (name, set) = try heldOutSet() else { return nil }
        let (loss, outputs) = batchLossAndOutputs()
        let network = LSTMBatchNetwork(
            parameters: parameters, outputSize: outputs, cellOutput: config.cellOutput, loss: loss,
            batchCapacity: set.batchSize, sequenceCapacity: set.sequenceLength)
        return HeldOutPredictions(setName: name, batch: set, evaluation: network.evaluate(set), outputs: outputs)
    }

    /// The trial's test set (its validation set when it has no test set), drawn or read again
    /// from the config as training made it, and its name; `nil` when the task holds no data out.
    ///
    /// - Throws: ``TaskDataError`` when the task cannot make its data.
    public func heldOutSet() throws(TaskDataError) -> (name: String, batch: SequenceBatch)? {
        var generator = Xoshiro256StarStar(seed: UInt64(config.seed))
        _ = randomParameters(using: &generator)
        let data = try MinibatchData.make(config: config, task: taskPlugin, using: &generator)
        return data.test.map { ("test", $0) } ?? data.validation.map { ("validation", $0) }
    }
}
