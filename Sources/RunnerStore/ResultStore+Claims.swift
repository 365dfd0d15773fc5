import Foundation
import GRDB
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import Synchronization

/// Claims and heartbeats: which process trains which run, and recovering runs whose process is gone.
extension ResultStore {
    /// Marks as `interrupted` the runs left `running` by processes that are gone: on this host a
    /// dead owner pid; on any host a heartbeat older than `timeout` seconds.
    ///
    /// - Returns: the ids of the runs recovered.
    @discardableResult
    public func recoverAbandonedRuns(timeout: Double = 60) throws(StoreError) -> [String] {
        let host = environment.host
        let now = Date()
        return try write { db in
            var recovered: [String] = []
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, owner_host, owner_pid, heartbeat FROM runs WHERE status = 'running'")
            for row in rows {
                let owner: String? = row["owner_host"]
                let pid: Int? = row["owner_pid"]
                let mine = owner == host && pid == ownerPID
                guard Self.isAbandoned(row, host: host, now: now, timeout: timeout) && !mine else { continue }
                try db.execute(
                    sql: """
                        UPDATE runs SET status = 'interrupted', owner_host = NULL, owner_pid = NULL, heartbeat = NULL,
                            error = ? WHERE id = ? AND status = 'running'
                        """,
                    arguments: ["abandoned by process \(pid ?? 0) on \(owner ?? "?")", row["id"] as String]
                )
                recovered.append(row["id"])
            }
            return recovered
        }
    }

    /// Whether the process that holds a `running` row is gone: on this host its pid is dead; on
    /// any host its heartbeat is older than `timeout` seconds (or missing).
    ///
    /// - Parameters:
    ///   - row: a row with `owner_host`, `owner_pid` and `heartbeat`.
    ///   - host: this host's name.
    ///   - now: the time to measure the heartbeat's age against.
    ///   - timeout: the age after which a heartbeat counts as stopped.
    /// - Returns: `true` when nothing holds the run any more.
    package static func isAbandoned(_ row: Row, host: String, now: Date, timeout: Double) -> Bool {
        let owner: String? = row["owner_host"]
        let pid: Int? = row["owner_pid"]
        let beat = (row["heartbeat"] as String?).flatMap(Self.date)
        let stale = beat.map { now.timeIntervalSince($0) > timeout } ?? true
        let dead = owner == host && pid.map { kill(pid_t($0), 0) != 0 && errno == ESRCH } == true
        return stale || dead
    }

    /// The runs that a live process is training (claimed, its heartbeat fresh and, on this host,
    /// its pid alive), with their owners, as `(id, "pid P on HOST")`.
    ///
    /// - Parameters:
    ///   - db: a connection inside the caller's transaction.
    ///   - host: this host's name.
    ///   - timeout: the heartbeat age after which a claim counts as abandoned.
    /// - Returns: the live claims, by run id.
    /// - Throws: GRDB's errors.
    package static func liveClaims(_ db: Database, host: String, timeout: Double = 60) throws -> [(String, String)] {
        let now = Date()
        return try Row.fetchAll(
            db, sql: "SELECT id, owner_host, owner_pid, heartbeat FROM runs WHERE status = 'running' ORDER BY id"
        ).filter { !isAbandoned($0, host: host, now: now, timeout: timeout) }.map { row in
            (row["id"], "pid \((row["owner_pid"] as Int?) ?? 0) on \((row["owner_host"] as String?) ?? "?")")
        }
    }

    /// The status of each of the given runs.
    public func statuses(of ids: [String]) throws(StoreError) -> [String: RunStatus] {
        try read { db in
            var result: [String: RunStatus] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500) {
                let part = Array(ids[chunk..<min(ids.count, chunk + 500)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                for row in try Row.fetchAll(
                    db, sql: "SELECT id, status FROM runs WHERE id IN (\(marks))", arguments: StatementArguments(part))
                {
                    result[row["id"]] = RunStatus(rawValue: row["status"]) ?? .pending
                }
            }
            return result
        }
    }

    /// The statuses a run may be claimed from.
    ///
    /// - Parameters:
    ///   - retryFailed: also `failed` and `diverged`.
    ///   - pruned: also `pruned`: an experiment that does not prune trains in full a run that another
    ///     experiment pruned (it has no result to share).
    /// - Returns: the statuses.
    package static func claimable(retryFailed: Bool, pruned: Bool = false) -> [RunStatus] {
        (retryFailed ? [.pending, .interrupted, .failed, .diverged] : [.pending, .interrupted])
            + (pruned ? [.pruned] : [])
    }

    /// Atomically takes runs for this process, in one transaction: each `pending` or `interrupted`
    /// one (or, with `retryFailed`, `failed` or `diverged`; with `pruned`, `pruned`) becomes
    /// `running`, owned by this pid and host.
    ///
    /// - Returns: the ids this process now holds (not those another process holds or that finished).
    public func claim(_ runIDs: [String], retryFailed: Bool, pruned: Bool = false) throws(StoreError) -> Set<String> {
        guard !runIDs.isEmpty else { return [] }
        let statuses = Self.claimable(retryFailed: retryFailed, pruned: pruned).map { "'\($0.rawValue)'" }.joined(
            separator: ", ")
        let marks = Array(repeating: "?", count: runIDs.count).joined(separator: ", ")
        let now = Self.timestamp()
        let host = environment.host
        let pid = ownerPID
        return try write { db in
            let arguments: [any DatabaseValueConvertible] = [host, pid, now, now] + runIDs
            return Set(
                try String.fetchAll(
                    db,
                    sql: """
                        UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat = ?, started = ?,
                            error = NULL WHERE id IN (\(marks)) AND status IN (\(statuses)) RETURNING id
                        """,
                    arguments: StatementArguments(arguments)
                )
            )
        }
    }

    /// Refreshes the heartbeat of every run this process holds.
    public func heartbeat() throws(StoreError) {
        let now = Self.timestamp()
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET heartbeat = ? WHERE status = 'running' AND owner_host = ? AND owner_pid = ?",
                arguments: [now, environment.host, ownerPID]
            )
        }
    }

    /// Records that a run failed with an error (status `failed`).
    public func recordFailure(runID: String, error: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'failed', error = ?, finished = ?, owner_host = NULL, owner_pid = NULL,
                        heartbeat = NULL WHERE id = ? AND owner_host = ? AND owner_pid = ?
                    """,
                arguments: [error, Self.timestamp(), runID, environment.host, ownerPID]
            )
        }
    }

    /// Returns one run this process holds to `interrupted`, with no result recorded.
    public func release(_ runID: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'interrupted', owner_host = NULL, owner_pid = NULL, heartbeat = NULL
                    WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?
                    """,
                arguments: [runID, environment.host, ownerPID]
            )
        }
    }

    /// The runs this process holds (status `running`, owned by this host and pid).
    public func heldRuns() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM runs WHERE status = 'running' AND owner_host = ? AND owner_pid = ?",
                arguments: [environment.host, ownerPID])
        }
    }

    /// Returns the runs this process holds to `interrupted` (after SIGINT, or an error).
    public func releaseClaims() throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'interrupted', owner_host = NULL, owner_pid = NULL, heartbeat = NULL
                    WHERE status = 'running' AND owner_host = ? AND owner_pid = ?
                    """,
                arguments: [environment.host, ownerPID]
            )
        }
    }
}
