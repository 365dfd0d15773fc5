/// What re-training a recorded run showed (`runner verify`), as the `verifications` table stores it.
public enum VerificationOutcome: String, Sendable, Codable, CaseIterable {
    /// Every iteration's loss and the final payload match bit for bit.
    case identical
    /// Something differs: a loss, the payload, or the stored checkpoint is not the run's own.
    case differs
    /// The run could not be verified as recorded (its config or environment cannot be re-trained here).
    case refused
    /// Re-training failed with an error.
    case failed
}
