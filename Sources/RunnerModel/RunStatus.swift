/// Where a run is in its life: pending → running → completed | diverged | failed | interrupted | pruned.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    /// Known, not started.
    case pending
    /// Being trained by some process.
    case running
    /// Trained to its last iteration or to a stop criterion.
    case completed
    /// Stopped because the loss became NaN or infinite.
    case diverged
    /// Stopped by an error.
    case failed
    /// Stopped by the user (SIGINT) before it finished.
    case interrupted
    /// Stopped early by a pruning rule at a rung (its iterations run say where); final, like
    /// `completed`, but with no final parameters.
    case pruned

    /// Whether training ran to an end and left a result: weights, losses and a curve (`completed`
    /// or `diverged`); such a run can be verified, predicted from and exported.
    public var hasResult: Bool { self == .completed || self == .diverged }
}
