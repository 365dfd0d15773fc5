import Foundation
import RunnerKit

/// The 200-trial seed sweep: scaling over workers, scheduling overhead, and what storage adds.
enum SweepBench {
    static func run(specPath: String, quick: Bool) -> [String: Any] {
        print("\n== seed sweep: \(specPath) ==")
        let spec: ExperimentSpec
        let trials: [PlannedTrial]
        do {
            spec = try SpecLoader().load(path: specPath)
            trials = try spec.trials()
        } catch {
            print("cannot load \(specPath): \(error)")
            return [:]
        }
        let rounds = quick ? 1 : 3
        var record: [String: Any] = ["trials": trials.count]
        // Without storage: the scheduler alone, results dropped.
        var walls: [Int: Double] = [:]
        for jobs in [1, 2] {
            var samples: [Scheduler.Summary] = []
            for _ in 0..<rounds {
                samples.append(Scheduler(jobs: jobs).run(trials) { _, _ in })
            }
            let best = samples.min { $0.seconds < $1.seconds } ?? Scheduler.Summary()
            walls[jobs] = best.seconds
            // What the scheduler itself costs: worker time not spent inside a trial.
            let overhead = (best.seconds * Double(jobs) - best.trialSeconds) / best.trialSeconds
            // The trials' own set-up: drawing initial weights and data, building the model.
            let setup = (best.trialSeconds - best.trainingSeconds) / best.trialSeconds
            print(
                String(
                    format: "jobs %d: %.3f s wall; inside trials %.3f s (training loops %.3f s, set-up %.1f%%); "
                        + "scheduling overhead %.2f%% (target < 2%%)",
                    jobs,
                    best.seconds,
                    best.trialSeconds,
                    best.trainingSeconds,
                    setup * 100,
                    overhead * 100
                )
            )
            record["jobs\(jobs)"] = [
                "seconds": best.seconds, "trial_seconds": best.trialSeconds, "training_seconds": best.trainingSeconds,
                "scheduling_overhead": overhead, "setup_share": setup,
            ]
        }
        if let one = walls[1], let two = walls[2] {
            let speedup = one / two
            print(String(format: "speed-up jobs 2 vs 1: %.2fx (target >= 1.85x)", speedup))
            record["speedup_jobs2"] = speedup
        }
        // With storage: the same sweep into a fresh database, checkpoints as the spec says.
        let jobs = 2
        var stored: [Double] = []
        for _ in 0..<rounds {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "lstm-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
                let clock = ContinuousClock()
                let start = clock.now
                _ = try SweepRunner(specs: [spec], store: store, options: .init(jobs: jobs)).run(stop: StopFlag()) {
                    _ in nil
                }
                stored.append(Bench.seconds(start.duration(to: clock.now)))
            } catch {
                print("storage run failed: \(error)")
                return record
            }
        }
        if let with = stored.min(), let without = walls[jobs] {
            let added = (with - without) / without
            print(
                String(
                    format:
                        "with storage (SQLite + %@ checkpoints), jobs %d: %.3f s vs %.3f s without: +%.1f%% (target < 10%%)",
                    spec.checkpoints.final ? "final" : "no",
                    jobs,
                    with,
                    without,
                    added * 100
                )
            )
            record["storage"] = ["seconds": with, "without_seconds": without, "added": added, "jobs": jobs]
        }
        return record
    }
}
