import RunnerEngine
import RunnerModel
import RunnerSpec

/// What `runner run --dry-run` prints: the trial count, the swept axes and the first configs.
public enum DryRunOutput {
    /// The text for one experiment.
    ///
    /// - Parameters:
    ///   - spec: the experiment.
    ///   - trials: its trials (this shard's, when sharded).
    ///   - shard: the shard, if any.
    ///   - shown: how many configs to print.
    /// - Returns: the text, ending with a newline.
    public static func text(spec: ExperimentSpec, trials: [PlannedTrial], shard: Shard?, shown: Int = 3) -> String {
        var lines: [String] = []
        let duplicates = spec.gridSize - (shard == nil ? trials.count : spec.gridSize)
        var header = "\(spec.name) (\(spec.file)): \(trials.count) trial\(trials.count == 1 ? "" : "s")"
        if let search = spec.search, search.method == .tpe {
            header =
                "\(spec.name) (\(spec.file)): a tpe search of \(search.trials) trials: the \(trials.count) startup "
                + "trials below, then rounds of \(search.batch) suggested from the results (seed \(search.seed))"
        } else {
            if let shard { header += " in shard \(shard) of a \(spec.gridSize)-point grid" }
            if shard == nil && duplicates > 0 { header += " (\(duplicates) duplicate configs of the grid removed)" }
        }
        lines.append(header)
        if let pruning = spec.pruning, let iterations = trials.first?.config.iterations {
            let rungs = Rungs.rungs(
                minIterations: pruning.minIterations, reduction: pruning.reduction, iterations: iterations)
            lines.append(
                "  pruning: \(pruning.method.rawValue) at iterations "
                    + rungs.map(String.init).joined(separator: ", ") + " (reduction \(pruning.reduction))")
        }
        if spec.axes.isEmpty {
            lines.append("  no sweep: one trial")
        }
        for axis in spec.axes {
            let label = axis.paths.joined(separator: " + ")
            let values = axis.values.map { point in
                point.count == 1
                    ? point[0].shortDescription : "(" + point.map(\.shortDescription).joined(separator: ", ") + ")"
            }
            let listed =
                values.count > 8
                ? values.prefix(7).joined(separator: ", ") + ", ... (\(values.count) values)"
                : values.joined(separator: ", ")
            lines.append("  \(label): \(listed)")
        }
        for trial in trials.prefix(shown) {
            lines.append("  trial \(trial.index) run \(trial.runID): \(trial.config.canonicalJSON)")
        }
        if trials.count > shown {
            lines.append("  ... \(trials.count - shown) more")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
