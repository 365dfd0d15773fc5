import Dispatch
import Foundation
import RunnerModel
import RunnerSpec
import Synchronization

/// Runs trials on `jobs` Dispatch workers, each trial owning its model and generator.
///
/// Workers take the next trial in order from a shared cursor; because a trial's result depends
/// on its config alone, the results are the same bits whatever `jobs` is and whichever worker
/// runs which trial. The scheduler itself stores nothing: `claim` (may this process train this
/// run?) and `record` (a trial finished) are the hooks a store plugs into.
public struct Scheduler: Sendable {
    /// The number of workers.
    public var jobs: Int
    /// Where plugins come from.
    public var registry: PluginRegistry

    /// Creates a scheduler.
    ///
    /// - Precondition: `jobs >= 1`.
    public init(jobs: Int, registry: PluginRegistry = .standard) {
        precondition(jobs >= 1, "jobs must be at least 1")
        self.jobs = jobs
        self.registry = registry
    }

    /// What a run produced, as the scheduler saw it.
    public struct Summary: Sendable {
        /// Trials trained to an end (completed or diverged).
        public var finished = 0
        /// Trials stopped by the stop flag.
        public var interrupted = 0
        /// Trials another process had claimed, skipped.
        public var skipped = 0
        /// Trials never started because of the stop flag.
        public var notStarted = 0
        /// Wall time of the whole run, seconds.
        public var seconds = 0.0
        /// The sum of the trials' pure training times, seconds.
        public var trainingSeconds = 0.0
        /// The sum of the time workers spent inside the trials (drawing the initial state,
        /// building the model, training, the final evaluation), seconds: `seconds * jobs` minus
        /// this is what scheduling cost.
        public var trialSeconds = 0.0

        /// Zero counts and times.
        public init() {}
    }

    /// Trains `trials`.
    ///
    /// - Parameters:
    ///   - trials: in the order to hand them out.
    ///   - stop: when set, workers take no new trial and running ones end as `interrupted`.
    ///   - claim: called on the worker before a trial starts; return `false` to skip it.
    ///   - execute: trains one trial on the worker (``Trial/run(from:resume:snapshotEvery:onSnapshot:shouldStop:)``
    ///     by default); it should poll the stop flag.
    ///   - record: called on the worker with each result.
    /// - Returns: counts and timings.
    public func run(
        _ trials: [PlannedTrial],
        stop: StopFlag = StopFlag(),
        claim: @Sendable (PlannedTrial) -> Bool = { _ in true },
        execute: (@Sendable (PlannedTrial, StopFlag) throws -> TrialResult)? = nil,
        record: @Sendable (PlannedTrial, Result<TrialResult, any Error>) -> Void
    ) -> Summary {
        let summary = Mutex(Summary())
        let clock = ContinuousClock()
        let began = clock.now
        let registry = self.registry
        let execute =
            execute ?? { trial, stop in
                try Trial(config: trial.config, registry: registry).run(shouldStop: { stop.isSet })
            }
        Self.parallel(trials.count, workers: jobs) { index in
            let trial = trials[index]
            if stop.isSet {
                summary.withLock { $0.notStarted += 1 }
                return
            }
            guard claim(trial) else {
                summary.withLock { $0.skipped += 1 }
                return
            }
            let started = ContinuousClock.now
            let outcome = Result<TrialResult, any Error> { try execute(trial, stop) }
            let spent = Timing.seconds(started.duration(to: .now))
            summary.withLock { totals in
                totals.trialSeconds += spent
                if case .success(let result) = outcome {
                    totals.trainingSeconds += result.trainingSeconds
                    if result.status == .interrupted { totals.interrupted += 1 } else { totals.finished += 1 }
                } else {
                    totals.finished += 1
                }
            }
            record(trial, outcome)
        }
        var totals = summary.withLock { $0 }
        totals.seconds = Timing.seconds(began.duration(to: clock.now))
        return totals
    }
}

extension Scheduler {
    /// Calls `body` with every index in `0..<count`, in order of hand-out, on `workers` Dispatch
    /// workers; returns when all calls have.
    ///
    /// Each worker is a serial queue of its own, so `workers` calls really run at once even when
    /// there are more workers than cores; a shared cursor hands out the next index.
    public static func parallel(_ count: Int, workers: Int, body: @Sendable (Int) -> Void) {
        let cursor = Mutex(0)
        let group = DispatchGroup()
        let queues = (0..<min(workers, max(1, count))).map {
            DispatchQueue(label: "lstm-runner.worker.\($0)", qos: .userInitiated)
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            for queue in queues {
                queue.async(group: group) {
                    while true {
                        let index = cursor.withLock { next in
                            defer { next += 1 }
                            return next
                        }
                        guard index < count else { return }
                        box.value(index)
                    }
                }
            }
            group.wait()
        }
    }
}

/// Carries a non-escaping closure into the worker blocks, which all finish before `parallel`
/// returns (`group.wait()`), so the closure never outlives the call. `@unchecked Sendable` because the
/// closures are `@Sendable` themselves; only the escaping check is bypassed.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Small timing helpers.
private enum Timing {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
