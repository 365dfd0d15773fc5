/// Why an `.npz` file could not be written or read.
public struct NPZError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public enum Code: String, Sendable {
        /// The file could not be read or written.
        case io
        /// The file is not a ZIP archive.
        case notAnArchive
        /// An entry is not a well-formed `.npy` array.
        case malformed
        /// An array is well-formed but of a kind this reader does not load (dtype, Fortran order).
        case unsupported
        /// An array to write is invalid: an empty or repeated name, or values that do not fill its
        /// shape.
        case invalidArray
    }

    /// What is wrong.
    public let code: Code
    /// The `.npz` file's path.
    public let file: String
    /// The array concerned, when there is one.
    public let array: String?
    /// What failed and how to fix it.
    public let message: String

    /// Creates an error from its parts.
    ///
    /// - Parameters:
    ///   - code: What is wrong.
    ///   - file: The `.npz` file's path.
    ///   - array: The array concerned, if any.
    ///   - message: What failed and how to fix it.
    public init(_ code: Code, file: String, array: String? = nil, message: String) {
        self.code = code
        self.file = file
        self.array = array
        self.message = message
    }

    /// `FILE: array 'NAME': CODE: MESSAGE`, or without the array part.
    public var description: String {
        let arrayPart = array.map { "array '\($0)': " } ?? ""
        return "\(file): \(arrayPart)\(code.rawValue): \(message)"
    }
}
