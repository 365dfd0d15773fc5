import LSTMCore
import RunnerModel
import RunnerSpec

/// One training run of one config: builds the model from the plugins and trains it.
///
/// A trial owns its model and its generator (seeded with `config.seed`), so its result depends
/// on its config alone, whatever else runs beside it.
public struct Trial: Sendable {
    /// What to train.
    public var config: TrialConfig
    /// Where the plugins come from.
    public var registry: PluginRegistry

    /// Creates a trial.
    public init(config: TrialConfig, registry: PluginRegistry = .standard) {
        self.config = config
        self.registry = registry
    }

    /// Draws the initial state from the trial's generator: first the parameters (uniform in
    /// [-initScale, initScale), weights then bias then readout, `model.forgetBias` added to the
    /// forget gate's bias), then, for full-batch training, the task's data. A minibatch trial's
    /// data are drawn (or read) when it trains.
    public func initialState() -> InitialState {
        var generator = Xoshiro256StarStar(seed: UInt64(config.seed))
        let parameters = randomParameters(using: &generator)
        guard !trainsOnMinibatches else { return InitialState(parameters: parameters, trainingSet: nil) }
        let trainingSet = taskPlugin.makeTrainingSet(config.task, using: &generator)
        return InitialState(parameters: parameters, trainingSet: trainingSet)
    }

    /// The initial parameters drawn from the trial's generator.
    func randomParameters(using generator: inout Xoshiro256StarStar) -> LSTMParameters {
        let readout =
            trainsOnMinibatches
            ? batchLossAndOutputs().loss.readoutSize(
                hiddenSize: config.hiddenSize, outputSize: batchLossAndOutputs().outputs)
            : makeLoss().readoutSize(hiddenSize: config.hiddenSize)
        return LSTMParameters.random(
            inputSize: taskPlugin.inputSize(config.task),
            hiddenSize: config.hiddenSize,
            readoutSize: readout,
            initScale: config.initScale,
            forgetBias: config.forgetBias,
            using: &generator
        )
    }

