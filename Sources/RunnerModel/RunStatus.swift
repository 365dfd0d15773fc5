/// Where a run is in its life: pending → running → completed | diverged | failed | interrupted.
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

    /// Whether training ran to an end and left a result: weights, losses and a curve (`completed`
    /// or `diverged`); such a run can be verified, predicted from and exported.
    public var hasResult: Bool { self == .completed || self == .diverged }
}
