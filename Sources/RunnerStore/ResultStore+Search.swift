import GRDB
import RunnerModel

/// What an adaptive search reads of its finished trials.
extension ResultStore {
    /// A run's outcome, as a search ranks it.
    public struct SearchOutcome: Sendable, Equatable {
        /// Its status.
        public var status: RunStatus
        /// The loss of the final parameters on the training data.
        public var finalLoss: Double?
        /// The loss of the final parameters on the validation set, where the task has one.
        public var validationLoss: Double?
        /// The iterations it trained.
        public var iterationsRun: Int?

        /// Creates an outcome.
        public init(status: RunStatus, finalLoss: Double?, validationLoss: Double?, iterationsRun: Int?) {
            self.status = status
            self.finalLoss = finalLoss
            self.validationLoss = validationLoss
            self.iterationsRun = iterationsRun
        }
    }

    /// The outcome of each of the given runs that the database has.
    ///
    /// - Throws: ``StoreError``.
    public func searchOutcomes(of ids: [String]) throws(StoreError) -> [String: SearchOutcome] {
        let c = RunColumns.self
        return try read { db in
            var result: [String: SearchOutcome] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(ids.count, chunk + 500)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT "
                        + [c.id, c.status, c.finalLoss, c.validationLoss, c.iterationsRun].map(\.name).joined(
                            separator: ", ") + " FROM runs WHERE \(c.id.name) IN (\(marks))",
                    arguments: StatementArguments(part))
                {
                    result[row[c.id]] = SearchOutcome(
                        status: RunStatus(rawValue: row[c.status]) ?? .pending, finalLoss: row[c.finalLoss],
                        validationLoss: row[c.validationLoss], iterationsRun: row[c.iterationsRun])
                }
            }
            return result
        }
    }
}

/// The rung decisions of pruned sweeps (schema 4's `rungs` table).
extension ResultStore {
    /// A run's metric at one rung, and what was decided there.
    public struct RungRecord: Sendable, Equatable {
        /// The rung's iteration.
        public var iteration: Int
        /// The metric compared there (`nil`: not finite).
        public var metric: Double?
        /// `continue` or `pruned`, once the rung's cohort has reported.
        public var decision: String?
        /// How many trials the decision compared.
        public var cohort: Int?
    }

    /// The rungs each of the given runs reached, by run id, in iteration order.
    ///
    /// - Throws: ``StoreError``.
    public func rungs(of ids: [String]) throws(StoreError) -> [String: [RungRecord]] {
        try read { db in
            var result: [String: [RungRecord]] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(ids.count, chunk + 500)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT run_id, iteration, metric, decision, cohort FROM \(StoreSchema.rungsTable)
                        WHERE run_id IN (\(marks)) ORDER BY run_id, iteration
                        """,
                    arguments: StatementArguments(part))
                {
                    result[row["run_id"], default: []].append(
                        RungRecord(
                            iteration: row["iteration"], metric: row["metric"], decision: row["decision"],
                            cohort: row["cohort"]))
                }
            }
            return result
        }
    }

    /// Records a run's metric at a rung (the first record stands: every process computes the same).
    ///
    /// - Throws: ``StoreError``.
    public func recordRungMetric(runID: String, iteration: Int, metric: Double?) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO \(StoreSchema.rungsTable) (run_id, iteration, metric) VALUES (?, ?, ?)",
                arguments: [runID, iteration, metric.flatMap { $0.isFinite ? $0 : nil }])
        }
    }

    /// Records the decisions of one rung, in one transaction; a pruned run becomes `pruned` with
    /// the rung as its iterations run (it must be `interrupted`, paused there).
    ///
    /// - Parameters:
    ///   - decisions: each run id and whether it continues.
    ///   - iteration: the rung.
    ///   - reasons: the stop reason of each pruned run.
    /// - Throws: ``StoreError``.
    public func recordRungDecisions(
        _ decisions: [(runID: String, continues: Bool)], iteration: Int, reasons: [String: String]
    ) throws(StoreError) {
        let now = Self.timestamp()
        try write { db in
            for (runID, continues) in decisions {
                try db.execute(
                    sql:
                        "UPDATE \(StoreSchema.rungsTable) SET decision = ?, cohort = ? WHERE run_id = ? AND iteration = ?",
                    arguments: [continues ? "continue" : "pruned", decisions.count, runID, iteration])
                guard !continues else { continue }
                try db.execute(
                    sql: """
                        UPDATE runs SET status = 'pruned', iterations_run = ?, stop_reason = ?, finished = ?
                        WHERE id = ? AND status = 'interrupted'
                        """,
                    arguments: [iteration, reasons[runID], now, runID])
            }
        }
    }
}

extension ResultStore {
    /// The spec an experiment was recorded from: its file name and text, if the database has it.
    ///
    /// - Throws: ``StoreError``.
    public func recordedSpec(named name: String) throws(StoreError) -> (file: String, text: String, runs: Int)? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT spec_file, spec_text FROM experiments WHERE name = ?", arguments: [name])
            else { return nil }
            let runs =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM experiment_runs WHERE experiment = ?", arguments: [name]) ?? 0
            return (row["spec_file"], row["spec_text"], runs)
        }
    }
}
