import Foundation
import GRDB
import RunnerFiles
import RunnerModel

/// What ``ResultStore/merge(_:)`` did.
public struct MergeSummary: Sendable, Equatable {
    /// The databases merged.
    public var inputs = 0
    /// Experiments new to the output.
    public var experimentsAdded = 0
    /// Runs new to the output.
    public var runsAdded = 0
    /// Runs whose row was replaced by a further-along one (a finished result over a pending,
    /// running or interrupted run, a result over a failure).
    public var runsUpdated = 0
    /// Runs the output had already, with the same result or a further-along status.
    public var runsUnchanged = 0
    /// Verifications new to the output.
    public var verificationsAdded = 0
    /// Rung records (`rungs` rows: a pruned sweep's metric and decision at a rung) copied.
    public var rungsCopied = 0
    /// Checkpoint files copied into the output's `checkpoints/`.
    public var checkpointsCopied = 0
    /// Checkpoint files the output had already, with the same contents.
    public var checkpointsPresent = 0
    /// Per-path `runs` columns added to the output.
    public var columnsAdded: [String] = []
    /// Things to know that did not stop the merge, one line each.
    public var warnings: [String] = []

    /// Creates an empty summary.
    public init() {}
}

extension ResultStore {
    /// Merges other results databases, such as the shards of a sweep, into this one.
    ///
    /// Each input is opened read-only (a newer schema is refused) and merged table by table:
    ///
    /// - `experiments`: a new name is added. For a name present in both, `swept_paths` become the
    ///   union, `created` the earlier and `updated` the later time, and the spec (text, digest,
    ///   file, description) is the one registered last, as `runner run` keeps the last spec run
    ///   under a name; a different spec digest adds a warning, since shards of one sweep should
    ///   share their spec.
    /// - `runs`: a new id is added (a run still `running` in its input comes in as
    ///   `interrupted`, owned by nobody). For an id present in both, the row further along wins:
    ///   completed or diverged over failed, failed over interrupted or running, those over
    ///   pending. Two results (completed or diverged) must be identical: same status, same
    ///   final-loss bits, same curve and checkpoint digests; otherwise the merge stops with a
    ///   ``StoreError`` `conflict` naming the run and both values. Equal rows are kept once.
    ///   Per-path columns the output lacks are added.
    /// - `experiment_runs`, `curves`, `evaluations` and `rungs` follow the runs: a run taken from
    ///   an input comes with its curve, validation passes and rung records (those the output had
    ///   for it are replaced); a run the output keeps keeps its own, except that what the output
    ///   lacks is filled in from an input with the same status and iterations run (and, for a
    ///   result, the same bits). `verifications` are added unless an identical row is there.
    /// - Checkpoint files of the runs taken are copied into this database's `checkpoints/`,
    ///   each verified (gzip CRC-32, payload SHA-256, the run's recorded digest) and written
    ///   atomically; a file already there with the same payload is kept.
    ///
    /// A database that a live `runner run` is training into (runs claimed, heartbeats fresh) is
    /// refused, so that no claimed run is replaced and trained twice.
    ///
    /// Everything happens in one transaction: when any input fails, the database is left as it
    /// was (checkpoint files are copied last, after every check passed; one already copied when a
    /// later copy fails stays, complete, and is reused by the next merge). Merging the same
    /// inputs again changes nothing.
    ///
    /// - Parameter inputs: the databases to merge, in order.
    /// - Returns: what was merged, and warnings.
    /// - Throws: ``StoreError``: `badPath` for an input that cannot be opened or is this very
    ///   database (the same file by device and inode, under any path), `inUse` when a live
    ///   `runner run` holds runs of this database, `newerSchema`, `conflict`, `checkpoint` for a
    ///   missing or damaged checkpoint file, `sqlite`.
    /// - Complexity: one input's rows (curves included) are held in memory at a time.
    @discardableResult
    public func merge(_ inputs: [String]) throws(StoreError) -> MergeSummary {
        try Self.refuseMergingIntoItself(output: path, inputs: inputs)
        var sources: [ResultStore] = []
        for input in inputs {
            sources.append(try ResultStore(path: input, readOnly: true, environment: environment))
        }
        var summary = MergeSummary()
        summary.inputs = sources.count
        try write { db in
            // A run that a live `runner run` holds must not be replaced under it (its result would
            // be dropped, or the run trained twice). The check is inside the merge's immediate
            // transaction, so no claim can be taken between it and the merge.
            let live = try Self.liveClaims(db, host: environment.host)
            if let (_, owner) = live.first {
                let owners = Set(live.map(\.1)).sorted()
                throw StoreError(
                    .inUse, file: path,
                    "\(live.count) run\(live.count == 1 ? " is" : "s are") being trained into this database by "
                        + "\(owners.count == 1 ? owner : owners.joined(separator: ", ")) (runner run); nothing was "
                        + "merged. Wait for that run to finish, then merge again.")
            }
            var plan = CopyPlan()
            for source in sources {
                let snapshot = try source.read { try MergeSnapshot(db: $0, file: source.path) }
                let merger = Merger(db: db, output: self, source: source, snapshot: snapshot)
                try merger.merge(into: &summary, plan: &plan)
            }
            try plan.execute(into: self, summary: &summary)
        }
        return summary
    }
}

