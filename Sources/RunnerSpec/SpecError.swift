/// A problem with an experiment spec or a trial config: one line that names the file, the key
/// path and the value, and says how to fix it.
///
/// `runner` prints ``description`` and exits 64; nothing is run.
public struct SpecError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem it is.
    public enum Code: String, Sendable, Equatable {
        /// The file cannot be read.
        case unreadable
        /// The file is not valid JSON or property list.
        case syntax
        /// The file's extension names no format we read.
        case unsupportedFormat
        /// A key that the schema does not have.
        case unknownKey
        /// A required key is missing.
        case missingKey
        /// A value of the wrong type.
        case wrongType
        /// A value outside its valid range.
        case outOfRange
        /// A plugin name that the registry does not have.
        case unknownPlugin
        /// A malformed sweep axis.
        case badSweep
        /// A sweep axis with no values.
        case emptySweep
        /// A grid larger than the limit.
        case tooManyTrials
    }

    /// The kind of problem.
    public var code: Code
    /// The spec file (as the user named it), or a description of the source such as `--targets`.
    public var file: String
    /// The dotted key path (`training.learningRate`, `sweep.seed.range[1]`), if the problem has one.
    public var keyPath: String?
    /// What is wrong and how to fix it, without the file and key path.
    public var problem: String

    /// Creates an error.
    public init(_ code: Code, file: String, keyPath: String? = nil, _ problem: String) {
        self.code = code
        self.file = file
        self.keyPath = keyPath
        self.problem = problem
    }

    /// `FILE: KEYPATH PROBLEM` on one line, e.g.
    /// `experiments/a.json: training.learningRate is -0.1; a learning rate must be > 0.`
    public var description: String {
        if let keyPath {
            return "\(file): \(keyPath) \(problem)"
        }
        return "\(file): \(problem)"
    }
}
