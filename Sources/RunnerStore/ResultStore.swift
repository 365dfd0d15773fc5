import Foundation
import GRDB
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
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
    package let queue: DatabaseQueue
    package let environment: RunEnvironment
    package let ownerPID: Int
    /// Finished runs not written yet (see ``enqueue(_:beforeFlush:)``).
    let buffer = Mutex(Buffer())

    struct Buffer {
        var records: [FinishedRun] = []
        var lastFlush = ContinuousClock.now
    }

    /// A finished run waiting to be written.
    ///
    /// It keeps only what its row and curve hold: the parameters, the training set, the optimizer
    /// state and the predictions are dropped (their checkpoint is written before the run is
    /// queued). Up to a batch of 64 runs wait here; with their arrays they held 200 MB of the seed
    /// sweep, so each new trial's buffers came from fresh pages (page faults and zeroing, a tenth
    /// of a small trial's time) instead of the memory the previous trials freed.
    package struct FinishedRun {
        package var result: TrialResult
        package var checkpoint: CheckpointFiles.Written
        package var started: String
        package var finished: String
        package var duration: Double

        /// Creates a value from all of its fields.
        package init(
            result: TrialResult, checkpoint: CheckpointFiles.Written, started: String, finished: String,
            duration: Double
        ) {
            var row = result
            row.initialParameters = Self.noParameters
            row.finalParameters = Self.noParameters
            row.trainingSet = nil
            row.optimizerState = [:]
            row.predictions = []
            self.result = row
            self.checkpoint = checkpoint
            self.started = started
            self.finished = finished
            self.duration = duration
        }

        /// What stands in for the dropped parameters.
        private static let noParameters = LSTMParameters(inputSize: 1, hiddenSize: 1)
    }

    /// The folder holding this database's checkpoints.
    public var checkpointDirectory: URL {
        url.deletingLastPathComponent().appendingPathComponent("checkpoints", isDirectory: true)
    }

    /// The database's default path.
    public static let defaultPath = "results/runs.sqlite"

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
                        // Rebuilding a table (migration 4) needs foreign keys off, which SQLite
                        // only lets a connection change outside a transaction.
                        try db.execute(sql: "PRAGMA foreign_keys = OFF")
                        defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
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
        } catch {
            throw Self.storeError(for: error, path: path)
        }
    }

    /// The `PRAGMA application_id` of lstm-runner's databases: `LSTM` in ASCII.
    package static let applicationID: Int32 = 0x4c53_544d

    /// The tables every lstm-runner database has, by which one made before ``applicationID`` is
    /// recognised.
    package static let requiredTables: Set<String> = ["experiments", "runs", "experiment_runs", "curves"]

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
    package static func isOutOfSpace(_ error: DatabaseError, path: String) -> Bool {
        if error.resultCode == .SQLITE_FULL { return true }
        guard error.resultCode == .SQLITE_IOERR else { return false }
        var stats = statvfs()
        let folder = (path as NSString).deletingLastPathComponent
        guard statvfs(folder.isEmpty ? "." : folder, &stats) == 0 else { return false }
        return stats.f_bavail == 0
    }

    /// `SQLite error 13: database or disk is full`, as GRDB words it, without the statement.
    package static func outOfSpaceText(_ error: DatabaseError) -> String {
        "SQLite error \(error.resultCode.rawValue): \(error.message ?? "database or disk is full")"
    }

    /// Runs `open` again while it fails with `SQLITE_BUSY`, for up to about ten seconds.
    ///
    /// Two processes that open a new database at the same moment race to switch it to WAL and to
    /// create the schema. SQLite answers one of them `SQLITE_BUSY` at once, without calling the
    /// busy handler, when waiting could deadlock (a connection holding a shared lock asking for
    /// an exclusive one, as `PRAGMA journal_mode = WAL` does); the remedy is to close and retry.
    package static func openRetryingWhileBusy<T>(_ open: () throws -> T) throws -> T {
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

    /// A failure of the database as one line, for every access (opening, reads, writes): a
    /// ``StoreError`` as it is; a full disk as `diskFull`; a damaged file saying so and how to
    /// recover it; any other SQLite error with its code and message, never the SQL it was running.
    /// The error itself is kept as ``StoreError/underlying``.
    static func storeError(for error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError, isOutOfSpace(error, path: path) {
            return StoreError(.diskFull, file: path, outOfSpaceText(error), underlying: error)
        }
        guard let databaseError = error as? DatabaseError else {
            return StoreError(.sqlite, file: path, "\(error)", underlying: error)
        }
        let message = databaseError.message ?? "\(databaseError.resultCode)"
        if databaseError.resultCode == .SQLITE_CORRUPT {
            return StoreError(
                .sqlite, file: path,
                "is damaged (\(message)); restore it from a copy, or save what is left with sqlite3 \(path) .recover.",
                underlying: error)
        }
        return StoreError(
            .sqlite, file: path, "SQLite error \(databaseError.resultCode.rawValue): \(message)", underlying: error)
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
    package func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
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
        } catch {
            throw Self.storeError(for: error, path: path)
        }
    }

    /// Runs `body` in a read transaction, mapping errors to ``StoreError``.
    package func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw Self.storeError(for: error, path: path)
        }
    }

}