extension ResultStore {
    /// Refuses an input that is the output database itself: the same file by identity (device
    /// and inode), not by path, since a hard link, a symbolic link or a bind mount names it under
    /// another path (and opened there, without its `-wal` file, it reads as another database).
    ///
    /// - Parameters:
    ///   - output: the database merged into (it may not exist yet).
    ///   - inputs: the databases to merge.
    /// - Throws: ``StoreError`` `badPath` naming the input.
    public static func refuseMergingIntoItself(output: String, inputs: [String]) throws(StoreError) {
        guard let own = POSIXFile.identity(of: output) else { return }
        for input in inputs where POSIXFile.identity(of: input) == own {
            throw StoreError(
                .badPath, file: input,
                "is the output database itself (the same file as \(output)); give it once, as the first argument.")
        }
    }
}

// MARK: - Reading an input

/// Everything merged from one input, read in one transaction.
private struct MergeSnapshot {
    var experiments: [Row]
    var runColumns: [String]
    var runs: [Row]
    var links: [Row]
    var curves: [String: Row]
    /// Each run's validation passes (schema 3; none before).
    var evaluations: [String: [Row]]
    /// Each run's rung records, in iteration order (schema 4; none before).
    var rungs: [String: [Row]]
    var verificationColumns: [String]
    var verifications: [Row]

    init(db: Database, file: String) throws {
        for table in ["experiments", "runs", "experiment_runs", "curves"] {
            guard try db.tableExists(table) else {
                throw StoreError(
                    .badPath, file: file, "has no \(table) table; it is not an lstm-runner results database.")
            }
        }
        experiments = try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY name")
        runColumns = try db.columns(in: "runs").map(\.name)
        runs = try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id")
        links = try Row.fetchAll(db, sql: "SELECT experiment, run_id, trial_index FROM experiment_runs")
        curves = [:]
        for row in try Row.fetchAll(db, sql: "SELECT run_id, iterations, losses FROM curves") {
            curves[row["run_id"]] = row
        }
        evaluations = [:]
        if try db.tableExists(EvaluationColumns.table) {
            for row in try Row.fetchAll(
                db,
                sql: "SELECT * FROM \(EvaluationColumns.table) ORDER BY \(EvaluationColumns.runID.name), "
                    + EvaluationColumns.iteration.name)
            {
                evaluations[row[EvaluationColumns.runID], default: []].append(row)
            }
        }
        rungs = [:]
        if try db.tableExists(StoreSchema.rungsTable) {
            for row in try Row.fetchAll(
                db,
                sql: "SELECT run_id, iteration, metric, decision, cohort FROM \(StoreSchema.rungsTable) "
                    + "ORDER BY run_id, iteration")
            {
                rungs[row["run_id"], default: []].append(row)
            }
        }
        if try db.tableExists("verifications") {
            verificationColumns = try db.columns(in: "verifications").map(\.name).filter { $0 != "id" }
            verifications = try Row.fetchAll(db, sql: "SELECT * FROM verifications ORDER BY id")
        } else {
            verificationColumns = []
            verifications = []
        }
    }
}

