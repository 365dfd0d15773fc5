import Foundation
import GRDB
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import Synchronization

/// Writing finished runs in batches: one transaction for many rows and their curves.
extension ResultStore {
    /// Queues a finished run for the next batch, and writes the batch when it holds 64 runs or
    /// the last one is over a second old.
    ///
    /// - Parameters:
    ///   - record: the finished run.
    ///   - beforeFlush: runs before a batch is written (the caller syncs the checkpoint folder
    ///     there, so that rows never point at files that are not yet durable).
    /// - Throws: what `beforeFlush` throws, or ``StoreError``.
    package func enqueue(_ record: FinishedRun, beforeFlush: () throws -> Void = {}) throws {
        let due = buffer.withLock { buffer in
            buffer.records.append(record)
            return buffer.records.count >= 64 || buffer.lastFlush.duration(to: .now) > .seconds(1)
        }
        if due {
            try beforeFlush()
            try flush()
        }
    }

    /// Writes every queued finished run in one transaction.
    public func flush() throws(StoreError) {
        let records = buffer.withLock { buffer in
            defer {
                buffer.records = []
                buffer.lastFlush = .now
            }
            return buffer.records
        }
        guard !records.isEmpty else { return }
        let env = environment
        try write { db in
            let c = RunColumns.self
            // The columns a finished run sets, in the order of the values below.
            let written = [
                c.status, c.finished, c.duration, c.trainingSeconds, c.finalLoss, c.bestLoss, c.bestIteration,
                c.iterationsRun, c.targetReachedIteration, c.stopReason, c.checkpointPath, c.checkpointSHA256,
                c.initialCheckpointPath, c.curveSHA256, c.host, c.codeVersion, c.toolchain, c.os, c.cpu,
                c.buildConfig, c.error, c.started,
            ]
            let update = try db.cachedStatement(
                sql: "UPDATE runs SET " + written.map { "\($0.name) = ?" }.joined(separator: ", ")
                    + ", \(c.ownerHost.name) = NULL, \(c.ownerPID.name) = NULL, \(c.heartbeat.name) = NULL"
                    + " WHERE \(c.id.name) = ? AND \(c.status.name) = 'running' AND \(c.ownerHost.name) = ? AND "
                    + "\(c.ownerPID.name) = ?"
            )
            let curve = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO curves (run_id, iterations, losses) VALUES (?, ?, ?)"
            )
            let heldOut = try db.cachedStatement(
                sql: "UPDATE runs SET "
                    + RunColumns.heldOut.map { "\($0.name) = ?" }.joined(separator: ", ")
                    + " WHERE \(RunColumns.id.name) = ?"
            )
            let e = EvaluationColumns.self
            let clearEvaluations = try db.cachedStatement(
                sql: "DELETE FROM \(e.table) WHERE \(e.runID.name) = ?")
            let evaluation = try db.cachedStatement(
                sql: """
                    INSERT INTO \(e.table) (\(e.runID.name), \(e.iteration.name), \(e.trainLoss.name), \
                    \(e.validationLoss.name), \(e.validationAccuracy.name)) VALUES (?, ?, ?, ?, ?)
                    """
            )
            for record in records {
                let result = record.result
                let blob = LossCurve.encode(result.losses)
                let values: [(any DatabaseValueConvertible)?] = [
                    result.status.rawValue, record.finished, record.duration, result.trainingSeconds,
                    result.finalLoss, result.bestLoss, result.bestIteration, result.iterationsRun,
                    result.targetReachedIteration, result.stopReason, record.checkpoint.finalPath,
                    record.checkpoint.payloadSHA256, record.checkpoint.initialPath, LossCurve.sha256(blob), env.host,
                    env.codeVersion, env.toolchain, env.os, env.cpu, env.buildConfig, nil, record.started,
                ]
                precondition(values.count == written.count, "one value per written column")
                try update.execute(arguments: StatementArguments(values + [result.runID, env.host, ownerPID]))
                // Another process took the run over (this one was presumed dead): keep its result.
                if db.changesCount == 1 {
                    try curve.execute(arguments: [result.runID, result.losses.count, blob])
                    if let metrics = result.heldOut {
                        try heldOut.execute(
                            arguments: [
                                metrics.validationLoss, metrics.validationAccuracy, metrics.testLoss,
                                metrics.testAccuracy, result.runID,
                            ])
                        try clearEvaluations.execute(arguments: [result.runID])
                        for point in metrics.evaluations {
                            try evaluation.execute(
                                arguments: [
                                    result.runID, point.iteration, point.trainLoss.finiteOrNil,
                                    point.validationLoss?.finiteOrNil, point.validationAccuracy,
                                ])
                        }
                    }
                }
            }
        }
    }
}

extension Double {
    /// The value, or `nil` (SQL NULL) when it is NaN or infinite.
    var finiteOrNil: Double? { isFinite ? self : nil }
}
