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

    /// Whether the run has ended and its result is final unless retried.
    public var isFinished: Bool { self == .completed || self == .diverged || self == .failed }
}