// MARK: - Merging one input

/// How far along a run is; the higher wins a merge.
private func rank(_ status: String) -> Int {
    switch RunStatus(rawValue: status) {
    case .completed, .diverged: 3
    case .failed, .pruned: 2
    case .running, .interrupted: 1
    case .pending, nil: 0
    }
}

/// The part of a run that must agree when two databases both have its result.
private struct RunResult: Equatable {
    var status: String
    var finalLossBits: UInt64?
    var curveSHA256: String?
    var checkpointSHA256: String?

    init(_ row: Row, curve: Row?) {
        status = row["status"]
        finalLossBits = (row[RunColumns.finalLoss] as Double?)?.bitPattern
        // Databases of schema version 1 have no curve_sha256 column.
        curveSHA256 =
            row.hasColumn("curve_sha256")
            ? row["curve_sha256"] : (curve?["losses"] as Data?).map(LossCurve.sha256)
        checkpointSHA256 = row["checkpoint_sha256"]
    }

    /// The fields that differ from `other`, with this side's values: `final_loss 0.0123, curve_sha256 9c1d...`.
    func differences(from other: RunResult) -> String {
        var parts: [String] = []
        if status != other.status { parts.append("status \(status)") }
        if finalLossBits != other.finalLossBits {
            parts.append("\(RunColumns.finalLoss.name) \(finalLossBits.map { "\(Double(bitPattern: $0))" } ?? "NULL")")
        }
        if checkpointSHA256 != other.checkpointSHA256 {
            parts.append("checkpoint_sha256 \(checkpointSHA256 ?? "NULL")")
        }
        if curveSHA256 != other.curveSHA256 { parts.append("curve_sha256 \(curveSHA256 ?? "NULL")") }
        return parts.joined(separator: ", ")
    }
}

/// Merges one input's snapshot into the output, inside the output's transaction.
private struct Merger {
    let db: Database
    let output: ResultStore
    let source: ResultStore
    let snapshot: MergeSnapshot

    func merge(into summary: inout MergeSummary, plan: inout CopyPlan) throws {
        try mergeExperiments(into: &summary)
        try addMissingRunColumns(into: &summary)
        try mergeRuns(into: &summary, plan: &plan)
        for link in snapshot.links {
            try db.execute(
                sql: "INSERT OR IGNORE INTO experiment_runs (experiment, run_id, trial_index) VALUES (?, ?, ?)",
                arguments: [link["experiment"], link["run_id"], link["trial_index"]] as StatementArguments
            )
        }
        try mergeVerifications(into: &summary)
    }

    // MARK: experiments

