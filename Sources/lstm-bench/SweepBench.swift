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
        var training: [Int: Double] = [:]
        for jobs in [1, 2] {
            var samples: [(wall: Double, training: Double)] = []
            for _ in 0..<rounds {
                let summary = Scheduler(jobs: jobs).run(trials) { _, _ in }
                samples.append((summary.seconds, summary.trainingSeconds))
            }
            let best = samples.min { $0.wall < $1.wall } ?? (0, 0)
            walls[jobs] = best.wall
            training[jobs] = best.training
            let overhead = (best.wall * Double(jobs) - best.training) / best.training
            print(
                String(
                    format:
                        "jobs %d: %.3f s wall, %.3f s of training in trials, overhead %.2f%% (wall x jobs - training) / training",
                    jobs,
                    best.wall,
                    best.training,
                    overhead * 100
                )
            )
            record["jobs\(jobs)"] = ["seconds": best.wall, "training_seconds": best.training, "overhead": overhead]
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
