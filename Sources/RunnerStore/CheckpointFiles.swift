import Foundation
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec

/// Where a database's checkpoints live and what they hold.
///
/// Beside the database, in `checkpoints/`: `<run-id>.ckpt.gz` (final), `<run-id>.initial.ckpt.gz`
/// and `<run-id>.iter-00000050.ckpt.gz` (every N iterations). Paths are stored in the database
/// relative to its folder, so a results folder can be moved or copied whole.
public enum CheckpointFiles {
    /// What was written for a run.
    public struct Written: Sendable, Equatable {
        /// The final checkpoint, relative to the database's folder, if written.
        public var finalPath: String?
        /// The initial checkpoint, if written.
        public var initialPath: String?
        /// The SHA-256 of the final checkpoint's payload (computed whether or not it was written).
        public var payloadSHA256: String?
    }

    package static func finalName(_ runID: String) -> String { "checkpoints/\(runID).ckpt.gz" }
    package static func initialName(_ runID: String) -> String { "checkpoints/\(runID).initial.ckpt.gz" }
    package static func snapshotName(_ runID: String, iteration: Int) -> String {
        "checkpoints/\(runID)\(snapshotMarker)\(String(format: "%08d", iteration)).ckpt.gz"
    }
    /// What separates the run id from the iteration in a snapshot's name.
    package static let snapshotMarker = ".iter-"

    /// The names of the files in a database folder's `checkpoints/` (none when it is missing),
    /// and that folder.
    package static func listing(folder: URL) -> (directory: URL, names: [String]) {
        let directory = folder.appendingPathComponent("checkpoints")
        return (directory, (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    }

    /// The data a checkpoint carries besides the parameters: `inputs` `[N, T, X]`, `targets`
    /// `[N, T]`, `mask` `[N, T]` (1 or 0) of a full-batch training set (a minibatch run's data
    /// come from its config, so its checkpoints carry none) and the optimizer's state
    /// (`optimizer.NAME`).
    package static func extras(trainingSet: TrainingSet?, optimizerState: [String: [Double]]) -> [NamedArray] {
        var arrays: [NamedArray] = []
        if let trainingSet {
            let n = trainingSet.sequenceCount
            let t = trainingSet.sequenceLength
            arrays = [
                NamedArray(name: "inputs", shape: [n, t, trainingSet.inputSize], values: trainingSet.inputs),
                NamedArray(name: "targets", shape: [n, t], values: trainingSet.targets),
                NamedArray(name: "mask", shape: [n, t], values: trainingSet.mask.map { $0 ? 1 : 0 }),
            ]
        }
        for name in optimizerState.keys.sorted() {
            let values = optimizerState[name] ?? []
            arrays.append(NamedArray(name: "optimizer.\(name)", shape: [values.count], values: values))
        }
        return arrays
    }

    /// The final checkpoint of a result (the parameters after training, the data, the optimizer state).
    public static func final(_ result: TrialResult) throws(CheckpointError) -> Checkpoint {
        try finalContents(result).checkpoint
    }

    /// What ``final(_:)`` holds, as it is written and hashed: the parameters are not copied.
    package static func finalContents(_ result: TrialResult) throws(CheckpointError) -> CheckpointContents {
        try Checkpoint.contents(
            runID: result.runID,
            iteration: result.iterationsRun,
            kind: .final,
            cellOutput: result.config.cellOutput,
            config: result.config.canonicalJSON,
            parameters: result.finalParameters,
            extra: extras(trainingSet: result.trainingSet, optimizerState: result.optimizerState)
        )
    }

    /// Writes what `settings` asks for and computes the final payload's SHA-256.
    ///
    /// - Parameters:
    ///   - result: the finished run.
    ///   - settings: the spec's checkpoint settings.
    ///   - folder: the database's folder.
    ///   - deferSync: leave new files unsynced: the batch writer makes a batch durable at once
    ///     (``AtomicFile/syncBatch(in:)``) before committing the rows that point at them.
    /// - Returns: the paths written and the payload digest.
    /// - Throws: ``CheckpointError`` when a file cannot be written.
    package static func write(
        _ result: TrialResult,
        settings: ExperimentSpec.Checkpoints,
        folder: URL,
        deferSync: Bool = false
    ) throws(CheckpointError) -> Written {
        let level = Int32(settings.compression)
        var written = Written()
        let final = try finalContents(result)
        written.payloadSHA256 = final.header.payloadSHA256
        if settings.final && result.status != .interrupted {
            let name = finalName(result.runID)
            try final.write(to: folder.appendingPathComponent(name), level: level, deferSync: deferSync)
            written.finalPath = name
        }
        if settings.initial {
            let initial = try Checkpoint.contents(
                runID: result.runID,
                iteration: 0,
                kind: .initial,
                cellOutput: result.config.cellOutput,
                config: result.config.canonicalJSON,
                parameters: result.initialParameters,
                extra: extras(trainingSet: result.trainingSet, optimizerState: [:])
            )
            let name = initialName(result.runID)
            try initial.write(to: folder.appendingPathComponent(name), level: level, deferSync: deferSync)
            written.initialPath = name
        }
        return written
    }

    /// Writes an every-N snapshot (parameters, data, optimizer state and the losses so far).
    package static func writeSnapshot(
        _ snapshot: TrainingSnapshot,
        trial: PlannedTrial,
        trainingSet: TrainingSet?,
        folder: URL,
        level: Int32
    ) throws(CheckpointError) {
        var extra = extras(trainingSet: trainingSet, optimizerState: snapshot.optimizerState)
        extra.append(NamedArray(name: "losses", shape: [snapshot.losses.count], values: snapshot.losses))
        if !snapshot.evaluations.isEmpty {
            extra.append(EvaluationPoint.array(snapshot.evaluations))
        }
        let checkpoint = try Checkpoint(
            runID: trial.runID,
            iteration: snapshot.iteration,
            kind: .every,
            cellOutput: trial.config.cellOutput,
            config: trial.config.canonicalJSON,
            parameters: snapshot.parameters,
            extra: extra
        )
        try checkpoint.write(
            to: folder.appendingPathComponent(snapshotName(trial.runID, iteration: snapshot.iteration)),
            level: level
        )
    }

    /// The latest readable every-N snapshot of a run, to resume from.
    package static func latestSnapshot(runID: String, config: TrialConfig, folder: URL) -> TrainingSnapshot? {
        let (directory, all) = listing(folder: folder)
        let prefix = runID + snapshotMarker
        let names = all.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".ckpt.gz") }.sorted().reversed()
        for name in names {
            guard let checkpoint = try? Checkpoint.read(from: directory.appendingPathComponent(name), runID: runID),
                checkpoint.header.config == config.canonicalJSON,
                let parameters = try? checkpoint.parameters(),
                let losses = checkpoint["losses"]?.values,
                losses.count == checkpoint.header.iteration
            else { continue }
            var state: [String: [Double]] = [:]
            for array in checkpoint.arrays where array.name.hasPrefix("optimizer.") {
                state[String(array.name.dropFirst("optimizer.".count))] = array.values
            }
            return TrainingSnapshot(
                iteration: checkpoint.header.iteration,
                parameters: parameters,
                optimizerState: state,
                losses: losses,
                evaluations: checkpoint[EvaluationPoint.arrayName].flatMap(EvaluationPoint.points) ?? []
            )
        }
        return nil
    }

