import Foundation
import RunnerEngine
import RunnerModel
import RunnerSpec
import RunnerStore

/// What `runner run` prints when it ends: what this invocation did, then per experiment the
/// runs by status and the best run.
public enum RunSummaryOutput {
    /// The text.
    ///
    /// - Parameters:
    ///   - outcome: what the sweep did.
    ///   - experiments: the experiments' names, in the order given.
    ///   - store: the database to read the totals from.
    ///   - jobs: the worker count.
    /// - Returns: the text, ending with a newline.
    /// - Throws: ``StoreError``.
    public static func text(outcome: SweepRunner.Outcome, experiments: [String], store: ResultStore, jobs: Int) throws
        -> String
    {
        var lines: [String] = []
        let now = RunStatus.allCases.compactMap { status in
            outcome.counts[status].map { "\($0) \(status.rawValue)" }
        }
        var did = "trained \(outcome.counts.values.reduce(0, +)) of \(outcome.trials) runs"
        if !now.isEmpty { did += " (\(now.joined(separator: ", ")))" }
        did += String(format: " in %.2f s with %d job%@", outcome.summary.seconds, jobs, jobs == 1 ? "" : "s")
        if outcome.alreadyDone > 0 { did += "; \(outcome.alreadyDone) already finished" }
        if outcome.claimedElsewhere > 0 { did += "; \(outcome.claimedElsewhere) taken by another process" }
        if outcome.recovered > 0 { did += "; \(outcome.recovered) recovered from a dead process" }
        lines.append(did)
        for name in experiments {
            let runs = try store.runs(ofExperiment: name)
            var counts: [RunStatus: Int] = [:]
            for run in runs { counts[run.status, default: 0] += 1 }
            let listed = RunStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
            lines.append("\(name): \(runs.count) runs: \(listed.joined(separator: ", "))")
            // Ranked as the report ranks them: by the validation loss where the runs have one.
            let validated = runs.contains { $0.validationLoss != nil }
            let finished = runs.compactMap { run in
                run.status == .completed
                    ? (validated ? run.validationLoss : run.finalLoss).flatMap { $0.isFinite ? (run, $0) : nil } : nil
            }
            if let (best, _) = finished.min(by: { RunRanking.ranks(loss: $0.1, id: $0.0.id, before: ($1.1, $1.0.id)) })
            {
                let swept = (try? store.experiment(name))??.sweptPaths ?? []
                let config = try? best.config(schema: ConfigSchema(registry: RunnerCommand.registry))
                let values = swept.compactMap { path in config?.value(at: path).map { "\(path)=\($0)" } }
                var text = String(format: "  best run %@: final loss %.3e", best.id, best.finalLoss ?? .nan)
                if let loss = best.validationLoss { text += String(format: ", validation loss %.3e", loss) }
                if let accuracy = best.validationAccuracy {
                    text += String(format: " (%.2f%% accuracy)", 100 * accuracy)
                }
                if let loss = best.testLoss { text += String(format: ", test loss %.3e", loss) }
                lines.append(text + (values.isEmpty ? "" : " (\(values.joined(separator: ", ")))"))
            }
        }
        for error in outcome.errors.prefix(5) {
            lines.append("failed: \(error)")
        }
        if outcome.errors.count > 5 {
            lines.append("... \(outcome.errors.count - 5) more failures")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
