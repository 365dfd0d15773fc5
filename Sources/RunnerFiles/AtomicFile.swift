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
///
/// On Linux, a file that does not exist yet is written without any temporary name: through an
/// unnamed `O_TMPFILE` file, fsynced, then linked to its name. A process killed mid-write then
/// leaves nothing behind. Temporary files that killed processes left while replacing files are
/// removed by ``removeStaleTemporaries(in:)``.
///
/// A destination that exists and is not a regular file (a device such as `/dev/full`, a FIFO), or
/// that lies under `/dev/` (`/dev/stdout`, whatever standard output is), is written in place
/// instead, every write checked: it cannot be replaced, and renaming a file over it would remove
/// the device or the link.
public enum AtomicFile {
    /// Whether `path` is this process's standard output (`/dev/stdout`, `/dev/fd/1`, a link to
    /// one), so that a command writing a file there prints nothing else to it.
    ///
    /// - Parameter path: A path as the user gave it.
    /// - Returns: `true` for standard output.
    public static func isStandardOutput(_ path: String) -> Bool {
        POSIXFile.inheritedDescriptor(path) == 1
    }

    /// Writes `data` to `url`, replacing any file there.
    ///
    /// - Parameters:
    ///   - data: The new contents.
    ///   - url: A file URL; its directory must exist unless `createDirectory` is set.
    ///   - createDirectory: Whether to create the directory (and its parents) when missing.
    ///   - deferSync: Leave a new file's data and name unsynced; the caller makes a whole batch
    ///     durable at once with ``syncBatch(in:)`` before anything refers to the files (group
    ///     commit: one flush instead of one per file). A file that replaces another is synced
    ///     at once regardless.
    /// - Throws: ``AtomicFileError`` naming `url`'s path and the step that failed.
    public static func write(_ data: Data, to url: URL, createDirectory: Bool = false, deferSync: Bool = false)
        throws(AtomicFileError)
    {
        do {
            try stream(to: url, createDirectory: createDirectory, deferSync: deferSync) { file in try file.write(data) }
        } catch let error as AtomicFileError {
            throw error
        } catch {
            throw AtomicFileError(.write, path: url.relativePath, reason: "\(error)")
        }
    }

    /// Writes a new file at `url` from the pieces `contents` hands over, replacing any file there,
    /// so that large contents are never held in memory whole.
    ///
    /// - Parameters:
    ///   - url: A file URL; its directory must exist unless `createDirectory` is set.
    ///   - createDirectory: Whether to create the directory (and its parents) when missing.
    ///   - deferSync: As for ``write(_:to:createDirectory:deferSync:)``.
    ///   - contents: Writes the bytes through the writer it is passed.
    /// - Throws: What `contents` throws, unchanged (nothing is left behind), or
    ///   ``AtomicFileError`` for the other steps.
    package static func stream(
        to url: URL,
        createDirectory: Bool = false,
        deferSync: Bool = false,
        contents: (POSIXFile.FileWriter) throws -> Void
    ) throws {
        let reportedPath = url.relativePath
        if POSIXFile.isSpecialFile(url.path) {
            try POSIXFile.writeInPlace(url.path, reportedPath: reportedPath, contents: contents)
            return
        }
        if !FileManager.default.fileExists(atPath: url.path) {
            let directory = url.deletingLastPathComponent()
            if createDirectory {
                try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            }
            if FileManager.default.fileExists(atPath: directory.path),
                try POSIXFile.createUnnamed(
                    url.path,
                    directory: directory.path,
                    reportedPath: reportedPath,
                    sync: !deferSync,
                    contents: contents
                )
            {
                if !deferSync {
                    try POSIXFile.sync(directory.path, directory: true, reportedPath: reportedPath)
                }
                return
            }
        }
        try write(to: url, createDirectory: createDirectory) { temporary in
            try POSIXFile.create(temporary.path, reportedPath: reportedPath, contents: contents)
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
        if POSIXFile.isSpecialFile(url.path) {
            try writeThroughTemporary(to: url, using: writer)
            return
        }
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

    /// Lets `writer` create a file in the temporary directory, then copies it into the special
    /// file `url` (a device or FIFO) and removes it.
    private static func writeThroughTemporary(to url: URL, using writer: (URL) throws -> Void) throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            ".lstm-runner.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { unlink(temporary.path) }
        try writer(temporary)
        let data = try POSIXFile.readAll(temporary.path)
        try POSIXFile.writeInPlace(url.path, reportedPath: url.relativePath) { file in try file.write(data) }
    }

    /// Makes every file written with `deferSync` in `directory` durable: one `syncfs` of the
    /// file system holding it (its data), then an fsync of the directory (their names).
    ///
    /// - Parameter directory: The folder.
    /// - Throws: ``AtomicFileError`` with code `sync`.
    public static func syncBatch(in directory: URL) throws(AtomicFileError) {
        try POSIXFile.syncFileSystem(of: directory.path)
        try POSIXFile.sync(directory.path, directory: true, reportedPath: directory.relativePath)
    }

    /// Removes the temporary files (`.NAME.tmp-PID-RANDOM`) that processes no longer running left
    /// in `directory`.
    ///
    /// - Parameter directory: The folder to clean.
    /// - Returns: How many files were removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards) else { continue }
            let pidText = name[marker.upperBound...].prefix { $0 != "-" }
            guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            if unlink(directory.appendingPathComponent(name).path) == 0 { removed += 1 }
        }
        return removed
    }

    /// `.NAME.tmp-PID-RANDOM` in `url`'s directory, `RANDOM` being eight hex digits.
    ///
    /// - Parameter url: The destination.
    /// - Returns: The temporary file's URL.
    package static func temporaryURL(for url: URL) -> URL {
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        let padded = String(repeating: "0", count: 8 - random.count) + random
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(padded)", isDirectory: false)
    }
}
