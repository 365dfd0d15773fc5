/// A problem with a results database: one line naming the file and saying what to do.
///
/// SQLite errors keep SQLite's words, as GRDB prints them: `SQLite error 19: NOT NULL constraint
/// failed: runs.id - while executing ...`.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem.
    public enum Code: String, Sendable {
        /// The `--db` path cannot be used (missing directory, read-only, not a database).
        case badPath
        /// The database was written by a newer lstm-runner.
        case newerSchema
        /// A run or experiment that the database does not have, or an ambiguous prefix.
        case notFound
        /// A prefix that matches more than one run.
        case ambiguous
        /// SQLite reported an error.
        case sqlite
        /// Merging found the same run id with a different result.
        case conflict
        /// A checkpoint file that a run refers to is missing or damaged.
        case checkpoint
        /// Another live process is working on the database (a `runner run` holds claimed runs).
        case inUse
        /// An experiment of the spec's name was recorded from a different spec.
        case specMismatch
        /// The disk holding the database is full (`SQLITE_FULL`, or an I/O error with no space left).
        case diskFull
    }

    /// The kind of problem.
    public var code: Code
    /// The database file.
    public var file: String
    /// What is wrong and how to fix it.
    public var problem: String

    /// The error this one reports, when it wraps one (GRDB's `DatabaseError` for `sqlite` and
    /// `diskFull`, with its result code and statement), as swift-nio's `FileSystemError` keeps its
    /// cause: the message is for people, the cause for code that needs to tell errors apart.
    public var underlying: (any Error)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - file: The database file.
    ///   - problem: What is wrong and how to fix it.
    ///   - underlying: The error it wraps, if any.
    public init(_ code: Code, file: String, _ problem: String, underlying: (any Error)? = nil) {
        self.code = code
        self.file = file
        self.problem = problem
        self.underlying = underlying
    }

    /// Whether the user can fix it by changing what they typed (exit 64) rather than a failure (exit 1).
    public var isUsageError: Bool {
        code == .badPath || code == .notFound || code == .ambiguous || code == .specMismatch
    }

    /// `FILE: PROBLEM`; for a full disk `disk full: cannot write FILE (PROBLEM)`.
    public var description: String {
        code == .diskFull ? "disk full: cannot write \(file) (\(problem))" : "\(file): \(problem)"
    }
}
