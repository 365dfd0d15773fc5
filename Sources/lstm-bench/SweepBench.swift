import Foundation
import RunnerEngine
import RunnerSpec
import RunnerStore

/// The 200-trial seed sweep: scaling over workers, scheduling overhead, and what storage adds.
///
/// The machine's speed drifts (shared virtual CPUs), so each round runs every variant back to back
/// (one and two workers; each bare, storing rows and curves only, and storing rows, curves and
/// final checkpoints) and the ratios are taken within a round; the figures printed are the medians
/// over the rounds, and for storage also the ratio of the fastest runs (the least disturbed).
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
        var withoutCheckpoints = spec
        withoutCheckpoints.checkpoints.final = false
        // stored[jobs - 1] = (rows and curves only, with checkpoints), one entry per round.
        var stored: [(rows: [Double], checkpoints: [Double])] = [([], []), ([], [])]
        for _ in 0..<rounds {
            for jobs in 1...2 {
                let bare = Scheduler(jobs: jobs).run(trials) { _, _ in }
                if jobs == 1 { one.append(bare) } else { two.append(bare) }
                guard let rows = storedSweep(withoutCheckpoints, jobs: jobs),
                    let checkpoints = storedSweep(spec, jobs: jobs)
                else { return [:] }
                stored[jobs - 1].rows.append(rows)
                stored[jobs - 1].checkpoints.append(checkpoints)
            }
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
        let fastestSpeedup = (one.map(\.seconds).min() ?? 0) / (two.map(\.seconds).min() ?? 1)
        print(
            String(
                format: "speed-up jobs 2 vs 1: %.2fx (target >= 1.85x; per round %@); fastest vs fastest %.2fx",
                speedup,
                speedups.map { String(format: "%.2f", $0) }.joined(separator: ", "),
                fastestSpeedup
            )
        )
        record["speedup_jobs2"] = speedup
        record["speedup_jobs2_fastest"] = fastestSpeedup
        let checkpointsLabel = "rows, curves and \(spec.checkpoints.final ? "final" : "no") checkpoints"
        var storage: [String: Any] = [:]
        for (jobs, bare) in [(1, one), (2, two)] {
            let without = bare.map(\.seconds)
            var figures: [String: Any] = ["without_seconds": without]
            for (label, key, samples) in [
                ("SQLite rows and curves", "rows", stored[jobs - 1].rows),
                (checkpointsLabel, "checkpoints", stored[jobs - 1].checkpoints),
            ] {
                let added = zip(samples, without).map { ($0 - $1) / $1 }
                let fastest = (samples.min() ?? 0) / (without.min() ?? 1) - 1
                print(
                    String(
                        format:
                            "storage (%@), jobs %d: %+.1f%% wall, fastest vs fastest %+.1f%% (target < 10%%; per round %@)",
                        label,
                        jobs,
                        median(added) * 100,
                        fastest * 100,
                        added.map { String(format: "%+.1f%%", $0 * 100) }.joined(separator: ", ")
                    )
                )
                figures[key] = ["added": median(added), "fastest_added": fastest, "with_seconds": samples]
            }
            storage["jobs\(jobs)"] = figures
        }
        record["storage"] = storage
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
