import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file could not be written atomically (or read whole): the step that failed, the path and
/// the operating system's reason.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable {
    /// The step that failed.
    public enum Code: String, Sendable {
        /// The destination directory could not be created.
        case createDirectory
        /// The temporary file could not be created.
        case createTemporary
        /// Writing the bytes (or the caller's writer) failed.
        case write
        /// `fsync` of the file or of its directory failed.
        case sync
        /// Renaming the temporary file over the destination failed.
        case rename
        /// The file could not be opened or read.
        case read
        /// The path names something other than a regular file (a device, a FIFO, a directory),
        /// which is not read: `/dev/zero` would never end.
        case notRegularFile
    }

    /// The step that failed.
    public let code: Code
    /// The path the caller asked for (not the temporary file's).
    public let path: String
    /// The operating system's explanation, such as `No space left on device (errno 28)`; for
    /// `createDirectory`, after the directory's path.
    public let reason: String
    /// The `errno` value behind the failure, when there is one (`ENOSPC`: the disk is full).
    public var systemError: Int32?

    /// Creates an error from its parts.
    ///
    /// - Parameters:
    ///   - code: The step that failed.
    ///   - path: The path the caller asked for.
    ///   - reason: The operating system's explanation.
    public init(_ code: Code, path: String, reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    /// Creates an error from an `errno` value.
    package init(_ code: Code, path: String, errno number: Int32) {
        self.init(code, path: path, reason: "\(String(cString: strerror(number))) (errno \(number))")
        systemError = number
    }

    /// The most useful text of an error from Foundation or a library: the POSIX reason when there
    /// is one, else Foundation's description, else the error itself.
    ///
    /// - Parameter error: The error.
    /// - Returns: One line, such as `No such file or directory (errno 2)`.
    package static func reason(of error: any Error) -> String {
        let nsError = error as NSError
        let underlying = (nsError.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        let posix = [nsError, underlying].compactMap { $0 }.first { $0.domain == NSPOSIXErrorDomain }
        if let posix {
            let number = Int32(truncatingIfNeeded: posix.code)
            return "\(String(cString: strerror(number))) (errno \(number))"
        }
        return nsError.domain == NSCocoaErrorDomain ? nsError.localizedDescription : "\(error)"
    }

    /// One line: the path, what failed, why, and what to do.
    public var description: String { "\(path): \(summary)" }

    /// What failed, why, and what to do, without the path.
    public var summary: String {
        switch code {
        case .createDirectory:
            "cannot create its directory \(reason); check that no file is in the way and the parent is writable."
        case .createTemporary:
            "cannot create a temporary file next to it: \(reason); check that the directory is writable."
        case .write:
            "writing failed: \(reason); check free disk space and permissions, then retry."
        case .sync:
            "fsync failed: \(reason); the disk may be failing or full: check it, then retry."
        case .rename:
            "cannot move the new file into place: \(reason); check the directory's permissions, then retry."
        case .read:
            "cannot read the file: \(reason); check the path and its permissions."
        case .notRegularFile:
            "is \(reason), not a regular file, and is not read; give the path of a file."
        }
    }
}
