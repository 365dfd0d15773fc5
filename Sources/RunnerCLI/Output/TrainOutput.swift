import Foundation
import LSTMCore
import RunnerModel

/// What `runner train` prints: the text the classic test script prints, or one JSON object.
public enum TrainOutput {
    /// One line per iteration (`iteration    1  loss 0.55012969187097960`, the NumPy reference's
    /// format), the final loss, then each step's target next to its prediction.
    ///
    /// - Parameters:
    ///   - result: the (last) training run.
    ///   - seconds: the median training time to report.
    ///   - repeats: how many trainings the median is over.
    /// - Returns: the text, ending with a newline.
    public static func text(_ result: TrialResult, seconds: Double, repeats: Int) -> String {
        var lines: [String] = []
        for (index, loss) in result.losses.enumerated() {
            lines.append(String(format: "iteration %4d  loss %.17g", index + 1, loss))
        }
        if let reason = result.stopReason {
            lines.append("stopped: \(reason)")
        }
        let final = result.finalLoss.map { String(format: "%.6e", $0) } ?? "not finite"
        let timing = repeats > 1 ? "median of \(repeats) trainings" : "training loop"
        lines.append(
            "status \(result.status.rawValue); loss after training \(final); \(String(format: "%.6f", seconds)) s (\(timing))"
        )
        if let heldOut = result.heldOut {
            lines.append(HeldOutText.line(heldOut))
            return lines.joined(separator: "\n") + "\n"
        }
        guard let data = result.trainingSet else { return lines.joined(separator: "\n") + "\n" }
        lines.append("")
        lines.append("step      target  prediction")
        for k in 0..<data.targets.count where data.mask[k] {
            lines.append(
                String(format: "%4d  %10.6f  %10.6f", k + 1, data.targets[k], result.predictions[k])
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"losses": [...], "predictions": [...], "targets": [...], "seconds": s, "status": "completed"}`
    /// with the predictions and targets of the scored steps.
    ///
    /// - Parameters:
    ///   - result: the (last) training run.
    ///   - seconds: the median training time to report.
    /// - Returns: one line of JSON (non-finite losses as `null`).
    public static func json(_ result: TrialResult, seconds: Double) -> String {
        let targets = result.trainingSet?.targets ?? []
        let scored = targets.indices.filter { result.trainingSet?.mask[$0] == true }
        var fields: [String: ConfigValue] = [
            "losses": .array(result.losses.map { $0.isFinite ? .number($0) : .null }),
            // The loss of the trained parameters (what a sweep records as final_loss): the
            // objective for an outside optimizer such as Optuna.
            "finalLoss": result.finalLoss.map { .number($0) } ?? .null,
            "predictions": .array(scored.map { .number(result.predictions[$0]) }),
            "targets": .array(scored.map { .number(targets[$0]) }),
            "seconds": .number(seconds),
            "status": .string(result.status.rawValue),
            "runId": .string(result.runID),
        ]
        if let heldOut = result.heldOut {
            func number(_ value: Double?) -> ConfigValue { value.map { .number($0) } ?? .null }
            fields["validationLoss"] = number(heldOut.validationLoss)
            fields["validationAccuracy"] = number(heldOut.validationAccuracy)
            fields["testLoss"] = number(heldOut.testLoss)
            fields["testAccuracy"] = number(heldOut.testAccuracy)
        }
        let object: ConfigValue = .object(fields)
        return object.canonicalJSON + "\n"
    }
}

/// One line of a minibatch run's held-out metrics.
enum HeldOutText {
    static func line(_ metrics: HeldOutMetrics) -> String {
        func text(_ value: Double?) -> String { value.map { String(format: "%.6e", $0) } ?? "-" }
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", 100 * $0) } ?? "-" }
        var parts = ["validation loss \(text(metrics.validationLoss))"]
        if metrics.validationAccuracy != nil { parts.append("accuracy \(percent(metrics.validationAccuracy))") }
        parts.append("test loss \(text(metrics.testLoss))")
        if metrics.testAccuracy != nil { parts.append("accuracy \(percent(metrics.testAccuracy))") }
        return parts.joined(separator: "; ")
    }
}
