import Foundation
import RunnerKit

/// The 200-trial seed sweep: scaling over workers, scheduling overhead, and what storage adds.
///
/// The machine's speed drifts (shared virtual CPUs), so each round runs the three variants back
/// to back (one worker, two workers, two workers with storage) and the ratios are taken within a
/// round; the figures printed are the medians over the rounds.
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
        let rounds = quick ? 3 : 5
        var one: [Scheduler.Summary] = []
        var two: [Scheduler.Summary] = []
        var stored: [Double] = []
        for _ in 0..<rounds {
            one.append(Scheduler(jobs: 1).run(trials) { _, _ in })
            two.append(Scheduler(jobs: 2).run(trials) { _, _ in })
            guard let seconds = storedSweep(spec, jobs: 2) else { return [:] }
            stored.append(seconds)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        var record: [String: Any] = ["trials": trials.count, "rounds": rounds]
        for (jobs, samples) in [(1, one), (2, two)] {
            let wall = median(samples.map(\.seconds))
            // What the scheduler itself costs: worker time not spent inside a trial.
            let overhead = median(samples.map { ($0.seconds * Double(jobs) - $0.trialSeconds) / $0.trialSeconds })
            // The trials' own set-up: drawing initial weights and data, building the model.
            let setup = median(samples.map { ($0.trialSeconds - $0.trainingSeconds) / $0.trialSeconds })
            print(
                String(
                    format:
                        "jobs %d: %.3f s wall (median of %d); set-up inside trials %.1f%%; scheduling overhead %.2f%% (target < 2%%)",
                    jobs,
                    wall,
                    rounds,
                    setup * 100,
                    overhead * 100
                )
            )
            record["jobs\(jobs)"] = ["seconds": wall, "scheduling_overhead": overhead, "setup_share": setup]
        }
        let speedups = zip(one, two).map { $0.seconds / $1.seconds }
        let speedup = median(speedups)
        print(
            String(
                format: "speed-up jobs 2 vs 1: %.2fx (target >= 1.85x; per round %@)",
                speedup,
                speedups.map { String(format: "%.2f", $0) }.joined(separator: ", ")
            )
        )
        record["speedup_jobs2"] = speedup
        let added = zip(stored, two).map { ($0 - $1.seconds) / $1.seconds }
        let median = median(added)
        print(
            String(
                format:
                    "storage (SQLite rows, curves, %@ checkpoints), jobs 2: +%.1f%% wall (target < 10%%; per round %@)",
                spec.checkpoints.final ? "final" : "no",
                median * 100,
                added.map { String(format: "%+.1f%%", $0 * 100) }.joined(separator: ", ")
            )
        )
        record["storage"] = ["added": median, "with_seconds": stored, "without_seconds": two.map(\.seconds), "jobs": 2]
        return record
    }

    /// The sweep into a fresh database in a temporary folder; its wall time (the scheduler's,
    /// which includes waiting for the last rows and checkpoints to be written).
    static func storedSweep(_ spec: ExperimentSpec, jobs: Int) -> Double? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lstm-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let clock = ContinuousClock()
            let start = clock.now
            _ = try SweepRunner(specs: [spec], store: store, options: .init(jobs: jobs)).run(stop: StopFlag()) { _ in
                nil
            }
            return Bench.seconds(start.duration(to: clock.now))
        } catch {
            print("storage run failed: \(error)")
            return nil
        }
    }
}
