import Foundation
import RunnerFiles
import RunnerModel
import Synchronization

/// What the tasks that read a file (``DatasetTask``, ``TextTask``) share: reading it, its
/// SHA-256 and the check against the digest a config recorded, and a cache of what they parsed.
///
/// A relative `task.path` is resolved against the current directory of the process.
enum TaskFile {
    /// The `sha256` parameter: filled in by `canonicalize`, checked when it is already there.
    static let digestParameter = ParameterSpec(
        "sha256", .text, .optional,
        help: "the file's SHA-256, recorded when the config is resolved (leave it out; a changed file is refused)")

    /// The bytes of the file at `path` (relative to the current directory).
    ///
    /// - Throws: ``TaskDataError`` when it is missing, not a regular file or cannot be read.
    static func read(_ path: String) throws(TaskDataError) -> Data {
        do {
            return try POSIXFile.readAll(path)
        } catch {
            throw TaskDataError(file: path, error.summary)
        }
    }

    /// The file's digest, after checking it against the one `parameters` record (if any).
    ///
    /// - Throws: ``TaskDataError`` (key path `sha256`) when the digests differ.
    static func digest(of data: Data, path: String, _ parameters: PluginParameters) throws(TaskDataError) -> String {
        let digest = Digest.sha256Hex(data)
        if let recorded = parameters.values["sha256"]?.textValue, recorded != digest {
            throw TaskDataError(
                file: path, keyPath: "sha256",
                "is \(recorded), but the file's SHA-256 is now \(digest): the file changed since the run was "
                    + "recorded; restore the original file, or remove task.sha256 to record new runs on this one.")
        }
        return digest
    }

    /// `parameters` with the file's digest filled in: the cache's key, and what canonicalize returns.
    static func keyed(_ parameters: PluginParameters, digest: String) -> PluginParameters {
        var parameters = parameters
        parameters.values["sha256"] = .text(digest)
        return parameters
    }
}

/// The last few files a task parsed, keyed by their parameters (the digest among them), so that a
/// sweep of many trials over one file parses it once and the non-throwing `inputSize(_:)` and
/// `output(_:)` can answer after `canonicalize` has loaded it.
final class TaskFileCache<Value: Sendable>: Sendable {
    /// Most recently used last.
    private let entries = Mutex<[(key: PluginParameters, value: Value)]>([])
    /// How many files it keeps (a sweep over a few files does not parse them again and again).
    let capacity: Int

    /// An empty cache.
    init(capacity: Int = 4) {
        self.capacity = capacity
    }

    /// The value stored under `key`, if any.
    func value(for key: PluginParameters) -> Value? {
        entries.withLock { entries in
            guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry.value
        }
    }

    /// Stores `value` under `key`, dropping the least recently used entry beyond ``capacity``.
    func store(_ value: Value, for key: PluginParameters) {
        entries.withLock { entries in
            entries.removeAll { $0.key == key }
            entries.append((key, value))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
    }

    /// Forgets every entry (for tests).
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