    private func mergeExperiments(into summary: inout MergeSummary) throws {
        for incoming in snapshot.experiments {
            let name: String = incoming["name"]
            guard
                let existing = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [name])
            else {
                try insert(incoming, into: "experiments", columns: Array(incoming.columnNames))
                summary.experimentsAdded += 1
                continue
            }
            let incomingUpdated: String = incoming["updated"]
            let existingUpdated: String = existing["updated"]
            let newer = incomingUpdated > existingUpdated ? incoming : existing
            let incomingDigest: String = incoming["spec_sha256"]
            let existingDigest: String = existing["spec_sha256"]
            if incomingDigest != existingDigest {
                let kept: String = newer["spec_sha256"]
                let incomingFile: String = incoming["spec_file"]
                let existingFile: String = existing["spec_file"]
                summary.warnings.append(
                    "experiment \"\(name)\": \(source.path) has spec \(incomingDigest.prefix(12)) (\(incomingFile)), "
                        + "\(output.path) has \(existingDigest.prefix(12)) (\(existingFile)); kept the one registered "
                        + "last, \(kept.prefix(12)); the runs of both are kept, but the shards of a sweep should share "
                        + "one spec."
                )
            }
            let paths = Set(Self.paths(incoming) + Self.paths(existing)).sorted()
            let pathsJSON = ConfigValue.array(paths.map(ConfigValue.string)).canonicalJSON
            let created = min(incoming["created"] as String, existing["created"] as String)
            try db.execute(
                sql: """
                    UPDATE experiments SET description = ?, spec_file = ?, spec_text = ?, spec_sha256 = ?,
                        swept_paths = ?, created = ?, updated = ? WHERE name = ?
                    """,
                arguments: [
                    newer["description"], newer["spec_file"], newer["spec_text"], newer["spec_sha256"], pathsJSON,
                    created, max(incomingUpdated, existingUpdated), name,
                ] as StatementArguments
            )
        }
    }

    private static func paths(_ row: Row) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data((row["swept_paths"] as String? ?? "[]").utf8))) ?? []
    }

    // MARK: runs

    private func addMissingRunColumns(into summary: inout MergeSummary) throws {
        let existing = Set(try db.columns(in: "runs").map(\.name))
        for column in snapshot.runColumns where !existing.contains(column) {
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN \(column.quotedDatabaseIdentifier)")
            summary.columnsAdded.append(column)
        }
    }

    private func mergeRuns(into summary: inout MergeSummary, plan: inout CopyPlan) throws {
        for incoming in snapshot.runs {
            let id: String = incoming["id"]
            let curve = snapshot.curves[id]
            guard let existing = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
                try insertRun(incoming)
                try replaceCurve(of: id, with: curve)
                try replaceRungs(of: id, into: &summary)
                plan.add(incoming, from: source)
                summary.runsAdded += 1
                continue
            }
            let incomingRank = rank(incoming["status"])
            let existingRank = rank(existing["status"])
            if incomingRank > existingRank {
                try updateRun(id, with: incoming)
                try replaceCurve(of: id, with: curve)
                try replaceRungs(of: id, into: &summary)
                plan.add(incoming, from: source)
                summary.runsUpdated += 1
                continue
            }
            summary.runsUnchanged += 1
            // The same history (a result's bits are compared below): rung records the output lacks.
            if (existing["status"] as String) == (incoming["status"] as String),
                (existing[RunColumns.iterationsRun] as Int?) == (incoming[RunColumns.iterationsRun] as Int?),
                try !hasRungs(id)
            {
                try replaceRungs(of: id, into: &summary)
            }
            guard incomingRank == 3 && existingRank == 3 else { continue }
            let existingCurve = try Row.fetchOne(
                db, sql: "SELECT run_id, iterations, losses FROM curves WHERE run_id = ?", arguments: [id])
            let mine = RunResult(existing, curve: existingCurve)
            let theirs = RunResult(incoming, curve: curve)
            guard mine == theirs else {
                throw StoreError(
                    .conflict,
                    file: output.path,
                    "run \(id) has a different result in \(source.path) (\(theirs.differences(from: mine))) than here "
                        + "(\(mine.differences(from: theirs))); the same config trained to different bits, so "
                        + "nothing was merged. Compare the two (runner show \(id) --db FILE) and leave out the "
                        + "database you do not trust."
                )
            }
            // The same result: fill in what this database lacks (a curve, a checkpoint it did not keep).
            if existingCurve == nil, curve != nil {
                try replaceCurve(of: id, with: curve)
            }
            for column in ["checkpoint_path", "initial_checkpoint_path"]
            where existing[column] == nil && incoming[column] != nil {
                try db.execute(
                    sql: "UPDATE runs SET \(column.quotedDatabaseIdentifier) = ? WHERE id = ?",
                    arguments: [incoming[column] as String?, id])
            }
            let filled = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) ?? existing
            plan.add(filled, from: source, sourceRow: incoming)
        }
    }

    /// The incoming row as it goes into the output: a `running` run becomes `interrupted`, owned
    /// by nobody (its process runs against the input, not this database).
    private func adjusted(_ row: Row) -> [String: DatabaseValue] {
        var values: [String: DatabaseValue] = [:]
        for column in snapshot.runColumns {
            values[column] = row[column] as DatabaseValue
        }
        if (row["status"] as String?) == RunStatus.running.rawValue {
            values["status"] = RunStatus.interrupted.rawValue.databaseValue
            values["owner_host"] = .null
            values["owner_pid"] = .null
            values["heartbeat"] = .null
            values["error"] = "running in \(source.path) when it was merged".databaseValue
        }
        return values
    }

    private func insertRun(_ row: Row) throws {
        let values = adjusted(row)
        let columns = snapshot.runColumns
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try db.execute(
            sql:
                "INSERT INTO runs (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(marks))",
            arguments: StatementArguments(columns.map { values[$0] ?? .null })
        )
    }

    /// Replaces a run's row with the incoming one, keeping the experiment that first registered it.
    private func updateRun(_ id: String, with row: Row) throws {
        let values = adjusted(row)
        let columns = snapshot.runColumns.filter { $0 != "id" && $0 != "experiment" }
        let assignments = columns.map { "\($0.quotedDatabaseIdentifier) = ?" }.joined(separator: ", ")
        try db.execute(
            sql: "UPDATE runs SET \(assignments) WHERE id = ?",
            arguments: StatementArguments(columns.map { values[$0] ?? .null } + [id.databaseValue])
        )
    }

    /// Replaces a run's curve, and its validation passes with the input's.
    private func replaceCurve(of id: String, with curve: Row?) throws {
        try db.execute(sql: "DELETE FROM curves WHERE run_id = ?", arguments: [id])
        if let curve {
            try db.execute(
                sql: "INSERT INTO curves (run_id, iterations, losses) VALUES (?, ?, ?)",
                arguments: [id, curve["iterations"] as DatabaseValue, curve["losses"] as DatabaseValue]
            )
        }
        let e = EvaluationColumns.self
        try db.execute(sql: "DELETE FROM \(e.table) WHERE \(e.runID.name) = ?", arguments: [id])
        for row in snapshot.evaluations[id] ?? [] {
            let columns = [e.runID, e.iteration, e.trainLoss, e.validationLoss, e.validationAccuracy].map(\.name)
            try db.execute(
                sql: "INSERT INTO \(e.table) (\(columns.joined(separator: ", "))) VALUES (?, ?, ?, ?, ?)",
                arguments: StatementArguments(columns.map { row[$0] as DatabaseValue }))
        }
    }

    /// Replaces a run's rung records with the input's (none from an input older than schema 4).
    private func replaceRungs(of id: String, into summary: inout MergeSummary) throws {
        try db.execute(sql: "DELETE FROM \(StoreSchema.rungsTable) WHERE run_id = ?", arguments: [id])
        let columns = ["run_id", "iteration", "metric", "decision", "cohort"]
        for row in snapshot.rungs[id] ?? [] {
            try insert(row, into: StoreSchema.rungsTable, columns: columns)
            summary.rungsCopied += 1
        }
    }

    /// Whether the output has rung records of a run.
    private func hasRungs(_ id: String) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM \(StoreSchema.rungsTable) WHERE run_id = ?)", arguments: [id])
            == true
    }

    private func insert(_ row: Row, into table: String, columns: [String]) throws {
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let names = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        try db.execute(
            sql: "INSERT INTO \(table.quotedDatabaseIdentifier) (\(names)) VALUES (\(marks))",
            arguments: StatementArguments(columns.map { row[$0] as DatabaseValue })
        )
    }

    // MARK: verifications

    private func mergeVerifications(into summary: inout MergeSummary) throws {
        let columns = snapshot.verificationColumns
        guard !columns.isEmpty else { return }
        let condition = columns.map { "\($0.quotedDatabaseIdentifier) IS ?" }.joined(separator: " AND ")
        for row in snapshot.verifications {
            let values = StatementArguments(columns.map { row[$0] as DatabaseValue })
            let present = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM verifications WHERE \(condition))", arguments: values)
            if present != true {
                try insert(row, into: "verifications", columns: columns)
                summary.verificationsAdded += 1
            }
        }
    }
}

