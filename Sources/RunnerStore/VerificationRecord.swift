import GRDB
import RunnerModel

/// One row of `verifications`: a re-training of a run and how it compared.
public struct VerificationRecord: Sendable {
    /// The run.
    public var runID: String
    /// When (ISO 8601).
    public var checked: String
    /// `identical`, `differs`, `refused` or `failed`.
    public var outcome: VerificationOutcome
    /// The first iteration (from 1) whose loss differs, if the curves differ.
    public var firstDivergentIteration: Int?
    /// The recorded and reproduced loss at that iteration.
    public var recordedLoss: Double?
    /// The reproduced loss at that iteration.
    public var reproducedLoss: Double?
    /// More about the outcome.
    public var detail: String?
    /// Where the verification ran.
    public var environment: RunEnvironment

    package init(row: Row) {
        runID = row["run_id"]
        checked = row["checked"]
        // The table's CHECK constraint admits only the four outcomes.
        outcome = VerificationOutcome(rawValue: row["outcome"] ?? "") ?? .failed
        firstDivergentIteration = row["first_divergent_iteration"]
        recordedLoss = row["recorded_loss"]
        reproducedLoss = row["reproduced_loss"]
        detail = row["detail"]
        environment = RunEnvironment(
            host: row["host"] ?? "",
            codeVersion: row["code_version"] ?? "",
            toolchain: row["toolchain"] ?? "",
            os: row["os"] ?? "",
            cpu: row["cpu"] ?? "",
            buildConfig: row["build_config"] ?? ""
        )
    }

    /// Creates a record.
    public init(
        runID: String,
        checked: String,
        outcome: VerificationOutcome,
        firstDivergentIteration: Int?,
        recordedLoss: Double?,
        reproducedLoss: Double?,
        detail: String?,
        environment: RunEnvironment
    ) {
        self.runID = runID
        self.checked = checked
        self.outcome = outcome
        self.firstDivergentIteration = firstDivergentIteration
        self.recordedLoss = recordedLoss
        self.reproducedLoss = reproducedLoss
        self.detail = detail
        self.environment = environment
    }
}

extension ResultStore {
    /// A run's verifications, oldest first.
    public func verifications(of runID: String) throws(StoreError) -> [VerificationRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verifications WHERE run_id = ? ORDER BY id", arguments: [runID])
                .map(VerificationRecord.init)
        }
    }

    /// Records verifications.
    public func record(_ verifications: [VerificationRecord]) throws(StoreError) {
        try write { db in
            for v in verifications {
                try db.execute(
                    sql: """
                        INSERT INTO verifications (run_id, checked, outcome, first_divergent_iteration, recorded_loss,
                            reproduced_loss, detail, host, code_version, toolchain, os, cpu, build_config)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        v.runID, v.checked, v.outcome.rawValue, v.firstDivergentIteration, v.recordedLoss,
                        v.reproducedLoss,
                        v.detail, v.environment.host, v.environment.codeVersion, v.environment.toolchain,
                        v.environment.os, v.environment.cpu, v.environment.buildConfig,
                    ]
                )
            }
        }
    }
}
