import RunnerStore

/// What `runner merge` prints: one line of counts.
public enum MergeOutput {
    /// The text.
    ///
    /// - Parameters:
    ///   - summary: what the merge did.
    ///   - output: the database merged into, as the user named it.
    /// - Returns: the text, ending with a newline.
    public static func text(summary: MergeSummary, output: String) -> String {
        func count(_ number: Int, _ noun: String) -> String {
            "\(number) \(noun)\(number == 1 ? "" : "s")"
        }
        var line = "merged \(count(summary.inputs, "database")) into \(output): "
        line += "\(count(summary.runsAdded, "run")) added, \(summary.runsUpdated) updated, "
        line += "\(summary.runsUnchanged) already there"
        line += "; \(count(summary.experimentsAdded, "experiment")) added"
        line +=
            "; \(count(summary.checkpointsCopied, "checkpoint")) copied, \(summary.checkpointsPresent) already there"
        if summary.verificationsAdded > 0 {
            line += "; \(count(summary.verificationsAdded, "verification")) added"
        }
        if summary.rungsCopied > 0 {
            line += "; \(count(summary.rungsCopied, "rung record")) copied"
        }
        if !summary.columnsAdded.isEmpty {
            line += "; new columns: \(summary.columnsAdded.joined(separator: ", "))"
        }
        return line + "\n"
    }
}
