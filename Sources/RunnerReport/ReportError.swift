import RunnerStore

/// A problem with what `runner report`, `compare` or `plot` were asked: one line saying what is
/// wrong and how to fix it.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem.
    public enum Code: String, Sendable {
        /// An experiment that the database does not have.
        case unknownExperiment
        /// A column name (in `--group-by`, `--sort`, `--heatmap`) that is not known.
        case unknownColumn
        /// A `--where` expression that does not parse.
        case badFilter
        /// An option value that is out of range or does not fit the others.
        case badOption
        /// A filter or a run that selects nothing to compare or plot.
        case nothingSelected
        /// The results database failed.
        case store
        /// A file could not be written.
        case output
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong and how to fix it.
    public var message: String
    /// Whether the user can fix it by changing what they typed (exit 64) rather than a failure (exit 1).
    public var isUsageError: Bool

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of problem.
    ///   - message: What is wrong and how to fix it.
    ///   - isUsageError: Whether it is the user's input (exit 64); by default everything but
    ///     `store` and `output`.
    public init(_ code: Code, _ message: String, isUsageError: Bool? = nil) {
        self.code = code
        self.message = message
        self.isUsageError = isUsageError ?? (code != .store && code != .output)
    }

    /// Wraps a database error, keeping whether it is a usage error.
    ///
    /// - Parameter error: The store's error.
    public init(_ error: StoreError) {
        self.init(.store, error.description, isUsageError: error.isUsageError)
    }

    /// Wraps a `--where` parse error.
    ///
    /// - Parameter error: The parser's error.
    public init(_ error: FilterError) {
        self.init(.badFilter, error.message)
    }

    /// The message.
    public var description: String { message }
}
