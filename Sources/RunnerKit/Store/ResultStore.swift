import Foundation
import GRDB
import LSTMCore
import Synchronization

/// The results database (`results/runs.sqlite`): experiments, runs, loss curves, verifications.
///
/// One `DatabaseQueue` serializes every access (GRDB's single writer); the database is in WAL
/// mode with `synchronous = NORMAL` and a busy timeout, so several `runner` processes can share
/// it. Finished runs are written in batches (one transaction per batch); claims are immediate.
/// Checkpoint files live in `checkpoints/` beside the database file.
public final class ResultStore: Sendable {
    /// The database file as the user named it.
    public let path: String
    /// The database file.
    public let url: URL
    let queue: DatabaseQueue
    let environment: RunEnvironment
    let ownerPID: Int
    private let buffer = Mutex(Buffer())

    private struct Buffer {
        var records: [FinishedRun] = []
        var lastFlush = ContinuousClock.now
    }

    /// A finished run waiting to be written.
    struct FinishedRun {
        var result: TrialResult
        var checkpoint: CheckpointFiles.Written
        var started: String
        var finished: String
        var duration: Double
    }

    /// The folder holding this database's checkpoints.
    public var checkpointDirectory: URL {
        url.deletingLastPathComponent().appendingPathComponent("checkpoints", isDirectory: true)
    }

    /// The database's default path.
    public static let defaultPath = "results/runs.sqlite"