    /// The ids of the runs that have every-N snapshots in the folder.
    package static func runsWithSnapshots(folder: URL) -> Set<String> {
        Set(
            listing(folder: folder).names.compactMap { name in
                name.range(of: snapshotMarker).map { String(name[..<$0.lowerBound]) }
            })
    }

    /// Removes a run's final and initial checkpoints when no row names them (its result was not
    /// committed); its snapshots stay, to resume from.
    package static func removeUnrecorded(runID: String, folder: URL) {
        for name in [finalName(runID), initialName(runID)] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Removes a run's every-N snapshots (once it has finished).
    package static func removeSnapshots(runID: String, folder: URL) {
        let (directory, names) = listing(folder: folder)
        for name in names where name.hasPrefix(runID + snapshotMarker) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}

extension EvaluationPoint {
    /// The name of a snapshot's array of validation passes.
    static let arrayName = "evaluations"

    /// `[n, 4]`: iteration, training loss, validation loss and accuracy (NaN for none).
    static func array(_ points: [EvaluationPoint]) -> NamedArray {
        NamedArray(
            name: arrayName, shape: [points.count, 4],
            values: points.flatMap {
                [Double($0.iteration), $0.trainLoss, $0.validationLoss ?? .nan, $0.validationAccuracy ?? .nan]
            })
    }

    /// The points of ``array(_:)``'s layout; `nil` for another shape.
    static func points(_ array: NamedArray) -> [EvaluationPoint]? {
        guard array.shape.count == 2, array.shape[1] == 4 else { return nil }
        return (0..<array.shape[0]).map { row in
            let v = array.values[(row * 4)..<(row * 4 + 4)].map { $0 }
            return EvaluationPoint(
                iteration: Int(v[0]), trainLoss: v[1], validationLoss: v[2].isNaN ? nil : v[2],
                validationAccuracy: v[3].isNaN ? nil : v[3])
        }
    }
}
