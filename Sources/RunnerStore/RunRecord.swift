import Foundation
import GRDB
import RunnerFiles
import RunnerModel
import RunnerSpec

/// One row of `runs`, as `runner show`, `export`, `predict` and `verify` read it.
public struct RunRecord: Sendable {
    /// The run id.
    public var id: String
    /// The experiment that first registered it.
    public var experiment: String
    /// Its status.
    public var status: RunStatus
    /// The canonical config JSON.
    public var configJSON: String
    /// Its seed.
    public var seed: Int
    /// When training started and finished (ISO 8601), and how long it took (seconds).
    public var started: String?
    /// When it finished.
    public var finished: String?
    /// Wall time of the trial, seconds.
    public var duration: Double?
    /// Pure training time, seconds.
    public var trainingSeconds: Double?
    /// The loss of the final parameters.
    public var finalLoss: Double?
    /// The best iteration loss and its iteration.
    public var bestLoss: Double?
    /// The iteration of ``bestLoss``.
    public var bestIteration: Int?
    /// Iterations run.
    public var iterationsRun: Int?
    /// When `stop.targetLoss` was reached.
    public var targetReachedIteration: Int?
    /// Why training ended early.
    public var stopReason: String?
    /// The final checkpoint, relative to the database's folder.
    public var checkpointPath: String?
    /// The SHA-256 of the final checkpoint's payload.
    public var checkpointSHA256: String?
    /// The initial checkpoint, relative to the database's folder.
    public var initialCheckpointPath: String?
    /// The SHA-256 of the loss curve's blob.
    public var curveSHA256: String?
    /// The environment the run was trained in.
    public var environment: RunEnvironment?
    /// The error of a failed run.
    public var error: String?
    /// The process holding a running run.
    public var owner: String?
    /// The final parameters' loss on the validation set (minibatch runs).
    public var validationLoss: Double?
    /// Their accuracy on the validation set (classification).
    public var validationAccuracy: Double?
    /// Their loss on the test set.
    public var testLoss: Double?
    /// Their accuracy on the test set.
    public var testAccuracy: Double?

    package init(row: Row) {
        let c = RunColumns.self
        id = row[c.id]
        experiment = row[c.experiment]
        status = RunStatus(rawValue: row[c.status]) ?? .pending
        configJSON = row[c.config]
        seed = row[c.seed]
        started = row[c.started]
        finished = row[c.finished]
        duration = row[c.duration]
        trainingSeconds = row[c.trainingSeconds]
        finalLoss = row[c.finalLoss]
        bestLoss = row[c.bestLoss]
        bestIteration = row[c.bestIteration]
        iterationsRun = row[c.iterationsRun]
        targetReachedIteration = row[c.targetReachedIteration]
        stopReason = row[c.stopReason]
        checkpointPath = row[c.checkpointPath]
        checkpointSHA256 = row[c.checkpointSHA256]
        initialCheckpointPath = row[c.initialCheckpointPath]
        curveSHA256 = row[c.curveSHA256]
        error = row[c.error]
        if let host = row[c.host] as String? {
            environment = RunEnvironment(
                host: host,
                codeVersion: row[c.codeVersion] ?? "",
                toolchain: row[c.toolchain] ?? "",
                os: row[c.os] ?? "",
                cpu: row[c.cpu] ?? "",
                buildConfig: row[c.buildConfig] ?? ""
            )
        }
        if let host = row[c.ownerHost] as String?, let pid = row[c.ownerPID] as Int? {
            owner = "pid \(pid) on \(host)"
        }
        // NULL, or no column at all in a database of schema 2 opened read-only.
        validationLoss = row[RunColumns.validationLoss]
        validationAccuracy = row[RunColumns.validationAccuracy]
        testLoss = row[RunColumns.testLoss]
        testAccuracy = row[RunColumns.testAccuracy]
    }

    /// The config, resolved again from its canonical JSON.
    ///
    /// - Throws: ``SpecError`` if the stored config no longer validates (a plugin was removed).
    public func config(schema: ConfigSchema = ConfigSchema()) throws(SpecError) -> TrialConfig {
        let tree: ConfigValue
        do {
            tree = try JSONDecoder().decode(ConfigValue.self, from: Data(configJSON.utf8))
        } catch {
            throw SpecError(.syntax, file: "run \(id)", "its stored config is not valid JSON.")
        }
        guard case .object(let sections) = tree else {
            throw SpecError(.wrongType, file: "run \(id)", "its stored config is not a dictionary.")
        }
        return try schema.resolve(sections, file: "run \(id) (stored config)")
    }
}

/// One row of `experiments`.
public struct ExperimentRecord: Sendable {
    /// The name.
    public var name: String
    /// One line saying what it is for.
    public var description: String
    /// The spec file it was last run from.
    public var specFile: String
    /// The spec's text.
    public var specText: String
    /// The swept paths.
    public var sweptPaths: [String]
    /// When it was first and last registered.
    public var created: String
    /// When it was last registered.
    public var updated: String

