import GRDB

/// The results database's schema, versioned with `PRAGMA user_version`.
///
/// Each migration takes the schema from version `n` to `n + 1` inside one transaction; opening a
/// database applies the missing ones. A database newer than this build is refused.
///
/// Why not GRDB's `DatabaseMigrator`: it reads which migrations are applied outside a transaction
/// and then runs each in its own, so two processes that open one new database at once (two
/// `runner run` sharing a `--db`, which the README promises) both try to create the tables. Here
/// the version is read and the migrations run inside one `BEGIN IMMEDIATE` transaction, so the
/// second process finds them done; `user_version` also keeps the databases of earlier releases
/// readable as they are (no `grdb_migrations` table to back-fill).
package enum StoreSchema {
    /// The version this build creates and reads.
    package static var currentVersion: Int { migrations.count }

    /// Columns that every run has, holding the config fields people filter and group by.
    /// A swept path without a column here gets a column named after the path itself.
    package static let standardColumns: [String: String] = [
        "seed": "seed",
        "task.plugin": "task",
        "model.hiddenSize": "hidden_size",
        "model.cellOutput": "cell_output",
        "training.iterations": "iterations",
        "training.learningRate": "learning_rate",
        "training.optimizer": "optimizer",
        "training.loss": "loss",
    ]

    /// `migrations[n]` takes a database from version `n` to `n + 1`.
    package static let migrations: [@Sendable (Database) throws -> Void] = [
        // 1: experiments, runs, curves.
        { db in
            try db.execute(
                sql: """
                    CREATE TABLE experiments (
                        name TEXT PRIMARY KEY NOT NULL,
                        description TEXT NOT NULL DEFAULT '',
                        spec_file TEXT NOT NULL,
                        spec_text TEXT NOT NULL,
                        spec_sha256 TEXT NOT NULL,
                        swept_paths TEXT NOT NULL DEFAULT '[]',
                        created TEXT NOT NULL,
                        updated TEXT NOT NULL
                    );
                    CREATE TABLE runs (
                        id TEXT PRIMARY KEY NOT NULL,
                        experiment TEXT NOT NULL REFERENCES experiments(name),
                        status TEXT NOT NULL CHECK (status IN
                            ('pending', 'running', 'completed', 'diverged', 'failed', 'interrupted')),
                        config TEXT NOT NULL,
                        seed INTEGER NOT NULL,
                        task TEXT NOT NULL,
                        hidden_size INTEGER NOT NULL,
                        cell_output TEXT NOT NULL,
                        iterations INTEGER NOT NULL,
                        learning_rate REAL NOT NULL,
                        optimizer TEXT NOT NULL,
                        loss TEXT NOT NULL,
                        started TEXT,
                        finished TEXT,
                        duration REAL,
                        training_seconds REAL,
                        final_loss REAL,
                        best_loss REAL,
                        best_iteration INTEGER,
                        iterations_run INTEGER,
                        target_reached_iteration INTEGER,
                        stop_reason TEXT,
                        checkpoint_path TEXT,
                        checkpoint_sha256 TEXT,
                        initial_checkpoint_path TEXT,
                        owner_host TEXT,
                        owner_pid INTEGER,
                        heartbeat TEXT,
                        host TEXT,
                        code_version TEXT,
                        toolchain TEXT,
                        error TEXT
                    );
                    CREATE TABLE experiment_runs (
                        experiment TEXT NOT NULL REFERENCES experiments(name),
                        run_id TEXT NOT NULL REFERENCES runs(id),
                        trial_index INTEGER NOT NULL,
                        PRIMARY KEY (experiment, run_id)
                    );
                    CREATE INDEX experiment_runs_by_run ON experiment_runs(run_id);
                    CREATE INDEX runs_by_status ON runs(status);
                    CREATE TABLE curves (
                        run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs(id),
                        iterations INTEGER NOT NULL,
                        losses BLOB NOT NULL
                    );
                    """
            )
        },
        // 2: what reproducing a run needs, and the verifications table.
        { db in
            try db.execute(
                sql: """
                    ALTER TABLE runs ADD COLUMN os TEXT;
                    ALTER TABLE runs ADD COLUMN cpu TEXT;
                    ALTER TABLE runs ADD COLUMN build_config TEXT;
                    ALTER TABLE runs ADD COLUMN curve_sha256 TEXT;
                    CREATE TABLE verifications (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run_id TEXT NOT NULL REFERENCES runs(id),
                        checked TEXT NOT NULL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('identical', 'differs', 'refused', 'failed')),
                        first_divergent_iteration INTEGER,
                        recorded_loss REAL,
                        reproduced_loss REAL,
                        detail TEXT,
                        host TEXT,
                        code_version TEXT,
                        toolchain TEXT,
                        os TEXT,
                        cpu TEXT,
                        build_config TEXT
                    );
                    CREATE INDEX verifications_by_run ON verifications(run_id);
                    """
            )
        },
        // 3: held-out metrics of minibatch training, and the validation passes during it.
        { db in
            try db.alter(table: "runs") { table in
                for column in RunColumns.heldOut {
                    table.add(column: column.name, .double)
                }
            }
            try db.create(table: EvaluationColumns.table) { table in
                table.column(EvaluationColumns.runID.name, .text).notNull().references("runs")
                table.column(EvaluationColumns.iteration.name, .integer).notNull()
                table.column(EvaluationColumns.trainLoss.name, .double)
                table.column(EvaluationColumns.validationLoss.name, .double)
                table.column(EvaluationColumns.validationAccuracy.name, .double)
                table.primaryKey([EvaluationColumns.runID.name, EvaluationColumns.iteration.name])
            }
        },
        // 4: the status pruned (the runs table rebuilt: see addPrunedStatus), and rung decisions.
        { db in try addPrunedStatus(db) },
    ]

    /// Applies the migrations `database` lacks.
    ///
    /// - Throws: ``StoreError`` `newerSchema` when the file is newer than this build.
    package static func migrate(_ db: Database, file: String, upTo target: Int = currentVersion) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        guard version <= currentVersion else {
            throw StoreError(
                .newerSchema,
                file: file,
                "has schema version \(version); this runner reads versions up to \(currentVersion). Upgrade lstm-runner."
            )
        }
        for step in version..<max(version, target) {
            try migrations[step](db)
            try db.execute(sql: "PRAGMA user_version = \(step + 1)")
        }
    }
}
