import GRDB

/// The columns of `runs`, each named once: the schema's later migrations, the batch writer,
/// ``RunRecord``, merge and the report's catalog use these instead of spelling the names.
///
/// (Migrations 1 and 2 keep their SQL text as it was released: a migration is history, and it
/// must create exactly the tables those releases created.)
public enum RunColumns {
    public static let id = Column("id")
    public static let experiment = Column("experiment")
    public static let status = Column("status")
    public static let config = Column("config")
    public static let seed = Column("seed")
    public static let started = Column("started")
    public static let finished = Column("finished")
    public static let duration = Column("duration")
    public static let trainingSeconds = Column("training_seconds")
    public static let finalLoss = Column("final_loss")
    public static let bestLoss = Column("best_loss")
    public static let bestIteration = Column("best_iteration")
    public static let iterationsRun = Column("iterations_run")
    public static let targetReachedIteration = Column("target_reached_iteration")
    public static let stopReason = Column("stop_reason")
    public static let checkpointPath = Column("checkpoint_path")
    public static let checkpointSHA256 = Column("checkpoint_sha256")
    public static let initialCheckpointPath = Column("initial_checkpoint_path")
    public static let curveSHA256 = Column("curve_sha256")
    public static let ownerHost = Column("owner_host")
    public static let ownerPID = Column("owner_pid")
    public static let heartbeat = Column("heartbeat")
    public static let host = Column("host")
    public static let codeVersion = Column("code_version")
    public static let toolchain = Column("toolchain")
    public static let os = Column("os")
    public static let cpu = Column("cpu")
    public static let buildConfig = Column("build_config")
    public static let error = Column("error")
    // Schema 3: the held-out metrics of minibatch training (NULL for full-batch runs).
    public static let validationLoss = Column("validation_loss")
    public static let validationAccuracy = Column("validation_accuracy")
    public static let testLoss = Column("test_loss")
    public static let testAccuracy = Column("test_accuracy")

    /// The held-out metric columns, added by schema 3.
    public static let heldOut = [validationLoss, validationAccuracy, testLoss, testAccuracy]
}

/// The columns of `evaluations` (schema 3): one row per validation pass of a minibatch run.
public enum EvaluationColumns {
    /// The table.
    public static let table = "evaluations"
    public static let runID = Column("run_id")
    public static let iteration = Column("iteration")
    public static let trainLoss = Column("train_loss")
    public static let validationLoss = Column("validation_loss")
    public static let validationAccuracy = Column("validation_accuracy")
}