    package init(
        name: String, description: String, specFile: String, specText: String, sweptPaths: [String], created: String,
        updated: String
    ) {
        self.name = name
        self.description = description
        self.specFile = specFile
        self.specText = specText
        self.sweptPaths = sweptPaths
        self.created = created
        self.updated = updated
    }

    package init(row: Row) {
        name = row["name"]
        description = row["description"]
        specFile = row["spec_file"]
        specText = row["spec_text"]
        sweptPaths =
            (try? JSONDecoder().decode([String].self, from: Data((row["swept_paths"] as String? ?? "[]").utf8))) ?? []
        created = row["created"]
        updated = row["updated"]
    }
}

extension ResultStore {
    /// The run whose id starts with `prefix` (any unique prefix, as git allows).
    ///
    /// - Throws: ``StoreError`` `notFound` or `ambiguous` (listing the candidates).
    public func run(_ prefix: String) throws(StoreError) -> RunRecord {
        let cleaned = prefix.lowercased()
        guard !cleaned.isEmpty, cleaned.count <= 12, cleaned.allSatisfy(\.isHexDigit) else {
            throw StoreError(
                .notFound, file: path,
                "\"\(prefix)\" is not a run id; run ids are 12 hex digits (any unique prefix works).")
        }
        let rows = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT 6",
                arguments: [cleaned, cleaned + "g"])
        }
        switch rows.count {
        case 0:
            throw StoreError(
                .notFound, file: path, "no run id starts with \"\(prefix)\"; `runner report` lists the runs.")
        case 1:
            return RunRecord(row: rows[0])
        default:
            let ids = rows.prefix(5).map { $0["id"] as String }.joined(separator: ", ")
            throw StoreError(
                .ambiguous, file: path,
                "\"\(prefix)\" matches several runs (\(ids)\(rows.count > 5 ? ", ..." : "")); give more digits.")
        }
    }

    /// An experiment by name.
    public func experiment(_ name: String) throws(StoreError) -> ExperimentRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [name]).map(
                ExperimentRecord.init)
        }
    }

    /// Every experiment, newest first.
    public func experiments() throws(StoreError) -> [ExperimentRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY updated DESC, name").map(
                ExperimentRecord.init)
        }
    }

    /// The names of the experiments that hold a run.
    public func experiments(holding runID: String) throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT experiment FROM experiment_runs WHERE run_id = ? ORDER BY experiment",
                arguments: [runID])
        }
    }

    /// The runs of an experiment, in trial order.
    public func runs(ofExperiment name: String) throws(StoreError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT runs.* FROM experiment_runs JOIN runs ON runs.id = experiment_runs.run_id
                    WHERE experiment_runs.experiment = ? ORDER BY experiment_runs.trial_index
                    """,
                arguments: [name]
            ).map(RunRecord.init)
        }
    }

    /// A run's validation passes, in order (none for full-batch runs and databases before schema 3).
    public func evaluations(_ runID: String) throws(StoreError) -> [EvaluationPoint] {
        try read { db in
            let e = EvaluationColumns.self
            guard try db.tableExists(e.table) else { return [] }
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM \(e.table) WHERE \(e.runID.name) = ? ORDER BY \(e.iteration.name)",
                arguments: [runID]
            ).map { row in
                EvaluationPoint(
                    iteration: row[e.iteration], trainLoss: row[e.trainLoss] ?? .nan,
                    validationLoss: row[e.validationLoss], validationAccuracy: row[e.validationAccuracy])
            }
        }
    }

    /// A run's loss curve.
    public func curve(_ runID: String) throws(StoreError) -> [Double]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT losses FROM curves WHERE run_id = ?", arguments: [runID]).flatMap(
                LossCurve.decode)
        }
    }

    /// The absolute location of a path stored relative to the database's folder.
    public func resolve(_ stored: String) -> URL {
        stored.hasPrefix("/")
            ? URL(fileURLWithPath: stored) : url.deletingLastPathComponent().appendingPathComponent(stored)
    }

    /// A run's final checkpoint, checked to be the run's own: its header names the run and its
    /// payload has the digest the database recorded (`predict`, `export`, `verify` and warm starts
    /// from a run all read it here).
    ///
    /// - Throws: ``StoreError`` `notFound` when the run kept none; ``CheckpointError`` when the
    ///   file is damaged, not a regular file, or another run's or result's (`wrongRun`).
    public func finalCheckpoint(of run: RunRecord) throws -> Checkpoint {
        guard let stored = run.checkpointPath else {
            throw StoreError(
                .notFound,
                file: path,
                "run \(run.id) has no final checkpoint (status \(run.status.rawValue)); set checkpoints.final and rerun it."
            )
        }
        return try Checkpoint.read(from: resolve(stored), runID: run.id, payloadSHA256: run.checkpointSHA256)
    }
}
