/// Why gzip data could not be compressed or decompressed.
public struct GzipError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public enum Code: String, Sendable {
        /// The data does not start with the gzip magic bytes `1f 8b`.
        case notGzip
        /// The stream ends before its end marker and trailer: the data was cut short.
        case truncated
        /// The stream is malformed or its CRC-32 or length trailer does not match the data.
        case corrupted
        /// Bytes follow the end of the gzip stream.
        case trailingData
        /// zlib itself failed (out of memory, or an invalid compression level).
        case zlib
    }

    /// What is wrong.
    public let code: Code
    /// The details, such as zlib's own message (`incorrect data check`).
    public let message: String

    /// Creates an error from its parts.
    ///
    /// - Parameters:
    ///   - code: What is wrong.
    ///   - message: The details.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// One line: `gzip: CODE: MESSAGE`.
    public var description: String { "gzip: \(code.rawValue): \(message)" }
}
