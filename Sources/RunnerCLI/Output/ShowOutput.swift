import Foundation
import RunnerModel
import RunnerStore

/// What `runner show RUN` prints.
public enum ShowOutput {
    /// The text for one run.
    ///
    /// - Parameters:
    ///   - run: the run.
    ///   - curve: its losses, if stored.
    ///   - verifications: its verification history, oldest first.
    ///   - evaluations: its validation passes (minibatch runs).
    ///   - rungs: its rung metrics and decisions (pruned sweeps).
    ///   - store: the database (to locate the checkpoint).
    /// - Returns: the text.
    public static func text(
        run: RunRecord, curve: [Double]?, verifications: [VerificationRecord], evaluations: [EvaluationPoint] = [],
        rungs: [ResultStore.RungRecord] = [], store: ResultStore
    ) -> String {
        var lines: [String] = []
        func field(_ name: String, _ value: String?) {
            guard let value else { return }
            lines.append(name.padding(toLength: 20, withPad: " ", startingAt: 0) + value)
        }
        func loss(_ value: Double?) -> String? { value.map { String(format: "%.6e", $0) } }
        field("run", run.id)
        field("experiment", run.experiment)
        field("status", run.status.rawValue + (run.owner.map { " (\($0))" } ?? ""))
        field("seed", String(run.seed))
        field("started", run.started)
        field("finished", run.finished)
        field("training time", run.trainingSeconds.map { String(format: "%.3f s", $0) })
        field("iterations run", run.iterationsRun.map(String.init))
        if let curve, let first = curve.first {
            field("first loss", loss(first))
        }
        field("best loss", run.bestLoss.map { String(format: "%.6e at iteration %d", $0, run.bestIteration ?? 0) })
        field("final loss", loss(run.finalLoss))
        func percent(_ value: Double?) -> String? { value.map { String(format: "%.2f%%", 100 * $0) } }
        field("validation loss", loss(run.validationLoss))
        field("validation acc.", percent(run.validationAccuracy))
        field("test loss", loss(run.testLoss))
        field("test accuracy", percent(run.testAccuracy))
        if !evaluations.isEmpty {
            let shown = evaluations.count <= 12 ? evaluations : Array(evaluations.prefix(6) + evaluations.suffix(6))
            let passes = shown.map { point in
                "\(point.iteration): \(loss(point.validationLoss) ?? "-")"
                    + (point.validationAccuracy.map { String(format: " (%.1f%%)", 100 * $0) } ?? "")
            }
            field(
                "validation passes",
                "\(evaluations.count)" + (evaluations.count > shown.count ? " (first and last 6)" : "") + ": "
                    + passes.joined(separator: ", "))
        }
        if !rungs.isEmpty {
            let decisions = rungs.map { rung in
                "\(rung.iteration): \(loss(rung.metric) ?? "not finite") "
                    + (rung.decision.map { "\($0)" + (rung.cohort.map { " (of \($0))" } ?? "") } ?? "undecided")
            }
            field("rungs", decisions.joined(separator: ", "))
        }
        field("target reached", run.targetReachedIteration.map { "at iteration \($0)" })
        field("stopped", run.stopReason)
        field("error", run.error)
        if let path = run.checkpointPath {
            let exists = FileManager.default.fileExists(atPath: store.resolve(path).path)
            field("checkpoint", store.resolve(path).relativePath + (exists ? "" : " (missing)"))
        }
        field("initial checkpoint", run.initialCheckpointPath.map { store.resolve($0).relativePath })
        field("payload sha256", run.checkpointSHA256)
        field("curve sha256", run.curveSHA256)
        if let environment = run.environment {
            field("host", environment.host)
            field("code", environment.codeVersion)
            field("toolchain", environment.toolchain)
            field("build", environment.buildConfig)
            field("cpu", environment.cpu)
            field("os", environment.os)
        }
        for verification in verifications {
            var text = "\(verification.checked): \(verification.outcome.rawValue)"
            if let iteration = verification.firstDivergentIteration {
                text += " (first differs at iteration \(iteration))"
            }
            if let detail = verification.detail { text += "; \(detail)" }
            field("verified", text)
        }
        lines.append("config")
        lines.append(prettyJSON(run.configJSON))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The canonical JSON, indented two spaces per level, keys still sorted.
    static func prettyJSON(_ text: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return text }
        return String(decoding: data, as: UTF8.self)
    }
}
