import Foundation
import GRDB
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import Synchronization

/// Registering experiments and their runs, and checking a spec against the one recorded under its name.
extension ResultStore {
    /// The column a config path is stored in: a standard column, or one named after the path.
    public static func column(forPath path: String) -> String {
        StoreSchema.standardColumns[path] ?? path
    }

    /// Records an experiment and its trials as `pending` runs (runs that exist already, from this
    /// or another experiment, keep their status and results).
    ///
    /// - Parameters:
    ///   - spec: the experiment.
    ///   - trials: its trials (all of them, or one shard's).
    ///   - allRunIDs: the run ids of every trial of `spec` (all shards'), when known: the
    ///     experiment's recorded runs are then checked against them in the same transaction (see
    ///     ``checkRecordedSpec(_:runIDs:)``).
    /// - Throws: ``StoreError``; `specMismatch` when the database has runs of an experiment of
    ///   that name that are not in `allRunIDs`, and then nothing is written.
    public func register(_ spec: ExperimentSpec, trials: [PlannedTrial], allRunIDs: Set<String>? = nil)
        throws(StoreError)
    {
        let now = Self.timestamp()
        let swept = spec.sweptPaths
        try write { db in
            if let allRunIDs, let mismatch = try recordedSpecMismatch(spec, runIDs: allRunIDs, db) { throw mismatch }
            let existing = try Row.fetchOne(
                db, sql: "SELECT swept_paths FROM experiments WHERE name = ?", arguments: [spec.name])
            let previous =
                (existing?["swept_paths"] as String?).flatMap {
                    try? JSONDecoder().decode([String].self, from: Data($0.utf8))
                } ?? []
            let paths = Array(Set(previous + swept)).sorted()
            let pathsJSON = ConfigValue.array(paths.map(ConfigValue.string)).canonicalJSON
            try db.execute(
                sql: """
                    INSERT INTO experiments (name, description, spec_file, spec_text, spec_sha256, swept_paths, created, updated)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET description = excluded.description, spec_file = excluded.spec_file,
                        spec_text = excluded.spec_text, spec_sha256 = excluded.spec_sha256,
                        swept_paths = excluded.swept_paths, updated = excluded.updated
                    """,
                arguments: [spec.name, spec.description, spec.file, spec.text, spec.textSHA256, pathsJSON, now, now]
            )
            let columns = try Set(Row.fetchAll(db, sql: "PRAGMA table_info(runs)").map { $0["name"] as String })
            let extra = swept.filter { StoreSchema.standardColumns[$0] == nil }
            for path in extra where !columns.contains(path) {
                try db.execute(sql: "ALTER TABLE runs ADD COLUMN \(path.quotedDatabaseIdentifier)")
            }
            let extraColumns = extra.map { ", \($0.quotedDatabaseIdentifier)" }.joined()
            let extraMarks = String(repeating: ", ?", count: extra.count)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO runs (id, experiment, status, config, seed, task, hidden_size, cell_output,
                        iterations, learning_rate, optimizer, loss\(extraColumns))
                    VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?\(extraMarks))
                    """
            )
            let link = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO experiment_runs (experiment, run_id, trial_index) VALUES (?, ?, ?)"
            )
            for trial in trials {
                let config = trial.config
                var values: [(any DatabaseValueConvertible)?] = [
                    trial.runID, spec.name, config.canonicalJSON, config.seed, config.taskPlugin, config.hiddenSize,
                    config.cellOutput.rawValue, config.iterations, config.learningRate, config.optimizerName,
                    config.lossName,
                ]
                for path in extra {
                    values.append(config.value(at: path).map(Self.databaseValue))
                }
                try insert.execute(arguments: StatementArguments(values))
                try link.execute(arguments: [spec.name, trial.runID, trial.index])
            }
        }
    }

    /// Checks that every run recorded for the experiment of `spec`'s name is one of `spec`'s
    /// trials, so that running it cannot pool the runs of two different specs into one report.
    ///
    /// Specs are compared by what they train, not by their text: the `.json` and the `.plist` of
    /// one sweep, or a spec with its keys reordered, make the same trials and pass. A spec that
    /// adds trials (more seeds) passes too, and its new runs join the experiment; one that changes
    /// what a recorded run was (50 iterations where 30 were recorded) or drops trials is refused.
    ///
    /// - Parameters:
    ///   - spec: the spec about to be run.
    ///   - runIDs: the run ids of all its trials (every shard's).
    /// - Throws: ``StoreError`` `specMismatch` naming the experiment, the first difference
    ///   between the recorded spec and `spec` (``ExperimentSpec/firstDifference(_:_:)``), and
    ///   how to proceed.
    public func checkRecordedSpec(_ spec: ExperimentSpec, runIDs: Set<String>) throws(StoreError) {
        if let mismatch = try read({ db in try recordedSpecMismatch(spec, runIDs: runIDs, db) }) { throw mismatch }
    }

    func recordedSpecMismatch(_ spec: ExperimentSpec, runIDs: Set<String>, _ db: Database) throws
        -> StoreError?
    {
        let recordedIDs = try String.fetchAll(
            db, sql: "SELECT run_id FROM experiment_runs WHERE experiment = ?", arguments: [spec.name])
        let foreign = recordedIDs.filter { !runIDs.contains($0) }
        guard !foreign.isEmpty,
            let row = try Row.fetchOne(
                db, sql: "SELECT spec_file, spec_text FROM experiments WHERE name = ?", arguments: [spec.name])
        else { return nil }
        let recordedFile: String = row["spec_file"] ?? "?"
        let recordedText: String = row["spec_text"] ?? ""
        let runs = "\(foreign.count) of its \(recordedIDs.count) recorded runs are not trials of \(spec.file)"
        var difference = ""
        if let recorded = try? SpecLoader(schema: spec.schema).load(
            data: Data(recordedText.utf8), file: recordedFile, force: true)
        {
            if let (path, old, new) = ExperimentSpec.firstDifference(recorded.identityTree, spec.identityTree) {
                func shown(_ value: ConfigValue?) -> String { value.map(\.shortDescription) ?? "not set" }
                difference = "\(path) is \(shown(old)) there and \(shown(new)) in \(spec.file), so "
            } else {
                difference = "its fields are the same but a model.init file's contents may differ, so "
            }
        }
        return StoreError(
            .specMismatch, file: path,
            "experiment \"\(spec.name)\" was recorded from a different spec (\(recordedFile)): \(difference)\(runs); "
                + "give \(spec.file) another \"name\", or use another --db.")
    }

    /// A config value as stored in a column: numbers as numbers, text as text, lists as JSON.
    package static func databaseValue(_ value: ParameterValue) -> DatabaseValue {
        switch value {
        case .integer(let number): number.databaseValue
        case .number(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .boolean(let flag): flag.databaseValue
        case .numbers: value.configValue.canonicalJSON.databaseValue
        }
    }
}
