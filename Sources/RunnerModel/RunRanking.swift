/// Which of two runs is the better one, wherever a "best run" is named (`runner run`'s summary,
/// `runner report`, the HTML page): the lower final loss, and on a tie the lower run id, so that
/// every place names the same run.
public enum RunRanking {
    /// Whether a run with final loss `loss` and id `id` ranks before one with `other`'s.
    public static func ranks(loss: Double, id: String, before other: (loss: Double, id: String)) -> Bool {
        loss < other.loss || (loss == other.loss && id < other.id)
    }

    /// What an adaptive search minimises (the history TPE learns from, and the best-so-far of
    /// `runner report` and `runner plot`): a completed run's validation loss where it has one, else
    /// its final loss. A run with any other status (failed, diverged, pruned, not finished) has none.
    ///
    /// - Parameters:
    ///   - status: The run's status.
    ///   - finalLoss: The loss of its final parameters on the training data.
    ///   - validationLoss: Their loss on the validation set, where the task has one.
    /// - Returns: The objective, or nil.
    public static func objective(status: RunStatus, finalLoss: Double?, validationLoss: Double?) -> Double? {
        status == .completed ? (validationLoss ?? finalLoss) : nil
    }
}
