import Foundation
import GRDB
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import Synchronization

/// The checks on the paths a store uses, before SQLite sees them: the `--db` file, its `-wal` and
/// `-shm` companions and the checkpoint folder.
extension ResultStore {
    /// ``checkpointDirectory`` as the user would type it: beside ``path``.
    package var checkpointDirectoryPath: String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "checkpoints" : (folder as NSString).appendingPathComponent("checkpoints")
    }

    /// Makes sure checkpoints can be written: `checkpoints/` beside the database is a folder (made
    /// when missing) in which this process can create files. Checked before a sweep trains, so
    /// that a file in the way or a read-only folder is one clear error, not a failed sweep.
    ///
    /// - Throws: ``StoreError`` `badPath` naming the folder and how to fix it.
    public func prepareCheckpointDirectory() throws(StoreError) {
        let folder = checkpointDirectoryPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: checkpointDirectory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(
                    .badPath, file: folder,
                    "a file is in the way: checkpoints are written into a folder of this name beside the "
                        + "database; move the file away or choose another --db.")
            }
        } else {
            // mkdir(2) itself: another process starting beside this one may make the folder between
            // the look and here (EEXIST is then no error, if it is a folder).
            if mkdir(checkpointDirectory.path, 0o777) != 0 {
                let reason = errno
                var existing: ObjCBool = false
                if reason == EEXIST,
                    FileManager.default.fileExists(atPath: checkpointDirectory.path, isDirectory: &existing),
                    existing.boolValue
                {
                    // Made by the other process.
                } else {
                    throw StoreError(
                        .badPath, file: folder,
                        "cannot be created (\(String(cString: strerror(reason))) (errno \(reason))); make the folder "
                            + "beside the database writable or choose another --db.")
                }
            }
        }
        // An unnamed file, as checkpoints are written (it vanishes when closed), or where the file
        // system has none, the permission check.
        let probe = open(checkpointDirectory.path, POSIXFile.unnamedFlag | O_WRONLY | O_CLOEXEC, 0o600)
        if probe >= 0 {
            close(probe)
            return
        }
        let reason = errno
        if reason == EOPNOTSUPP || reason == EISDIR || reason == EINVAL,
            access(checkpointDirectory.path, W_OK) == 0
        {
            return
        }
        throw StoreError(
            .badPath, file: folder,
            "is not writable (\(String(cString: strerror(reason)))); make it writable or choose another --db.")
    }

    /// Checks what `path` names before SQLite opens it: no directory, no device or FIFO, a
    /// writable file (and `-wal` and `-shm` beside it) unless `readOnly`, an existing one if
    /// `readOnly`, an existing writable directory for a new one.
    static func checkPath(_ path: String, readOnly: Bool) throws(StoreError) {
        guard !path.isEmpty else {
            throw StoreError(.badPath, file: "--db", "is empty; give a database file such as results/runs.sqlite.")
        }
        let manager = FileManager.default
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw StoreError(
                    .badPath, file: path, "is a directory; give a database file such as \(path)/runs.sqlite.")
            }
            if let kind = POSIXFile.kind(ofFileAt: path), !kind.isRegular {
                throw StoreError(
                    .badPath, file: path,
                    "is \(kind.kind), not a database file; give a results database such as results/runs.sqlite.")
            }
            if !readOnly && access(path, W_OK) != 0 && errno == EROFS {
                throw StoreError(
                    .badPath, file: path,
                    "is on a read-only file system; copy it (with its checkpoints folder) to writable storage, "
                        + "or use a command that only reads it (report, show, export).")
            }
            if !readOnly && !isWritable(path) {
                throw StoreError(
                    .badPath, file: path, "is read-only; make it writable (chmod u+w) or choose another --db.")
            }
            if !readOnly, let companion = readOnlyCompanion(of: path) {
                throw readOnlyCompanionError(path, companion)
            }
        } else if readOnly {
            throw StoreError(
                .badPath, file: path, "does not exist; run an experiment first (runner run SPEC) or check --db.")
        } else if !manager.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw StoreError(
                .badPath,
                file: path,
                "the directory \(directory.isEmpty ? "." : directory) does not exist; create it or choose another --db."
            )
        } else if !manager.isWritableFile(atPath: directory) {
            throw StoreError(.badPath, file: path, "the directory \(directory) is not writable; choose another --db.")
        }
    }

    /// Whether the file at `path` may be written: by `access(2)`, and by its permission bits, since
    /// root may write anything but a file made read-only (chmod a-w) was meant to be left alone.
    static func isWritable(_ path: String) -> Bool {
        let manager = FileManager.default
        let mode = (try? manager.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0o644
        return manager.isWritableFile(atPath: path) && mode & 0o222 != 0
    }

    /// The database's `-wal` or `-shm` file, when one is there and read-only (SQLite then opens
    /// the database read-only, and the first write fails with "attempt to write a readonly
    /// database" without naming the file).
    ///
    /// Another connection may create or delete these files at any moment (checkpointing removes
    /// the `-wal`), so a file that vanishes while it is looked at is not read-only.
    static func readOnlyCompanion(of path: String) -> String? {
        ["-wal", "-shm"].map { path + $0 }.first { companion in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: companion),
                let mode = attributes[.posixPermissions] as? Int
            else { return false }
            if mode & 0o222 == 0 { return true }
            return access(companion, W_OK) != 0 && errno != ENOENT
        }
    }

    static func readOnlyCompanionError(_ path: String, _ companion: String) -> StoreError {
        let role = companion.hasSuffix("-wal") ? "write-ahead log" : "shared-memory index"
        return StoreError(
            .badPath, file: path,
            "its \(role) \(companion) is read-only (left by another user or a copy); make it writable "
                + "(chmod u+w \(companion); chattr -i if it is immutable) or choose another --db.")
    }
}