    /// ``checkpointDirectory`` as the user would type it: beside ``path``.
    var checkpointDirectoryPath: String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "checkpoints" : (folder as NSString).appendingPathComponent("checkpoints")
    }

    /// Makes sure checkpoints can be written: `checkpoints/` beside the database is a folder (made
    /// when missing) in which this process can create files. Checked before a sweep trains, so
    /// that a file in the way or a read-only folder is one clear error, not a failed sweep.
    ///
    /// - Throws: ``StoreError`` `badPath` naming the folder and how to fix it.
    public func prepareCheckpointDirectory() throws(StoreError) {
        let folder = checkpointDirectoryPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: checkpointDirectory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(
                    .badPath, file: folder,
                    "a file is in the way: checkpoints are written into a folder of this name beside the "
                        + "database; move the file away or choose another --db.")
            }
        } else {
            do {
                try FileManager.default.createDirectory(at: checkpointDirectory, withIntermediateDirectories: false)
            } catch {
                throw StoreError(
                    .badPath, file: folder,
                    "cannot be created (\(AtomicFileError.reason(of: error))); make the folder beside the database "
                        + "writable or choose another --db.")
            }
        }
        // An unnamed file, as checkpoints are written (it vanishes when closed), or where the file
        // system has none, the permission check.
        let probe = open(checkpointDirectory.path, POSIXFile.unnamedFlag | O_WRONLY | O_CLOEXEC, 0o600)
        if probe >= 0 {
            close(probe)
            return
        }
        let reason = errno
        if reason == EOPNOTSUPP || reason == EISDIR || reason == EINVAL,
            access(checkpointDirectory.path, W_OK) == 0
        {
            return
        }
        throw StoreError(
            .badPath, file: folder,
            "is not writable (\(String(cString: strerror(reason)))); make it writable or choose another --db.")
    }

    /// Opens (creating when missing, unless `readOnly`) a results database and migrates it.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - readOnly: open for queries only; the file must exist.
    ///   - environment: what runs recorded by this process are stamped with; by default this
    ///     process's (``RunEnvironment/current``), or nothing for a read-only store, which records
    ///     no runs (working out the code version runs git, which `runner report` need not wait for).
    /// - Throws: ``StoreError`` `badPath` with one clear line for a missing directory, a
    ///   read-only or missing file, or a file that is not a database; `newerSchema`.
    public init(path: String, readOnly: Bool = false, environment: RunEnvironment? = nil) throws(StoreError) {
        self.path = path
        url = URL(fileURLWithPath: path)
        self.environment = environment ?? (readOnly ? .unrecorded : .current)
        ownerPID = Int(ProcessInfo.processInfo.processIdentifier)
        let manager = FileManager.default
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw StoreError(
                    .badPath, file: path, "is a directory; give a database file such as \(path)/runs.sqlite.")
            }
            // The permission bits, not access(2): root may write anything, but a file made
            // read-only (chmod a-w) was meant to be left alone.
            let mode = (try? manager.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o644
            if !readOnly && (!manager.isWritableFile(atPath: path) || mode & 0o222 == 0) {
                throw StoreError(
                    .badPath, file: path, "is read-only; make it writable (chmod u+w) or choose another --db.")
            }
        } else if readOnly {
            throw StoreError(
                .badPath, file: path, "does not exist; run an experiment first (runner run SPEC) or check --db.")
        } else if !manager.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw StoreError(
                .badPath,
                file: path,
                "the directory \(directory.isEmpty ? "." : directory) does not exist; create it or choose another --db."
            )
        } else if !manager.isWritableFile(atPath: directory) {
            throw StoreError(.badPath, file: path, "the directory \(directory) is not writable; choose another --db.")
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(60)
        configuration.label = "lstm-runner"
        if !readOnly {
            configuration.journalMode = .wal
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        do {
            queue = try Self.openRetryingWhileBusy { () throws -> DatabaseQueue in
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try queue.writeWithoutTransaction { db in
                    let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    if readOnly {
                        if version > StoreSchema.currentVersion {
                            try StoreSchema.migrate(db, file: path)
                        }
                        return
                    }
                    if version < StoreSchema.currentVersion || version > StoreSchema.currentVersion {
                        try db.inTransaction(.immediate) {
                            try StoreSchema.migrate(db, file: path)
                            return .commit
                        }
                    }
                }
                return queue
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError(
                .badPath, file: path,
                "is not an SQLite database (\(error.resultCode)); give a results database or a new file name.")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY {
            throw StoreError(
                .badPath, file: path, "cannot be written (\(error.message ?? "read-only")); choose another --db.")
        } catch let error as DatabaseError where Self.isOutOfSpace(error, path: path) {
            throw StoreError(.diskFull, file: path, Self.outOfSpaceText(error))
        } catch {
            throw StoreError(.sqlite, file: path, "\(error)")
        }
    }

    /// Whether a database error comes from a full disk: `SQLITE_FULL`, or an I/O error (SQLite
    /// reports a shared-memory file it cannot grow that way) while the file system has no space left.
    static func isOutOfSpace(_ error: DatabaseError, path: String) -> Bool {
        if error.resultCode == .SQLITE_FULL { return true }
        guard error.resultCode == .SQLITE_IOERR else { return false }
        var stats = statvfs()
        let folder = (path as NSString).deletingLastPathComponent
        guard statvfs(folder.isEmpty ? "." : folder, &stats) == 0 else { return false }
        return stats.f_bavail == 0
    }

    /// `SQLite error 13: database or disk is full`, as GRDB words it, without the statement.
    static func outOfSpaceText(_ error: DatabaseError) -> String {
        "SQLite error \(error.resultCode.rawValue): \(error.message ?? "database or disk is full")"
    }

    /// Runs `open` again while it fails with `SQLITE_BUSY`, for up to about ten seconds.
    ///
    /// Two processes that open a new database at the same moment race to switch it to WAL and to
    /// create the schema. SQLite answers one of them `SQLITE_BUSY` at once, without calling the
    /// busy handler, when waiting could deadlock (a connection holding a shared lock asking for
    /// an exclusive one, as `PRAGMA journal_mode = WAL` does); the remedy is to close and retry.
    static func openRetryingWhileBusy<T>(_ open: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try open()
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 200 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.002 * Double(min(attempt, 25)))
            }
        }
    }

    /// Runs `body` in an immediate write transaction, mapping errors to ``StoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var value: T?
                try db.inTransaction(.immediate) {
                    value = try body(db)
                    return .commit
                }
                guard let value else { throw StoreError(.sqlite, file: path, "transaction returned nothing") }
                return value
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where Self.isOutOfSpace(error, path: path) {
            throw StoreError(.diskFull, file: path, Self.outOfSpaceText(error))
        } catch {
            throw StoreError(.sqlite, file: path, "\(error)")
        }
    }

    /// Runs `body` in a read transaction, mapping errors to ``StoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where Self.isOutOfSpace(error, path: path) {
            throw StoreError(.diskFull, file: path, Self.outOfSpaceText(error))
        } catch {
            throw StoreError(.sqlite, file: path, "\(error)")
        }
    }

    /// The current time as ISO 8601 text with milliseconds, UTC (`2026-11-27T03:19:47.539Z`).
    ///
    /// Formatted by hand from `gmtime_r`: a date formatter per call costs more than a small trial.
    static func timestamp(_ date: Date = Date()) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let milliseconds = min(999, Int(((seconds - Double(whole)) * 1000).rounded(.down)))
        var parts = tm()
        gmtime_r(&whole, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }

    /// Parses ``timestamp(_:)``'s text.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    // MARK: - Registration

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
    /// - Throws: ``StoreError``.
    public func register(_ spec: ExperimentSpec, trials: [PlannedTrial]) throws(StoreError) {
        let now = Self.timestamp()
        let swept = spec.sweptPaths
        try write { db in
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

    /// A config value as stored in a column: numbers as numbers, text as text, lists as JSON.
    static func databaseValue(_ value: ParameterValue) -> DatabaseValue {
        switch value {
        case .integer(let number): number.databaseValue
        case .number(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .boolean(let flag): flag.databaseValue
        case .numbers: value.configValue.canonicalJSON.databaseValue
        }
    }

    // MARK: - Lifecycle

    /// Marks as `interrupted` the runs left `running` by processes that are gone: on this host a
    /// dead owner pid; on any host a heartbeat older than `timeout` seconds.
    ///
    /// - Returns: the ids of the runs recovered.
    @discardableResult
    public func recoverAbandonedRuns(timeout: Double = 60) throws(StoreError) -> [String] {
        let host = environment.host
        let now = Date()
        return try write { db in
            var recovered: [String] = []
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, owner_host, owner_pid, heartbeat FROM runs WHERE status = 'running'")
            for row in rows {
                let owner: String? = row["owner_host"]
                let pid: Int? = row["owner_pid"]
                let beat = (row["heartbeat"] as String?).flatMap(Self.date)
                let stale = beat.map { now.timeIntervalSince($0) > timeout } ?? true
                let dead = owner == host && pid.map { kill(pid_t($0), 0) != 0 && errno == ESRCH } == true
                let mine = owner == host && pid == ownerPID
                guard (stale || dead) && !mine else { continue }
                try db.execute(
                    sql: """
                        UPDATE runs SET status = 'interrupted', owner_host = NULL, owner_pid = NULL, heartbeat = NULL,
                            error = ? WHERE id = ? AND status = 'running'
                        """,
                    arguments: ["abandoned by process \(pid ?? 0) on \(owner ?? "?")", row["id"] as String]
                )
                recovered.append(row["id"])
            }
            return recovered
        }
    }

    /// The status of each of the given runs.
    public func statuses(of ids: [String]) throws(StoreError) -> [String: RunStatus] {
        try read { db in
            var result: [String: RunStatus] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(ids.count, chunk + 500)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                for row in try Row.fetchAll(
                    db, sql: "SELECT id, status FROM runs WHERE id IN (\(marks))", arguments: StatementArguments(part))
                {
                    result[row["id"]] = RunStatus(rawValue: row["status"]) ?? .pending
                }
            }
            return result
        }
    }

    /// The statuses a run may be claimed from.
    static func claimable(retryFailed: Bool) -> [RunStatus] {
        retryFailed ? [.pending, .interrupted, .failed, .diverged] : [.pending, .interrupted]
    }

    /// Atomically takes a run for this process: `pending` or `interrupted` (or, with
    /// `retryFailed`, `failed` or `diverged`) becomes `running`, owned by this pid and host.
    ///
    /// - Returns: `false` when another process holds it or it has finished.
    public func claim(_ runID: String, retryFailed: Bool) throws(StoreError) -> Bool {
        let statuses = Self.claimable(retryFailed: retryFailed).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let now = Self.timestamp()
        return try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat = ?, started = ?,
                        error = NULL WHERE id = ? AND status IN (\(statuses))
                    """,
                arguments: [environment.host, ownerPID, now, now, runID]
            )
            return db.changesCount == 1
        }
    }

    /// Takes several runs at once, in one transaction (see ``claim(_:retryFailed:)``).
    ///
    /// - Returns: the ids this process now holds.
    public func claim(_ runIDs: [String], retryFailed: Bool) throws(StoreError) -> Set<String> {
        guard !runIDs.isEmpty else { return [] }
        let statuses = Self.claimable(retryFailed: retryFailed).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: runIDs.count).joined(separator: ", ")
        let now = Self.timestamp()
        let host = environment.host
        let pid = ownerPID
        return try write { db in
            let arguments: [any DatabaseValueConvertible] = [host, pid, now, now] + runIDs
            return Set(
                try String.fetchAll(
                    db,
                    sql: """
                        UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat = ?, started = ?,
                            error = NULL WHERE id IN (\(marks)) AND status IN (\(statuses)) RETURNING id
                        """,
                    arguments: StatementArguments(arguments)
                )
            )
        }
    }

    /// Refreshes the heartbeat of every run this process holds.
    public func heartbeat() throws(StoreError) {
        let now = Self.timestamp()
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET heartbeat = ? WHERE status = 'running' AND owner_host = ? AND owner_pid = ?",
                arguments: [now, environment.host, ownerPID]
            )
        }
    }

    /// Queues a finished run for the next batch, and writes the batch when it holds 64 runs or
    /// the last one is over a second old.
    ///
    /// - Parameters:
    ///   - record: the finished run.
    ///   - beforeFlush: runs before a batch is written (the caller syncs the checkpoint folder
    ///     there, so that rows never point at files that are not yet durable).
    /// - Throws: what `beforeFlush` throws, or ``StoreError``.
    func enqueue(_ record: FinishedRun, beforeFlush: () throws -> Void = {}) throws {
        let due = buffer.withLock { buffer in
            buffer.records.append(record)
            return buffer.records.count >= 64 || buffer.lastFlush.duration(to: .now) > .seconds(1)
        }
        if due {
            try beforeFlush()
            try flush()
        }
    }

    /// Writes every queued finished run in one transaction.
    public func flush() throws(StoreError) {
        let records = buffer.withLock { buffer in
            defer {
                buffer.records = []
                buffer.lastFlush = .now
            }
            return buffer.records
        }
        guard !records.isEmpty else { return }
        let env = environment
        try write { db in
            let update = try db.cachedStatement(
                sql: """
                    UPDATE runs SET status = ?, finished = ?, duration = ?, training_seconds = ?, final_loss = ?,
                        best_loss = ?, best_iteration = ?, iterations_run = ?, target_reached_iteration = ?,
                        stop_reason = ?, checkpoint_path = ?, checkpoint_sha256 = ?, initial_checkpoint_path = ?,
                        curve_sha256 = ?, host = ?, code_version = ?, toolchain = ?, os = ?, cpu = ?, build_config = ?,
                        error = ?, owner_host = NULL, owner_pid = NULL, heartbeat = NULL, started = ?
                    WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?
                    """
            )
            let curve = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO curves (run_id, iterations, losses) VALUES (?, ?, ?)"
            )
            for record in records {
                let result = record.result
                let blob = LossCurve.encode(result.losses)
                try update.execute(
                    arguments: [
                        result.status.rawValue, record.finished, record.duration, result.trainingSeconds,
                        result.finalLoss,
                        result.bestLoss, result.bestIteration, result.iterationsRun, result.targetReachedIteration,
                        result.stopReason, record.checkpoint.finalPath, record.checkpoint.payloadSHA256,
                        record.checkpoint.initialPath, LossCurve.sha256(blob), env.host, env.codeVersion, env.toolchain,
                        env.os, env.cpu, env.buildConfig, nil, record.started, result.runID, env.host, ownerPID,
                    ]
                )
                // Another process took the run over (this one was presumed dead): keep its result.
                if db.changesCount == 1 {
                    try curve.execute(arguments: [result.runID, result.losses.count, blob])
                }
            }
        }
    }

    /// Records that a run failed with an error (status `failed`).
    public func recordFailure(runID: String, error: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'failed', error = ?, finished = ?, owner_host = NULL, owner_pid = NULL,
                        heartbeat = NULL WHERE id = ? AND owner_host = ? AND owner_pid = ?
                    """,
                arguments: [error, Self.timestamp(), runID, environment.host, ownerPID]
            )
        }
    }

    /// Returns one run this process holds to `interrupted`, with no result recorded.
    public func release(_ runID: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'interrupted', owner_host = NULL, owner_pid = NULL, heartbeat = NULL
                    WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?
                    """,
                arguments: [runID, environment.host, ownerPID]
            )
        }
    }

    /// The runs this process holds (status `running`, owned by this host and pid).
    public func heldRuns() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM runs WHERE status = 'running' AND owner_host = ? AND owner_pid = ?",
                arguments: [environment.host, ownerPID])
        }
    }

    /// Returns the runs this process holds to `interrupted` (after SIGINT, or an error).
    public func releaseClaims() throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'interrupted', owner_host = NULL, owner_pid = NULL, heartbeat = NULL
                    WHERE status = 'running' AND owner_host = ? AND owner_pid = ?
                    """,
                arguments: [environment.host, ownerPID]
            )
        }
    }
}
