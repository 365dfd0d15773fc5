import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a file so that a reader, or a machine that crashes, sees the old contents or the new,
/// never a mix.
///
/// The new bytes go to a temporary file in the destination's directory, named
/// `.NAME.tmp-PID-RANDOM` (hidden, and on the same file system so the rename is atomic). It is
/// fsynced, renamed over the destination, and then the directory is fsynced, so that the rename
/// itself is durable when `write` returns. On any failure before the rename, the temporary file is
/// removed and the destination is left as it was.
public enum AtomicFile {
    /// Writes `data` to `url`, replacing any file there.
    ///
    /// - Parameters:
    ///   - data: The new contents.
    ///   - url: A file URL; its directory must exist unless `createDirectory` is set.
    ///   - createDirectory: Whether to create the directory (and its parents) when missing.
    /// - Throws: ``AtomicFileError`` naming `url`'s path and the step that failed.
    public static func write(_ data: Data, to url: URL, createDirectory: Bool = false) throws(AtomicFileError) {
        let reportedPath = url.relativePath
        do {
            try write(to: url, createDirectory: createDirectory) { temporary in
                try POSIXFile.create(temporary.path, contents: data, reportedPath: reportedPath)
            }
        } catch let error as AtomicFileError {
            throw error
        } catch {
            throw AtomicFileError(.write, path: reportedPath, reason: "\(error)")
        }
    }

    /// Lets `writer` create the new file at a temporary URL, then syncs it and renames it to `url`.
    ///
    /// Use this for writers that need a path of their own, such as a ZIP archive. `writer` must
    /// create the file at the URL it is given (nothing is there yet) and close it before returning.
    ///
    /// - Parameters:
    ///   - url: A file URL; its directory must exist unless `createDirectory` is set.
    ///   - createDirectory: Whether to create the directory (and its parents) when missing.
    ///   - writer: Creates the file at the temporary URL it is passed.
    /// - Throws: What `writer` throws, unchanged, or ``AtomicFileError`` for the other steps.
    public static func write(
        to url: URL,
        createDirectory: Bool = false,
        using writer: (URL) throws -> Void
    ) throws {
        let reportedPath = url.relativePath
        let directory = url.deletingLastPathComponent()
        if createDirectory {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw AtomicFileError(
                    .createDirectory,
                    path: reportedPath,
                    reason: "\(directory.relativePath): \(AtomicFileError.reason(of: error))"
                )
            }
        }
        let temporary = temporaryURL(for: url)
        do {
            try writer(temporary)
            try POSIXFile.sync(temporary.path, directory: false, reportedPath: reportedPath)
            guard rename(temporary.path, url.path) == 0 else {
                throw AtomicFileError(.rename, path: reportedPath, errno: errno)
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
        try POSIXFile.sync(directory.path, directory: true, reportedPath: reportedPath)
    }

    /// `.NAME.tmp-PID-RANDOM` in `url`'s directory, `RANDOM` being eight hex digits.
    ///
    /// - Parameter url: The destination.
    /// - Returns: The temporary file's URL.
    static func temporaryURL(for url: URL) -> URL {
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        let padded = String(repeating: "0", count: 8 - random.count) + random
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(padded)", isDirectory: false)
    }
}