// MARK: - Checkpoint files

/// The checkpoint files to bring into the output, decided while merging the rows and copied
/// once every input has merged without a conflict.
private struct CopyPlan {
    struct Copy {
        /// The run.
        package var runID: String
        /// The file in the input's folder.
        package var source: URL
        /// The input database, for messages.
        package var sourceDatabase: String
        /// The path stored in the output, relative to its folder.
        package var destination: String
        /// The payload digest the run recorded (final checkpoints only).
        package var expectedSHA256: String?
    }

    private(set) var copies: [Copy] = []
    private var destinations: Set<String> = []

    /// Plans the checkpoint files of a run taken from `source`: `row` is the run as stored in the
    /// output, `sourceRow` as stored in the input (when they differ).
    mutating func add(_ row: Row, from source: ResultStore, sourceRow: Row? = nil) {
        let incoming = sourceRow ?? row
        let id: String = row["id"]
        for (column, digest) in [
            ("checkpoint_path", row["checkpoint_sha256"] as String?), ("initial_checkpoint_path", nil),
        ] {
            guard let stored = incoming[column] as String?, let destination = row[column] as String?,
                destinations.insert(destination).inserted
            else { continue }
            copies.append(
                Copy(
                    runID: id,
                    source: source.resolve(stored),
                    sourceDatabase: source.path,
                    destination: destination,
                    expectedSHA256: digest
                )
            )
        }
    }

