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
    /// Only lstm-runner's own databases are opened: a new database is stamped with
    /// ``applicationID`` (`PRAGMA application_id`); one made before the stamp is recognised by
    /// its tables (and stamped when opened for writing). Another program's SQLite file, an empty
    /// file opened for reading, and anything that is not a regular file (`/dev/null`, a FIFO) are
    /// refused. A read-only open needs no write access: on read-only media, where SQLite cannot
    /// create the `-shm` file that WAL mode reads through, the file is opened as immutable (unless
    /// a `-wal` file holds changes that would then be missed).
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - readOnly: open for queries only; the file must exist.
    ///   - environment: what runs recorded by this process are stamped with; by default this
    ///     process's (``RunEnvironment/current``), or nothing for a read-only store, which records
    ///     no runs (working out the code version runs git, which `runner report` need not wait for).
    /// - Throws: ``StoreError`` `badPath` with one clear line for a missing directory, a
    ///   read-only or missing file (or a read-only `-wal` or `-shm` file beside it), a file that
    ///   is not a regular file, not a database or another program's database; `newerSchema`.
    public init(path: String, readOnly: Bool = false, environment: RunEnvironment? = nil) throws(StoreError) {
        self.path = path
        url = URL(fileURLWithPath: path)
        self.environment = environment ?? (readOnly ? .unrecorded : .current)
        ownerPID = Int(ProcessInfo.processInfo.processIdentifier)
        try Self.checkPath(path, readOnly: readOnly)
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
                let queue = try Self.openQueue(path: path, configuration: configuration)
                try queue.writeWithoutTransaction { db in
                    let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    let stamped = try Self.checkIdentity(db, file: path, readOnly: readOnly)
                    if readOnly {
                        if version > StoreSchema.currentVersion {
                            try StoreSchema.migrate(db, file: path)
                        }
                        return
                    }
                    if version != StoreSchema.currentVersion || !stamped {
                        try db.inTransaction(.immediate) {
                            try StoreSchema.migrate(db, file: path)
                            try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
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
            if let companion = Self.readOnlyCompanion(of: path) {
                throw Self.readOnlyCompanionError(path, companion)
            }
            throw StoreError(
                .badPath, file: path, "cannot be written (\(error.message ?? "read-only")); choose another --db.")
        } catch let error as DatabaseError where Self.isOutOfSpace(error, path: path) {
            throw StoreError(.diskFull, file: path, Self.outOfSpaceText(error))
        } catch {
            throw Self.sqliteFailure(error, path: path)
        }
    }

    /// The `PRAGMA application_id` of lstm-runner's databases: `LSTM` in ASCII.
    static let applicationID: Int32 = 0x4c53_544d

    /// The tables every lstm-runner database has, by which one made before ``applicationID`` is
    /// recognised.
    static let requiredTables: Set<String> = ["experiments", "runs", "experiment_runs", "curves"]

    /// Checks what `path` names before SQLite opens it: no directory, no device or FIFO, a
    /// writable file (and `-wal` and `-shm` beside it) unless `readOnly`, an existing one if
    /// `readOnly`, an existing writable directory for a new one.
    private static func checkPath(_ path: String, readOnly: Bool) throws(StoreError) {
        guard !path.isEmpty else {
            throw StoreError(.badPath, file: "--db", "is empty; give a database file such as results/runs.sqlite.")
        }
        let manager = FileManager.default
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw StoreError(
                    .badPath, file: path, "is a directory; give a database file such as \(path)/runs.sqlite.")
            }
            if let kind = POSIXFile.kind(ofFileAt: path), !kind.isRegular {
                throw StoreError(
                    .badPath, file: path,
                    "is \(kind.kind), not a database file; give a results database such as results/runs.sqlite.")
            }
            if !readOnly && access(path, W_OK) != 0 && errno == EROFS {
                throw StoreError(
                    .badPath, file: path,
                    "is on a read-only file system; copy it (with its checkpoints folder) to writable storage, "
                        + "or use a command that only reads it (report, show, export).")
            }
            if !readOnly && !isWritable(path) {
                throw StoreError(
                    .badPath, file: path, "is read-only; make it writable (chmod u+w) or choose another --db.")
            }
            if !readOnly, let companion = readOnlyCompanion(of: path) {
                throw readOnlyCompanionError(path, companion)
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
    }

    /// Whether the file at `path` may be written: by `access(2)`, and by its permission bits, since
    /// root may write anything but a file made read-only (chmod a-w) was meant to be left alone.
    private static func isWritable(_ path: String) -> Bool {
        let manager = FileManager.default
        let mode = (try? manager.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o644
        return manager.isWritableFile(atPath: path) && mode & 0o222 != 0
    }

    /// The database's `-wal` or `-shm` file, when one is there and read-only (SQLite then opens
    /// the database read-only, and the first write fails with "attempt to write a readonly
    /// database" without naming the file).
    ///
    /// Another connection may create or delete these files at any moment (checkpointing removes
    /// the `-wal`), so a file that vanishes while it is looked at is not read-only.
    private static func readOnlyCompanion(of path: String) -> String? {
        ["-wal", "-shm"].map { path + $0 }.first { companion in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: companion),
                let mode = attributes[.posixPermissions] as? Int
            else { return false }
            if mode & 0o222 == 0 { return true }
            return access(companion, W_OK) != 0 && errno != ENOENT
        }
    }

    private static func readOnlyCompanionError(_ path: String, _ companion: String) -> StoreError {
        let role = companion.hasSuffix("-wal") ? "write-ahead log" : "shared-memory index"
        return StoreError(
            .badPath, file: path,
            "its \(role) \(companion) is read-only (left by another user or a copy); make it writable "
                + "(chmod u+w \(companion); chattr -i if it is immutable) or choose another --db.")
    }

    /// Opens a queue; for a read-only queue that SQLite cannot open (read-only media, where the
    /// `-shm` file WAL mode reads through cannot be created), opens the file as immutable instead.
    ///
    /// - Throws: ``StoreError`` `badPath` when a `-wal` file holds changes that an immutable open
    ///   would miss; GRDB's errors.
    private static func openQueue(path: String, configuration: Configuration) throws -> DatabaseQueue {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            if configuration.readonly {
                // SQLite opens lazily: the first read is what finds the -shm file missing.
                _ = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
            }
            return queue
        } catch let error as DatabaseError
            where configuration.readonly && [.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode)
        {
            let wal = path + "-wal"
            let walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            guard walSize == 0 else {
                throw StoreError(
                    .badPath, file: path,
                    "cannot be opened for reading (\(error.message ?? "\(error.resultCode)")): it is on read-only "
                        + "media and its write-ahead log \(wal) holds changes SQLite cannot read there without "
                        + "creating \(path)-shm; copy the folder to writable storage, or open the database once "
                        + "where it is writable (runner report) so the log is merged into it.")
            }
            // Nothing can change a file on read-only media, which is what `immutable` tells SQLite.
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "?#%")
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let uri = "file:\(absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute)?immutable=1"
            let queue = try DatabaseQueue(path: uri, configuration: configuration)
            _ = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
            return queue
        }
    }

    /// Checks that an open database is lstm-runner's (or new and empty, when writing).
    ///
    /// - Returns: whether it carries ``applicationID`` already.
    /// - Throws: ``StoreError`` `badPath` for another program's database, or an empty one opened
    ///   for reading.
    private static func checkIdentity(_ db: Database, file: String, readOnly: Bool) throws -> Bool {
        let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if application == applicationID { return true }
        let tables = Set(
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if application != 0 || (!tables.isEmpty && !tables.isSuperset(of: requiredTables)) {
            let what =
                application != 0
                ? "application_id \(application)"
                : "tables " + tables.sorted().prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
            throw StoreError(
                .badPath, file: file,
                "is another program's SQLite database (\(what)), not an lstm-runner results database; "
                    + "give a results database or a new file name.")
        }
        if tables.isEmpty && readOnly && version <= StoreSchema.currentVersion {
            throw StoreError(
                .badPath, file: file,
                "holds no results (an empty database); run an experiment into it first (runner run SPEC --db "
                    + "\(file)) or check --db.")
        }
        return false
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

    /// An SQLite failure as one line: a damaged file says so and how to recover it; any other
    /// error gives SQLite's code and message, never the SQL it was running.
    static func sqliteFailure(_ error: any Error, path: String) -> StoreError {
        guard let error = error as? DatabaseError else { return StoreError(.sqlite, file: path, "\(error)") }
        let message = error.message ?? "\(error.resultCode)"
        if error.resultCode == .SQLITE_CORRUPT {
            return StoreError(
                .sqlite, file: path,
                "is damaged (\(message)); restore it from a copy, or save what is left with sqlite3 \(path) .recover.")
        }
        return StoreError(.sqlite, file: path, "SQLite error \(error.resultCode.rawValue): \(message)")
    }

    /// Copies the write-ahead log's committed pages into the database file (`PRAGMA
    /// wal_checkpoint(PASSIVE)`), so that the `.sqlite` file alone holds every result: a copy of it
    /// made without its `-wal` file (`cp`, `scp` from a cluster) loses nothing. Best effort and
    /// never waits: pages another process is still using stay in the log for its own checkpoint.
    public func checkpointLog() {
        try? queue.writeWithoutTransaction { db in
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
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
            throw Self.sqliteFailure(error, path: path)
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
            throw Self.sqliteFailure(error, path: path)
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

    private func recordedSpecMismatch(_ spec: ExperimentSpec, runIDs: Set<String>, _ db: Database) throws
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
                let mine = owner == host && pid == ownerPID
                guard Self.isAbandoned(row, host: host, now: now, timeout: timeout) && !mine else { continue }
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

    /// Whether the process that holds a `running` row is gone: on this host its pid is dead; on
    /// any host its heartbeat is older than `timeout` seconds (or missing).
    ///
    /// - Parameters:
    ///   - row: a row with `owner_host`, `owner_pid` and `heartbeat`.
    ///   - host: this host's name.
    ///   - now: the time to measure the heartbeat's age against.
    ///   - timeout: the age after which a heartbeat counts as stopped.
    /// - Returns: `true` when nothing holds the run any more.
    static func isAbandoned(_ row: Row, host: String, now: Date, timeout: Double) -> Bool {
        let owner: String? = row["owner_host"]
        let pid: Int? = row["owner_pid"]
        let beat = (row["heartbeat"] as String?).flatMap(Self.date)
        let stale = beat.map { now.timeIntervalSince($0) > timeout } ?? true
        let dead = owner == host && pid.map { kill(pid_t($0), 0) != 0 && errno == ESRCH } == true
        return stale || dead
    }

    /// The runs that a live process is training (claimed, its heartbeat fresh and, on this host,
    /// its pid alive), with their owners, as `(id, "pid P on HOST")`.
    ///
    /// - Parameters:
    ///   - db: a connection inside the caller's transaction.
    ///   - host: this host's name.
    ///   - timeout: the heartbeat age after which a claim counts as abandoned.
    /// - Returns: the live claims, by run id.
    /// - Throws: GRDB's errors.
    static func liveClaims(_ db: Database, host: String, timeout: Double = 60) throws -> [(String, String)] {
        let now = Date()
        return try Row.fetchAll(
            db, sql: "SELECT id, owner_host, owner_pid, heartbeat FROM runs WHERE status = 'running' ORDER BY id"
        ).filter { !isAbandoned($0, host: host, now: now, timeout: timeout) }.map { row in
            (row["id"], "pid \((row["owner_pid"] as Int?) ?? 0) on \((row["owner_host"] as String?) ?? "?")")
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
