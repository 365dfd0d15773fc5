import LSTMCore

/// The initial parameters and the data of a trial.
public struct InitialState: Sendable, Equatable {
    /// The parameters before the first update.
    public var parameters: LSTMParameters
    /// The inputs, targets and mask of full-batch training; `nil` for a trial trained on
    /// minibatches, whose data its config draws or reads again.
    public var trainingSet: TrainingSet?

    /// Creates a state.
    public init(parameters: LSTMParameters, trainingSet: TrainingSet?) {
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
    /// The optimizer's state after training.
    public var optimizerState: [String: [Double]]
    /// The data trained on (full batch); `nil` for minibatch training.
    public var trainingSet: TrainingSet?
    /// The predictions of the final parameters on ``trainingSet``, `[N, T]` (empty for minibatches).
    public var predictions: [Double]
    /// The final parameters' held-out metrics, and the validation passes during training
    /// (minibatch training; `nil` for full batch).
    public var heldOut: HeldOutMetrics?
    /// Wall time of the training loop alone, in seconds.
    public var trainingSeconds: Double

    /// The number of iterations that ran.
    public var iterationsRun: Int { losses.count }

    /// Creates a value from all of its fields.
    public init(
        runID: String,
        config: TrialConfig,
        status: RunStatus,
        losses: [Double],
        finalLoss: Double?,
        bestLoss: Double?,
        bestIteration: Int?,
        targetReachedIteration: Int?,
        stopReason: String?,
        initialParameters: LSTMParameters,
        finalParameters: LSTMParameters,
        optimizerState: [String: [Double]],
        trainingSet: TrainingSet?,
        predictions: [Double],
        heldOut: HeldOutMetrics? = nil,
        trainingSeconds: Double
    ) {
        self.runID = runID
        self.config = config
        self.status = status
        self.losses = losses
        self.finalLoss = finalLoss
        self.bestLoss = bestLoss
        self.bestIteration = bestIteration
        self.targetReachedIteration = targetReachedIteration
        self.stopReason = stopReason
        self.initialParameters = initialParameters
        self.finalParameters = finalParameters
        self.optimizerState = optimizerState
        self.trainingSet = trainingSet
        self.predictions = predictions
        self.heldOut = heldOut
        self.trainingSeconds = trainingSeconds
    }
}

/// One validation pass during training.
public struct EvaluationPoint: Sendable, Equatable {
    /// The updates applied before it.
    public var iteration: Int
    /// The loss of that iteration's batch (before its update).
    public var trainLoss: Double
    /// The loss on the validation set, if the task has one.
    public var validationLoss: Double?
    /// The accuracy on the validation set (classification).
    public var validationAccuracy: Double?

    /// Creates a point.
    public init(iteration: Int, trainLoss: Double, validationLoss: Double?, validationAccuracy: Double?) {
        self.iteration = iteration
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
    }
}

/// The held-out metrics of a trial trained on minibatches, measured with its final parameters.
public struct HeldOutMetrics: Sendable, Equatable {
    /// The loss on the validation set (`nil` when there is none or it is not finite).
    public var validationLoss: Double?
    /// The accuracy on the validation set (classification).
    public var validationAccuracy: Double?
    /// The loss on the test set.
    public var testLoss: Double?
    /// The accuracy on the test set.
    public var testAccuracy: Double?
    /// The validation passes, in order (the last is the final parameters', when training ran to
    /// its end).
    public var evaluations: [EvaluationPoint]

    /// Creates metrics.
    public init(
        validationLoss: Double?, validationAccuracy: Double?, testLoss: Double?, testAccuracy: Double?,
        evaluations: [EvaluationPoint]
    ) {
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.evaluations = evaluations
    }
}

/// A run's state after some iterations: what resuming it needs.
public struct TrainingSnapshot: Sendable {
    /// Updates applied so far.
    public var iteration: Int
    /// The parameters after them.
    public var parameters: LSTMParameters
    /// The optimizer's state after them.
    public var optimizerState: [String: [Double]]
    /// The loss of each iteration so far.
    public var losses: [Double]
    /// The validation passes so far (minibatch training).
    public var evaluations: [EvaluationPoint]

    /// Creates a snapshot.
    public init(
        iteration: Int, parameters: LSTMParameters, optimizerState: [String: [Double]], losses: [Double],
        evaluations: [EvaluationPoint] = []
    ) {
        self.iteration = iteration
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.losses = losses
        self.evaluations = evaluations
    }
}
