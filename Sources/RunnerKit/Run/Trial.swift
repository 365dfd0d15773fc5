import LSTMCore

/// The initial parameters and the data of a trial.
public struct InitialState: Sendable, Equatable {
    /// The parameters before the first update.
    public var parameters: LSTMParameters
    /// The inputs, targets and mask.
    public var trainingSet: TrainingSet

    /// Creates a state.
    public init(parameters: LSTMParameters, trainingSet: TrainingSet) {
        self.parameters = parameters
        self.trainingSet = trainingSet
    }
}

/// What training one config produced.
public struct TrialResult: Sendable {
    /// The run id of the config.
    public var runID: String
    /// The config.
    public var config: TrialConfig
    /// `completed`, `diverged` or `interrupted`.
    public var status: RunStatus
    /// `losses[i]` is the loss of iteration `i + 1`'s forward pass, before its update.
    public var losses: [Double]
    /// The loss of the final parameters (after the last update); `nil` unless finite.
    public var finalLoss: Double?
    /// The smallest of ``losses``, if any is finite.
    public var bestLoss: Double?
    /// The iteration (from 1) of ``bestLoss``.
    public var bestIteration: Int?
    /// The iteration (from 1) whose loss first reached `stop.targetLoss`, if it was set and reached.
    public var targetReachedIteration: Int?
    /// Why training ended before `training.iterations`, if it did.
    public var stopReason: String?
    /// The parameters before training.
    public var initialParameters: LSTMParameters
    /// The parameters after training.
    public var finalParameters: LSTMParameters
    /// The data trained on.
    public var trainingSet: TrainingSet
    /// The predictions of the final parameters, `[N, T]`.
    public var predictions: [Double]
    /// Wall time of the training loop alone, in seconds.
    public var trainingSeconds: Double

    /// The number of iterations that ran.
    public var iterationsRun: Int { losses.count }
}

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
    /// [-0.05, 0.05), weights then bias then readout), then the task's data.
    public func initialState() -> InitialState {
        let task = taskPlugin
        var generator = Xoshiro256StarStar(seed: UInt64(config.seed))
        let parameters = LSTMParameters.random(
            inputSize: task.inputSize(config.task),
            hiddenSize: config.hiddenSize,
            readoutSize: makeLoss().readoutSize(hiddenSize: config.hiddenSize),
            using: &generator
        )
        let trainingSet = task.makeTrainingSet(config.task, using: &generator)
        return InitialState(parameters: parameters, trainingSet: trainingSet)
    }

    /// Trains from `initial` (or from ``initialState()``).
    ///
    /// - Parameters:
    ///   - initial: the state to start from, when not drawn from the seed (`--init`, warm starts).
    ///   - shouldStop: polled before every iteration; when it returns `true` the trial ends with
    ///     status `interrupted`.
    /// - Returns: the result; `diverged` as soon as a loss is NaN or infinite.
    public func run(from initial: InitialState? = nil, shouldStop: () -> Bool = { false }) -> TrialResult {
        let start = initial ?? initialState()
        let network = LSTMNetwork(
            parameters: start.parameters,
            cellOutput: config.cellOutput,
            loss: makeLoss(),
            optimizer: makeOptimizer(),
            gradientClipNorm: config.clipNorm,
            trainingSet: start.trainingSet
        )
        let clock = ContinuousClock()
        let began = clock.now
        var status = RunStatus.completed
        var stopReason: String?
        var best: (loss: Double, iteration: Int)?
        var targetReached: Int?
        let target = config.targetLoss
        let patience = config.patience
        let losses = network.train(iterations: config.iterations) { index, loss in
            let iteration = index + 1
            guard loss.isFinite else {
                status = .diverged
                stopReason = "the loss of iteration \(iteration) is \(loss)"
                return false
            }
            if loss < (best?.loss ?? .infinity) {
                best = (loss, iteration)
            }
            if let target, loss <= target {
                targetReached = iteration
                stopReason = "the loss reached stop.targetLoss at iteration \(iteration)"
                return false
            }
            if let patience, let best, iteration - best.iteration >= patience {
                stopReason = "no new best loss for \(patience) iterations"
                return false
            }
            if shouldStop() {
                status = .interrupted
                stopReason = "interrupted after iteration \(iteration)"
                return false
            }
            return true
        }
        let (finalLoss, predictions) = network.evaluate()
        let seconds = began.duration(to: clock.now)
        if status == .completed, !finalLoss.isFinite {
            status = .diverged
            stopReason = "the loss of the final parameters is \(finalLoss)"
        }
        return TrialResult(
            runID: config.runID,
            config: config,
            status: status,
            losses: losses,
            finalLoss: finalLoss.isFinite ? finalLoss : nil,
            bestLoss: best?.loss,
            bestIteration: best?.iteration,
            targetReachedIteration: targetReached,
            stopReason: stopReason,
            initialParameters: start.parameters,
            finalParameters: network.parameters,
            trainingSet: start.trainingSet,
            predictions: predictions,
            trainingSeconds: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) * 1e-18
        )
    }

    private var taskPlugin: any TaskPlugin {
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
