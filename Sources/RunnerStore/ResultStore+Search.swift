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
    }

    /// The outcome of each of the given runs that the database has.
    ///
    /// - Throws: ``StoreError``.
    public func searchOutcomes(of ids: [String]) throws(StoreError) -> [String: SearchOutcome] {
        try read { db in
            var result: [String: SearchOutcome] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(ids.count, chunk + 500)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, status, final_loss, validation_loss, iterations_run FROM runs
                        WHERE id IN (\(marks))
                        """,
                    arguments: StatementArguments(part))
                {
                    result[row["id"]] = SearchOutcome(
                        status: RunStatus(rawValue: row["status"]) ?? .pending, finalLoss: row["final_loss"],
                        validationLoss: row["validation_loss"], iterationsRun: row["iterations_run"])
                }
            }
            return result
        }
    }
}