    /// Trains from `initial` (or from ``initialState()``), or resumes from a snapshot.
    ///
    /// - Parameters:
    ///   - initial: the state to start from, when not drawn from the seed (`--init`, warm
    ///     starts); with `resume`, the state the run started from.
    ///   - resume: a snapshot of this run taken after some iterations (an `every` checkpoint):
    ///     training continues from it and gives the same bits as an uninterrupted run.
    ///   - snapshotEvery: call `onSnapshot` after every this many iterations (0: never).
    ///   - onSnapshot: receives the snapshots, on the calling thread.
    ///   - shouldStop: polled after every iteration; when it returns `true` the trial ends with
    ///     status `interrupted`.
    /// - Returns: the result; `diverged` as soon as a loss is NaN or infinite, or when the final
    ///   loss or a final parameter is.
    /// - Throws: ``TaskDataError`` when a minibatch task cannot make its data (its file is gone).
    public func run(
        from initial: InitialState? = nil,
        resume: TrainingSnapshot? = nil,
        snapshotEvery: Int = 0,
        onSnapshot: (TrainingSnapshot) -> Void = { _ in },
        shouldStop: () -> Bool = { false }
    ) throws(TaskDataError) -> TrialResult {
        if trainsOnMinibatches {
            return try runMinibatch(
                from: initial, resume: resume, snapshotEvery: snapshotEvery, onSnapshot: onSnapshot,
                shouldStop: shouldStop)
        }
        let start = initial ?? initialState()
        guard let trainingSet = start.trainingSet else {
            preconditionFailure("a full-batch trial's initial state has a training set")
        }
        var optimizer = makeOptimizer()
        if let resume {
            precondition(optimizer.restore(resume.optimizerState), "snapshot state does not fit the optimizer")
        }
        let network = LSTMNetwork(
            parameters: resume?.parameters ?? start.parameters,
            cellOutput: config.cellOutput,
            loss: makeLoss(),
            optimizer: optimizer,
            gradientClipNorm: config.clipNorm,
            trainingSet: trainingSet,
            iteration: resume?.iteration ?? 0
        )
        let clock = ContinuousClock()
        let began = clock.now
        var rule = StopRule(targetLoss: config.targetLoss, patience: config.patience)
        var losses = resume?.losses ?? []
        // The snapshot's losses are replayed as they first came, each with its own iteration, so
        // that the best loss, its iteration and the patience count are those of an uninterrupted run.
        for (index, loss) in losses.enumerated() {
            _ = rule.observe(loss, iteration: index + 1)
        }
        var status = RunStatus.completed
        let remaining = config.iterations - losses.count
        if remaining > 0, !rule.stopped {
            _ = network.train(iterations: remaining) { index, loss in
                let iteration = network.iteration
                losses.append(loss)
                if !rule.observe(loss, iteration: iteration) {
                    status = rule.diverged ? .diverged : .completed
                    return false
                }
                if snapshotEvery > 0, iteration % snapshotEvery == 0, iteration < config.iterations {
                    onSnapshot(
                        TrainingSnapshot(
                            iteration: iteration,
                            parameters: network.parameters,
                            optimizerState: network.optimizer.state,
                            losses: losses
                        )
                    )
                }
                if shouldStop() {
                    status = .interrupted
                    rule.reason = "interrupted after iteration \(iteration)"
                    return false
                }
                return true
            }
        }
        let (finalLoss, predictions) = network.evaluate()
        let seconds = began.duration(to: clock.now)
        let finalParameters = network.parameters
        rule.judgeFinal(finalLoss: finalLoss, parameters: finalParameters, status: &status)
        return TrialResult(
            runID: config.runID,
            config: config,
            status: status,
            losses: losses,
            finalLoss: finalLoss.isFinite ? finalLoss : nil,
            bestLoss: rule.best?.loss,
            bestIteration: rule.best?.iteration,
            targetReachedIteration: rule.targetReached,
            stopReason: rule.reason,
            initialParameters: start.parameters,
            finalParameters: finalParameters,
            optimizerState: network.optimizer.state,
            trainingSet: start.trainingSet,
            predictions: predictions,
            trainingSeconds: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) * 1e-18
        )
    }

    var taskPlugin: any TaskPlugin {
        guard let task = registry.task(named: config.taskPlugin) else {
            preconditionFailure("validated config names an unknown task \(config.taskPlugin)")
        }
        return task
    }

    /// The loss the config names.
    public func makeLoss() -> any SequenceLoss {
        guard let plugin = registry.loss(named: config.lossName) else {
            preconditionFailure("validated config names an unknown loss \(config.lossName)")
        }
        return plugin.makeLoss(config.training)
    }

    /// A fresh optimizer as the config names it.
    public func makeOptimizer() -> any Optimizer {
        guard let plugin = registry.optimizer(named: config.optimizerName) else {
            preconditionFailure("validated config names an unknown optimizer \(config.optimizerName)")
        }
        return plugin.makeOptimizer(learningRate: config.learningRate, config.training)
    }
}

/// The stop criteria, applied to each iteration's loss in order.
package struct StopRule {
    package var targetLoss: Double?
    package var patience: Int?
    package var best: (loss: Double, iteration: Int)?
    package var targetReached: Int?
    package var diverged = false
    package var stopped = false
    package var reason: String?

    package init(targetLoss: Double?, patience: Int?) {
        self.targetLoss = targetLoss
        self.patience = patience
    }

    /// Ends a completed trial as `diverged` when the final parameters' loss is not finite, or
    /// when a final parameter is not: weights that overflowed can leave the loss finite (an
    /// infinite weight on a saturated gate). One pass, once, at the end.
    package mutating func judgeFinal(finalLoss: Double, parameters: LSTMParameters, status: inout RunStatus) {
        guard status == .completed else { return }
        if !finalLoss.isFinite {
            status = .diverged
            reason = "the loss of the final parameters is \(finalLoss)"
            return
        }
        let nonFinite = parameters.values.reduce(0) { count, value in value.isFinite ? count : count + 1 }
        if nonFinite > 0 {
            status = .diverged
            reason =
                "\(nonFinite) of the \(parameters.values.count) final parameters are not finite "
                + "(the updates overflowed)"
        }
    }

    /// Takes the loss of `iteration` (from 1); returns `false` when training must stop.
    package mutating func observe(_ loss: Double, iteration: Int) -> Bool {
        guard loss.isFinite else {
            diverged = true
            stopped = true
            reason = "the loss of iteration \(iteration) is \(loss)"
            return false
        }
        if loss < (best?.loss ?? .infinity) {
            best = (loss, iteration)
        }
        if let targetLoss, loss <= targetLoss {
            targetReached = iteration
            stopped = true
            reason = "the loss reached stop.targetLoss at iteration \(iteration)"
            return false
        }
        if let patience, let best, iteration - best.iteration >= patience {
            stopped = true
            reason = "no new best loss for \(patience) iterations"
            return false
        }
        return true
    }
}
