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
        lines.append("")
        lines.append("step      target  prediction")
        let data = result.trainingSet
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
        let data = result.trainingSet
        let scored = data.targets.indices.filter { data.mask[$0] }
        let object: ConfigValue = .object([
            "losses": .array(result.losses.map { $0.isFinite ? .number($0) : .null }),
            "predictions": .array(scored.map { .number(result.predictions[$0]) }),
            "targets": .array(scored.map { .number(data.targets[$0]) }),
            "seconds": .number(seconds),
            "status": .string(result.status.rawValue),
            "runId": .string(result.runID),
        ])
        return object.canonicalJSON + "\n"
    }
}
