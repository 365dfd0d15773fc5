import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over `open`, `read`, `write`, `fsync` and `close` that retry on `EINTR` and report
/// failures as ``AtomicFileError`` naming the path the caller cares about.
enum POSIXFile {
    /// Creates `path` (which must not exist), writes `data` to it and fsyncs it.
    ///
    /// - Parameters:
    ///   - path: The file to create.
    ///   - data: The bytes to write.
    ///   - reportedPath: The path named in errors (the destination, not the temporary file).
    /// - Throws: ``AtomicFileError`` with code `createTemporary`, `write` or `sync`.
    static func create(_ path: String, contents data: Data, reportedPath: String) throws(AtomicFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AtomicFileError(.createTemporary, path: reportedPath, errno: errno) }
        try writeAndClose(descriptor, data, reportedPath: reportedPath)
    }

    /// Linux's `O_TMPFILE`: an unnamed file in a directory, which vanishes if the process dies
    /// before it is linked to a name.
    static let unnamedFlag: Int32 = 0o20000000 | O_DIRECTORY

    /// Writes `data` to a new file at `path` through an unnamed file (`O_TMPFILE`), fsynced and
    /// then linked to its name, so that no partial or temporary file is ever visible, even if the
    /// process is killed.
    ///
    /// - Parameters:
    ///   - path: The file to create; it must not exist.
    ///   - data: The bytes to write.
    ///   - directory: `path`'s directory.
    ///   - reportedPath: The path named in errors.
    ///   - sync: Whether to fsync the data before linking it (otherwise the caller syncs later).
    /// - Returns: `false` when the file system has no unnamed files (nothing was written).
    /// - Throws: ``AtomicFileError`` for failures to write, sync or link (`EEXIST` included).
    static func createUnnamed(
        _ path: String,
        contents data: Data,
        directory: String,
        reportedPath: String,
        sync: Bool = true
    ) throws(AtomicFileError) -> Bool {
        #if os(Linux)
            let descriptor = open(directory, unnamedFlag | O_WRONLY | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                if errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL { return false }
                throw AtomicFileError(.createTemporary, path: reportedPath, errno: errno)
            }
            let link = "/proc/self/fd/\(descriptor)"
            do {
                try writeAndClose(descriptor, data, reportedPath: reportedPath, keepOpen: true, sync: sync)
            } catch {
                close(descriptor)
                throw error
            }
            defer { close(descriptor) }
            guard linkat(AT_FDCWD, link, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 else {
                throw AtomicFileError(.rename, path: reportedPath, errno: errno)
            }
            return true
        #else
            return false
        #endif
    }

    /// Writes all of `data` to an open file, fsyncs it and closes it (unless `keepOpen`).
    private static func writeAndClose(
        _ descriptor: Int32,
        _ data: Data,
        reportedPath: String,
        keepOpen: Bool = false,
        sync: Bool = true
    ) throws(AtomicFileError) {
        var failure: AtomicFileError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = AtomicFileError(.write, path: reportedPath, errno: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil && sync && fsync(descriptor) != 0 {
            failure = AtomicFileError(.sync, path: reportedPath, errno: errno)
        }
        if !keepOpen && close(descriptor) != 0 && failure == nil {
            failure = AtomicFileError(.write, path: reportedPath, errno: errno)
        }
        if let failure { throw failure }
    }

    /// Opens `path` read-only and fsyncs it: a file's data, or a directory's entries.
    ///
    /// - Parameters:
    ///   - path: The file or directory to sync.
    ///   - directory: Whether `path` is a directory (opened with `O_DIRECTORY`).
    ///   - reportedPath: The path named in errors.
    /// - Throws: ``AtomicFileError`` with code `sync`. A directory whose file system cannot sync
    ///   directories (`EINVAL`) is not an error.
    static func sync(_ path: String, directory: Bool, reportedPath: String) throws(AtomicFileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard descriptor >= 0 else { throw AtomicFileError(.sync, path: reportedPath, errno: errno) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 && !(directory && errno == EINVAL) {
            throw AtomicFileError(.sync, path: reportedPath, errno: errno)
        }
    }

    /// Flushes the file system holding `path` (Linux `syncfs`, which Swift's Glibc module does not
    /// import, hence `dlsym`; plain `sync` where it is missing).
    ///
    /// - Parameter path: A file or directory on the file system.
    /// - Throws: ``AtomicFileError`` with code `sync`.
    static func syncFileSystem(of path: String) throws(AtomicFileError) {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else {
            Glibc.sync()
            return
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileError(.sync, path: path, errno: errno) }
        defer { close(descriptor) }
        if unsafeBitCast(symbol, to: SyncFS.self)(descriptor) != 0 {
            throw AtomicFileError(.sync, path: path, errno: errno)
        }
    }

    /// Opens `path` for reading and closes it again, to report a missing or unreadable file clearly.
    ///
    /// - Parameter path: The file to check.
    /// - Throws: ``AtomicFileError`` with code `read`.
    static func checkReadable(_ path: String) throws(AtomicFileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileError(.read, path: path, errno: errno) }
        close(descriptor)
    }

    /// Reads the whole file at `path`.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: Its bytes.
    /// - Throws: ``AtomicFileError`` with code `read`.
    static func readAll(_ path: String) throws(AtomicFileError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileError(.read, path: path, errno: errno) }
        defer { close(descriptor) }
        var result = Data()
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError(.read, path: path, errno: errno)
            }
            if count == 0 { return result }
            result.append(buffer.assumingMemoryBound(to: UInt8.self), count: count)
        }
    }
}
