import Foundation
import GRDB

@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

/// A results database with hand-picked results, for the report, plot and compare tests.
///
/// Experiment `fixture` sweeps hidden size {4, 8} × learning rate {0.1, 0.5} × seeds 0-2 with
/// `stop.targetLoss` 0.15; its runs' results are set through SQL:
///
/// | hiddenSize | learningRate | seed 0            | seed 1          | seed 2          |
/// | ---------- | ------------ | ----------------- | --------------- | --------------- |
/// | 4          | 0.1          | 1.0               | 2.0             | 4.0             |
/// | 4          | 0.5          | diverged          | 0.5             | 0.25            |
/// | 8          | 0.1          | 0.1 (reached 10)  | 0.2 (reached 20)| 0.3             |
/// | 8          | 0.5          | failed            | pending         | 0.05 (reached 3)|
///
/// Experiment `flat` sweeps only seeds 0-1 (hidden size 16): 0.3 and 0.6.
enum ReportFixture {
    static let specText = """
        {
          "name": "fixture",
          "description": "Known final losses for the report tests.",
          "task": { "plugin": "sequence", "inputSize": 3, "targets": [0.1, 0.2] },
          "model": { "hiddenSize": 4 },
          "training": { "iterations": 5, "learningRate": 0.1 },
          "stop": { "targetLoss": 0.15 },
          "seed": 0,
          "sweep": {
            "model.hiddenSize": [4, 8],
            "training.learningRate": [0.1, 0.5],
            "seed": { "range": [0, 3] }
          }
        }
        """

    static let flatSpecText = """
        {
          "name": "flat",
          "description": "Seeds only.",
          "task": { "plugin": "sequence", "inputSize": 3, "targets": [0.1, 0.2] },
          "model": { "hiddenSize": 16 },
          "training": { "iterations": 5 },
          "seed": 0,
          "sweep": { "seed": { "range": [0, 2] } }
        }
        """

    /// One run's made-up result.
    struct Outcome {
        var status: RunStatus
        var finalLoss: Double?
        var reached: Int?
    }

    /// The results by hidden size, learning rate and seed.
    static func outcome(hiddenSize: Int, learningRate: Double, seed: Int) -> Outcome {
        switch (hiddenSize, learningRate, seed) {
        case (4, 0.1, 0): Outcome(status: .completed, finalLoss: 1.0)
        case (4, 0.1, 1): Outcome(status: .completed, finalLoss: 2.0)
        case (4, 0.1, _): Outcome(status: .completed, finalLoss: 4.0)
        case (4, 0.5, 0): Outcome(status: .diverged, finalLoss: nil)
        case (4, 0.5, 1): Outcome(status: .completed, finalLoss: 0.5)
        case (4, 0.5, _): Outcome(status: .completed, finalLoss: 0.25)
        case (8, 0.1, 0): Outcome(status: .completed, finalLoss: 0.1, reached: 10)
        case (8, 0.1, 1): Outcome(status: .completed, finalLoss: 0.2, reached: 20)
        case (8, 0.1, _): Outcome(status: .completed, finalLoss: 0.3)
        case (8, 0.5, 0): Outcome(status: .failed, finalLoss: nil)
        case (8, 0.5, 1): Outcome(status: .pending, finalLoss: nil)
        case (8, _, _): Outcome(status: .completed, finalLoss: 0.05, reached: 3)
        default: Outcome(status: .completed, finalLoss: seed == 0 ? 0.3 : 0.6)
        }
    }

    /// Registers both experiments in a new database in `directory` and writes their results.
    ///
    /// - Parameter directory: An empty folder.
    /// - Returns: The database, open for writing.
    /// - Throws: What loading the specs or writing the database throws.
    static func make(in directory: URL) throws -> ResultStore {
        let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
        for (text, file) in [(specText, "fixture.json"), (flatSpecText, "flat.json")] {
            let spec = try SpecLoader().load(data: Data(text.utf8), file: file)
            let trials = try spec.trials()
            try store.register(spec, trials: trials)
            try store.write { db in
                for trial in trials {
                    let config = trial.config
                    let result = outcome(
                        hiddenSize: config.hiddenSize, learningRate: config.learningRate, seed: config.seed)
                    try db.execute(
                        sql: """
                            UPDATE runs SET status = ?, final_loss = ?, target_reached_iteration = ?,
                                iterations_run = 3 WHERE id = ?
                            """,
                        arguments: [result.status.rawValue, result.finalLoss, result.reached, trial.runID])
                    let curve: [Double]? =
                        switch result.status {
                        case .completed: [1.0, 0.5, result.finalLoss ?? 1]
                        case .diverged: [1.0, .nan]
                        default: nil
                        }
                    if let curve {
                        try db.execute(
                            sql: "INSERT INTO curves (run_id, iterations, losses) VALUES (?, ?, ?)",
                            arguments: [trial.runID, curve.count, LossCurve.encode(curve)])
                    }
                }
            }
        }
        return store
    }

    /// The id of the fixture's run with these values.
    static func runID(hiddenSize: Int, learningRate: Double, seed: Int, in store: ResultStore) throws -> String {
        try store.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT runs.id FROM runs JOIN experiment_runs ON experiment_runs.run_id = runs.id
                    WHERE experiment_runs.experiment = 'fixture' AND hidden_size = ? AND learning_rate = ? AND seed = ?
                    """,
                arguments: [hiddenSize, learningRate, seed]) ?? ""
        }
    }

    /// Every table's name and row count, to show that a query changed nothing.
    static func snapshot(_ store: ResultStore) throws -> [String: Int] {
        try store.read { db in
            var counts: [String: Int] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)")
            }
            return counts
        }
    }
}
