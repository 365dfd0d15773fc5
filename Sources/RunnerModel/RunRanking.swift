/// Which of two runs is the better one, wherever a "best run" is named (`runner run`'s summary,
/// `runner report`, the HTML page): the lower final loss, and on a tie the lower run id, so that
/// every place names the same run.
public enum RunRanking {
    /// Whether a run with final loss `loss` and id `id` ranks before one with `other`'s.
    public static func ranks(loss: Double, id: String, before other: (loss: Double, id: String)) -> Bool {
        loss < other.loss || (loss == other.loss && id < other.id)
    }
}
