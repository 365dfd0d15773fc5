import Foundation
import LSTMCore
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec

@Suite struct SchedulerTests {
    static func trials(_ sweep: String, extra: String = "", iterations: Int = 30) throws -> [PlannedTrial] {
        try withTemporaryDirectory { directory in
            try SpecLoader().load(
                path: writeSpec(tinySpec(sweep: sweep, extra: extra, iterations: iterations), in: directory)
            ).trials()
        }
    }

    /// Everything a run's bits depend on, as bit patterns.
    static func fingerprint(_ result: TrialResult) -> [UInt64] {
        result.losses.map(\.bitPattern) + result.finalParameters.values.map(\.bitPattern)
            + result.predictions.map(\.bitPattern)
    }

    static func runAll(_ trials: [PlannedTrial], jobs: Int) -> [String: [UInt64]] {
        let results = Locked([String: [UInt64]]())
        _ = Scheduler(jobs: jobs).run(trials) { trial, outcome in
            if case .success(let result) = outcome {
                results.withLock { $0[trial.runID] = fingerprint(result) }
            }
        }
        return results.withLock { $0 }
    }

    @Test func resultsAreBitIdenticalAtOneTwoAndEightJobs() throws {
        let trials = try Self.trials(
            #"{"model.hiddenSize": [3, 7], "training.optimizer": ["sgd", "adam"], "model.cellOutput": ["identity", "tanh"], "seed": [0, 1, 2]}"#
        )
        #expect(trials.count == 24)
        let one = Self.runAll(trials, jobs: 1)
        let two = Self.runAll(trials, jobs: 2)
        let eight = Self.runAll(trials, jobs: 8)
        #expect(one.count == 24)
        #expect(one == two)
        #expect(one == eight)
    }

    @Test func aTrialAloneAndInsideASweepGiveTheSameBits() throws {
        let sweep = try Self.trials(#"{"seed": [0, 1, 2, 3]}"#)
        let alone = try Trial(config: sweep[2].config).run()
        let inSweep = Self.runAll(sweep, jobs: 2)
        #expect(inSweep[sweep[2].runID] == Self.fingerprint(alone))
    }

    @Test func aDivergingTrialIsRecordedAsSuchWhileTheOthersComplete() throws {
        let trials = try Self.trials(
            #"{"training.learningRate": [0.1, 100]}"#,
            extra:
                #""task": {"plugin": "sine", "sequenceLength": 6, "samples": 2}, "training": {"iterations": 60, "loss": "mse-readout"}"#
        )
        let statuses = Locked([Double: RunStatus]())
        _ = Scheduler(jobs: 2).run(trials) { trial, outcome in
            if case .success(let result) = outcome {
                statuses.withLock { $0[trial.config.learningRate] = result.status }
                if result.status == .diverged {
                    #expect(result.stopReason?.contains("is ") == true)
                    #expect(result.finalLoss == nil)
                }
            }
        }
        #expect(statuses.withLock { $0 } == [0.1: .completed, 100: .diverged])
    }

    @Test func aTargetLossEndsATrialEarlyAsCompleted() throws {
        let trials = try Self.trials("", extra: #""stop": {"targetLoss": 0.05}"#, iterations: 500)
        let result = try Trial(config: trials[0].config).run()
        #expect(result.status == .completed)
        let reached = try #require(result.targetReachedIteration)
        #expect(result.iterationsRun == reached)
        #expect(reached < 500)
        #expect(result.losses[reached - 1] <= 0.05)
        #expect(result.losses.dropLast().allSatisfy { $0 > 0.05 })
    }

    @Test func patienceStopsAfterThatManyIterationsWithoutANewBest() {
        var rule = StopRule(targetLoss: nil, patience: 3)
        let losses = [5.0, 4.0, 4.5, 3.9, 4.0, 4.0, 3.95, 3.0]
        var stoppedAt: Int?
        for (index, loss) in losses.enumerated() where !rule.observe(loss, iteration: index + 1) {
            stoppedAt = index + 1
            break
        }
        // Best 3.9 at iteration 4; iterations 5, 6 and 7 bring nothing better.
        #expect(stoppedAt == 7)
        #expect(rule.best?.loss == 3.9)
        #expect(rule.reason == "no new best loss for 3 iterations")
        #expect(!rule.diverged)
    }

    @Test func aNonFiniteLossStopsAsDiverged() {
        var rule = StopRule(targetLoss: 0.1, patience: nil)
        let first = rule.observe(1.0, iteration: 1)
        let second = rule.observe(.nan, iteration: 2)
        #expect(first)
        #expect(!second)
        #expect(rule.diverged)
        #expect(rule.reason == "the loss of iteration 2 is nan")
    }

    @Test func theStopFlagInterruptsRunningTrialsAndStartsNoNewOnes() throws {
        let trials = try Self.trials(#"{"seed": {"range": [0, 6]}}"#, iterations: 2000)
        let stop = StopFlag()
        let statuses = Locked([RunStatus]())
        let summary = Scheduler(jobs: 2).run(
            trials,
            stop: stop,
            execute: { trial, stop in
                try Trial(config: trial.config).run(shouldStop: {
                    stop.set()  // ask to stop right after the first iteration
                    return stop.isSet
                })
            },
            record: { _, outcome in
                if case .success(let result) = outcome { statuses.withLock { $0.append(result.status) } }
            }
        )
        let seen = statuses.withLock { $0 }
        #expect(seen.allSatisfy { $0 == .interrupted })
        #expect(seen.count <= 2)
        #expect(summary.notStarted == trials.count - seen.count)
    }

    @Test func resumingFromASnapshotGivesTheBitsOfAnUninterruptedRun() throws {
        let trials = try Self.trials(
            "", extra: #""training": {"optimizer": "adam", "learningRate": 0.05}"#, iterations: 40)
        let trial = Trial(config: trials[0].config)
        var snapshots: [TrainingSnapshot] = []
        let whole = try trial.run(snapshotEvery: 15) { snapshots.append($0) }
        #expect(snapshots.map(\.iteration) == [15, 30])
        let resumed = try trial.run(resume: snapshots[0])
        #expect(Self.fingerprint(resumed) == Self.fingerprint(whole))
    }
}
