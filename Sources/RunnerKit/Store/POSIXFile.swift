import Foundation

#if canImport(Glibc)
    import Glibc
    import SwiftGlibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over `open`, `read`, `write`, `fsync` and `close` that retry on `EINTR` and report
/// failures as ``AtomicFileError`` naming the path the caller cares about.
enum POSIXFile {
    /// Creates `path` (which must not exist), lets `contents` write to it, fsyncs it and closes it.
    ///
    /// - Parameters:
    ///   - path: The file to create.
    ///   - reportedPath: The path named in errors (the destination, not the temporary file).
    ///   - contents: Writes the file's bytes, in as many pieces as it likes.
    /// - Throws: What `contents` throws, or ``AtomicFileError`` with code `createTemporary`,
    ///   `write` or `sync`.
    static func create(_ path: String, reportedPath: String, contents: (FileWriter) throws -> Void) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AtomicFileError(.createTemporary, path: reportedPath, errno: errno) }
        try fill(descriptor, reportedPath: reportedPath, contents: contents)
    }

    /// Whether `path` names something that exists and must be written in place rather than
    /// replaced: neither a regular file nor a directory (a device such as `/dev/full`, a FIFO, a
    /// socket), following symbolic links; one of this process's open descriptors
    /// (``inheritedDescriptor(_:)``: `/dev/stdout` is whatever standard output is, a regular file
    /// included); or anything else under `/dev/`.
    static func isSpecialFile(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        let type = status.st_mode & S_IFMT
        if type != S_IFREG && type != S_IFDIR { return true }
        return type == S_IFREG && (path.hasPrefix("/dev/") || inheritedDescriptor(path) != nil)
    }

    /// Opens an existing special file (see ``isSpecialFile(_:)``) for writing, lets `contents`
    /// write to it and closes it; nothing is synced, renamed or created.
    ///
    /// - Parameters:
    ///   - path: The device or FIFO.
    ///   - reportedPath: The path named in errors.
    ///   - contents: Writes the bytes, in as many pieces as it likes.
    /// - Throws: What `contents` throws, or ``AtomicFileError`` with code `write`.
    static func writeInPlace(_ path: String, reportedPath: String, contents: (FileWriter) throws -> Void) throws {
        // `/dev/stdout` and its kind: the descriptor itself, so that the bytes land where its
        // offset is (a file opened anew would start at offset 0, under what follows).
        let descriptor = inheritedDescriptor(path).map { dup($0) } ?? open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AtomicFileError(.write, path: reportedPath, errno: errno) }
        try fill(descriptor, reportedPath: reportedPath, sync: false, contents: contents)
    }

    /// The descriptor a path names when it is one of this process's open descriptors:
    /// `/dev/stdout` (1), `/dev/stderr` (2), `/dev/fd/N`, `/proc/self/fd/N`, or a link to one.
    ///
    /// - Parameter path: A path.
    /// - Returns: The descriptor's number, or `nil`.
    static func inheritedDescriptor(_ path: String) -> Int32? {
        var target = path
        for _ in 0..<4 {
            switch target {
            case "/dev/stdout": return 1
            case "/dev/stderr": return 2
            default: break
            }
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where target.hasPrefix(prefix) {
                return Int32(target.dropFirst(prefix.count))
            }
            guard let next = try? FileManager.default.destinationOfSymbolicLink(atPath: target) else { return nil }
            target = next
        }
        return nil
    }

    /// Linux's `O_TMPFILE`: an unnamed file in a directory, which vanishes if the process dies
    /// before it is linked to a name.
    static let unnamedFlag: Int32 = 0o20000000 | O_DIRECTORY

    /// Creates a new file at `path` through an unnamed file (`O_TMPFILE`): `contents` writes it,
    /// it is fsynced and then linked to its name, so that no partial or temporary file is ever
    /// visible, even if the process is killed.
    ///
    /// - Parameters:
    ///   - path: The file to create; it must not exist.
    ///   - directory: `path`'s directory.
    ///   - reportedPath: The path named in errors.
    ///   - sync: Whether to fsync the data before linking it (otherwise the caller syncs later;
    ///     the data's writeback is started at once).
    ///   - contents: Writes the file's bytes, in as many pieces as it likes.
    /// - Returns: `false` when the file system has no unnamed files (nothing was written).
    /// - Throws: What `contents` throws, or ``AtomicFileError`` for failures to write, sync or
    ///   link (`EEXIST` included).
    static func createUnnamed(
        _ path: String,
        directory: String,
        reportedPath: String,
        sync: Bool = true,
        contents: (FileWriter) throws -> Void
    ) throws -> Bool {
        #if os(Linux)
            let descriptor = open(directory, unnamedFlag | O_WRONLY | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                if errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL { return false }
                throw AtomicFileError(.createTemporary, path: reportedPath, errno: errno)
            }
            let link = "/proc/self/fd/\(descriptor)"
            do {
                try fill(descriptor, reportedPath: reportedPath, keepOpen: true, sync: sync, contents: contents)
                if !sync { startWriteback(descriptor) }
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

    /// Writes bytes to an open file, retrying on `EINTR` and after short writes.
    struct FileWriter {
        let descriptor: Int32
        /// The path named in errors.
        let reportedPath: String

        /// Writes all of `bytes`.
        ///
        /// - Throws: ``AtomicFileError`` with code `write`.
        func write(_ bytes: UnsafeRawBufferPointer) throws(AtomicFileError) {
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError(.write, path: reportedPath, errno: errno)
                }
                offset += written
            }
        }

        /// Writes all of `data`.
        ///
        /// - Throws: ``AtomicFileError`` with code `write`.
        func write(_ data: Data) throws(AtomicFileError) {
            var failure: AtomicFileError?
            data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                do throws(AtomicFileError) {
                    try write(bytes)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
    }

    /// Lets `contents` write to an open file, fsyncs it and closes it (unless `keepOpen`).
    private static func fill(
        _ descriptor: Int32,
        reportedPath: String,
        keepOpen: Bool = false,
        sync: Bool = true,
        contents: (FileWriter) throws -> Void
    ) throws {
        var failure: (any Error)?
        do {
            try contents(FileWriter(descriptor: descriptor, reportedPath: reportedPath))
        } catch {
            failure = error
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

    /// Starts writing a file's dirty pages to disk without waiting for them (Linux
    /// `sync_file_range(SYNC_FILE_RANGE_WRITE)`, looked up like `syncfs`; nothing where it is
    /// missing), so that a later ``syncFileSystem(of:)`` finds most of a batch already written.
    ///
    /// It promises nothing about durability: failures are ignored, the batch sync reports them.
    ///
    /// - Parameter descriptor: An open, written file.
    static func startWriteback(_ descriptor: Int32) {
        typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
        guard let symbol = syncFileRange else { return }
        let syncFileRangeWrite: UInt32 = 2
        _ = unsafeBitCast(symbol, to: SyncFileRange.self)(descriptor, 0, 0, syncFileRangeWrite)
    }

    /// `sync_file_range`, or `nil` where the C library has none.
    private nonisolated(unsafe) static let syncFileRange = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")

    /// Opens `path` for reading and closes it again, to report a missing, unreadable or special
    /// file (a device, a FIFO) clearly.
    ///
    /// - Parameter path: The file to check.
    /// - Throws: ``AtomicFileError`` with code `read` or `notRegularFile`.
    static func checkReadable(_ path: String) throws(AtomicFileError) {
        _ = try regularFileSize(path)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw AtomicFileError(.read, path: path, errno: errno) }
        close(descriptor)
    }

    /// Reads the whole regular file at `path`, at most the size it has when opened.
    ///
    /// The file is opened without blocking (a FIFO would wait for a writer) and refused unless it
    /// is a regular file, so that a path to `/dev/zero` or a pipe, directly or through a symbolic
    /// link, ends at once with an error instead of reading forever.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: Its bytes.
    /// - Throws: ``AtomicFileError`` with code `read`, or `notRegularFile`.
    static func readAll(_ path: String) throws(AtomicFileError) -> Data {
        let size = try regularFileSize(path)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw AtomicFileError(.read, path: path, errno: errno) }
        defer { close(descriptor) }
        // At most the size just found, even if the file were swapped for a device meanwhile.
        var result = Data(count: size)
        var filled = 0
        while filled < size {
            let count = result.withUnsafeMutableBytes { bytes in
                bytes.baseAddress.map { read(descriptor, $0 + filled, size - filled) } ?? 0
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw AtomicFileError(.read, path: path, errno: errno)
            }
            // The file shrank since it was looked at: what it holds now is all there is.
            if count == 0 { break }
            filled += count
        }
        return filled == size ? result : result.prefix(filled)
    }

    /// The size of the file at `path` (symbolic links followed), after checking that it is a
    /// regular file.
    ///
    /// - Throws: ``AtomicFileError`` `notRegularFile` naming the kind of file, or `read`.
    static func regularFileSize(_ path: String) throws(AtomicFileError) -> Int {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(
                atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
        } catch {
            // open(2)'s errno says best why (missing, a permission).
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { throw AtomicFileError(.read, path: path, errno: errno) }
            close(descriptor)
            throw AtomicFileError(.read, path: path, reason: AtomicFileError.reason(of: error))
        }
        let type = attributes[.type] as? FileAttributeType
        guard type == .typeRegular else {
            throw AtomicFileError(.notRegularFile, path: path, reason: kind(of: type))
        }
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The kind of file a type describes, as a phrase: `a character device`.
    static func kind(of type: FileAttributeType?) -> String {
        switch type {
        case .typeRegular?: "a regular file"
        case .typeDirectory?: "a directory"
        case .typeCharacterSpecial?: "a character device"
        case .typeBlockSpecial?: "a block device"
        case .typeSocket?: "a socket"
        case .typeSymbolicLink?: "a symbolic link"
        default: "a special file (a FIFO or a device)"
        }
    }

    /// Device and inode of the file at `path` (symbolic links followed), or `nil` when it is missing.
    static func identity(of path: String) -> [UInt64]? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            let device = (attributes[.systemNumber] as? NSNumber)?.uint64Value,
            let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value
        else { return nil }
        return [device, inode]
    }

    /// The kind of the file at `path` (symbolic links followed), or `nil` when it is missing.
    static func kind(ofFileAt path: String) -> (isRegular: Bool, kind: String)? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return nil }
        let type = attributes[.type] as? FileAttributeType
        return (type == .typeRegular, kind(of: type))
    }
}
