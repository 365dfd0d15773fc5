/// Why a checkpoint could not be read, decoded, converted or written.
///
/// `description` is one line: the file, the code and what to do, such as
/// `results/checkpoints/3f2a9c1b7d0e.ckpt.gz: truncated: the gzip stream ends early (file cut short?);
/// re-run the run to write it again.`
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public enum Code: String, Sendable {
        /// The gzip stream ends early: the file was cut short.
        case truncated
        /// The gzip stream is damaged, its CRC-32 does not match, or bytes follow it.
        case corrupted
        /// The file is not gzip, or its contents do not start with `LSTMCKPT`.
        case notACheckpoint
        /// The format version is one this build does not read.
        case unsupportedVersion
        /// The header's length or JSON is invalid.
        case badHeader
        /// The payload's length or SHA-256 disagrees with the header.
        case payloadMismatch
        /// An array is missing or its shape disagrees with the header's sizes, or an array's values
        /// do not fill its shape.
        case shapeMismatch
        /// The file could not be read or written.
        case io
        /// A valid checkpoint, but not the one the database recorded for the run: another run's
        /// (the header's `runID` differs) or another result (the payload digest differs).
        case wrongRun
    }

    /// What is wrong.
    public let code: Code
    /// The checkpoint's path (or, for one not yet written, `checkpoint of run RUNID`).
    public let file: String
    /// What failed and how to fix it, without the file and code.
    public let message: String
    /// For `io`, the `errno` value behind the failure, when there is one (`ENOSPC`: the disk is full).
    public var systemError: Int32?
    /// The error this one reports, when it wraps one (an ``AtomicFileError``, a ``GzipError``), as
    /// swift-nio's `FileSystemError` keeps its cause.
    public var underlying: (any Error)?

    /// Creates an error from its parts.
    ///
    /// - Parameters:
    ///   - code: What is wrong.
    ///   - file: The checkpoint's path.
    ///   - message: What failed and how to fix it.
    public init(_ code: Code, file: String, message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    /// `FILE: CODE: MESSAGE`.
    public var description: String { "\(file): \(code.rawValue): \(message)" }
}