    /// Copies each planned file unless the output has a valid one with the same payload.
    func execute(into output: ResultStore, summary: inout MergeSummary) throws(StoreError) {
        for copy in copies {
            let target = output.resolve(copy.destination)
            if Self.holds(target, runID: copy.runID, expectedSHA256: copy.expectedSHA256) {
                summary.checkpointsPresent += 1
                continue
            }
            let bytes: Data
            do {
                bytes = try POSIXFile.readAll(copy.source.path)
                let checkpoint = try Checkpoint.decode(bytes, file: copy.source.path)
                if let expected = copy.expectedSHA256, checkpoint.header.payloadSHA256 != expected {
                    throw StoreError(
                        .checkpoint,
                        file: copy.sourceDatabase,
                        "run \(copy.runID): \(copy.source.path) holds payload \(checkpoint.header.payloadSHA256), "
                            + "not the recorded \(expected); it belongs to another result. Nothing was merged."
                    )
                }
                try checkpoint.check(runID: copy.runID, payloadSHA256: nil, file: copy.source.path)
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(
                    .checkpoint,
                    file: copy.sourceDatabase,
                    "run \(copy.runID): its checkpoint cannot be read (\(error)); copy the input's checkpoints/ "
                        + "folder beside it, then merge again. Nothing was merged."
                )
            }
            do {
                try AtomicFile.write(bytes, to: target, createDirectory: true)
                guard try POSIXFile.readAll(target.path) == bytes else {
                    throw StoreError(
                        .checkpoint, file: output.path,
                        "run \(copy.runID): \(target.path) reads back different bytes after copying; check the disk.")
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.checkpoint, file: output.path, "run \(copy.runID): copying its checkpoint: \(error)")
            }
            summary.checkpointsCopied += 1
        }
    }

    /// Whether `target` is a valid checkpoint (gzip CRC-32 and payload SHA-256 checked) of the run,
    /// with the recorded payload when there is one.
    private static func holds(_ target: URL, runID: String, expectedSHA256: String?) -> Bool {
        (try? Checkpoint.read(from: target, runID: runID, payloadSHA256: expectedSHA256)) != nil
    }
}
