import Foundation
import RunnerModel

#if canImport(Glibc)
    import Glibc
#endif

/// The seed sweep as `runner run` runs it: a whole process each time (start-up, planning,
/// registration, training, writing, the final sync), at one and two workers, with and without
/// final checkpoints.
///
/// This is the figure a user sees, and the one issue 14 sets its target on (`--jobs 2` at least
/// 1.85x `--jobs 1`). Each round runs the four variants back to back into fresh databases; ratios
/// are taken within a round and their median printed, beside the ratio of the fastest runs. The
/// children's CPU time (user + system, from `wait4`) is printed too: it does not depend on what
/// else the machine runs as much as wall time does.
enum ProcessSweepBench {
    /// One run of the child: wall seconds and CPU seconds (user + system).
    struct Sample {
        var seconds: Double
        var cpu: Double
    }

    static func run(specPath: String, quick: Bool) -> [String: Any] {
        print("\n== seed sweep, whole process (runner run --jobs 1 / 2) ==")
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("runner").path
        guard FileManager.default.isExecutableFile(atPath: runner) else {
            print("not run: no \(runner) (make bench builds it)")
            return [:]
        }
        guard let text = try? Data(contentsOf: URL(fileURLWithPath: specPath)),
            var spec = try? JSONSerialization.jsonObject(with: text) as? [String: Any]
        else {
            print("not run: cannot read \(specPath) as JSON")
            return [:]
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lstm-bench-process-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var specs: [Bool: String] = [:]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for final in [false, true] {
                var checkpoints = spec["checkpoints"] as? [String: Any] ?? [:]
                checkpoints["final"] = final
                spec["checkpoints"] = checkpoints
                let path = directory.appendingPathComponent(final ? "with.json" : "without.json").path
                try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]).write(
                    to: URL(fileURLWithPath: path))
                specs[final] = path
            }
        } catch {
            print("not run: \(error)")
            return [:]
        }
        let rounds = quick ? 3 : 7
        // samples[final][jobs - 1]
        var samples: [Bool: [[Sample]]] = [false: [[], []], true: [[], []]]
        // Wall seconds of two --jobs 1 processes (no checkpoints) run at once, one per round.
        var sideBySide: [Double] = []
        _ = spawn([runner, "run", specs[false] ?? "", "--db", directory.appendingPathComponent("warm.sqlite").path])
        for round in 0..<rounds {
            for jobs in 1...2 {
                for final in [false, true] {
                    let database = directory.appendingPathComponent("r\(round)-\(jobs)-\(final)")
                    try? FileManager.default.createDirectory(at: database, withIntermediateDirectories: true)
                    let arguments = [
                        runner, "run", specs[final] ?? "", "--db", database.appendingPathComponent("runs.sqlite").path,
                        "--jobs", String(jobs), "--quiet",
                    ]
                    guard let sample = spawn(arguments) else {
                        print("not run: \(arguments.joined(separator: " ")) failed")
                        return [:]
                    }
                    samples[final, default: []][jobs - 1].append(sample)
                    try? FileManager.default.removeItem(at: database)
                }
            }
            // The machine's own ceiling: two independent --jobs 1 sweeps side by side.
            let pair = (0..<2).map { directory.appendingPathComponent("r\(round)-pair-\($0)") }
            for folder in pair {
                try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let commands = pair.map {
                [
                    runner, "run", specs[false] ?? "", "--db", $0.appendingPathComponent("runs.sqlite").path, "--jobs",
                    "1", "--quiet",
                ]
            }
            guard let seconds = spawnSideBySide(commands[0], commands[1]) else {
                print("not run: two runner processes side by side failed")
                return [:]
            }
            sideBySide.append(seconds)
            for folder in pair { try? FileManager.default.removeItem(at: folder) }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        var record: [String: Any] = ["rounds": rounds]
        for final in [false, true] {
            let one = samples[final]?[0] ?? []
            let two = samples[final]?[1] ?? []
            let ratios = zip(one, two).map { $0.seconds / $1.seconds }
            let fastest = (one.map(\.seconds).min() ?? 0) / (two.map(\.seconds).min() ?? 1)
            let label = final ? "with final checkpoints" : "without checkpoints"
            print(
                String(
                    format:
                        "%@: jobs 1 %.3f s, jobs 2 %.3f s wall (medians; CPU %.2f / %.2f s); "
                        + "jobs 2 vs 1 %.2fx (target >= 1.85x; per round %@); fastest vs fastest %.2fx",
                    label, median(one.map(\.seconds)), median(two.map(\.seconds)), median(one.map(\.cpu)),
                    median(two.map(\.cpu)), median(ratios),
                    ratios.map { String(format: "%.2f", $0) }.joined(separator: ", "),
                    fastest))
            record[final ? "with_checkpoints" : "without_checkpoints"] = [
                "jobs1_seconds": one.map(\.seconds), "jobs2_seconds": two.map(\.seconds), "jobs1_cpu": one.map(\.cpu),
                "jobs2_cpu": two.map(\.cpu), "speedup": median(ratios), "speedup_fastest": fastest,
            ]
        }
        // Two workers that share nothing can at best do twice the work of one in the time one
        // takes; the machine gives less when its two processors share a core, a cache or memory
        // bandwidth. The ratio of one --jobs 1 sweep to half of two side by side is that limit.
        let alone = samples[false]?[0] ?? []
        let ceilings = zip(alone, sideBySide).map { 2 * $0.seconds / $1 }
        let fastestCeiling = 2 * (alone.map(\.seconds).min() ?? 0) / (sideBySide.min() ?? 1)
        print(
            String(
                format:
                    "machine ceiling: two --jobs 1 sweeps side by side end after %.3f s (median): 2 x jobs 1 / that = "
                    + "%.2fx (per round %@), fastest vs fastest %.2fx; the most any --jobs 2 can reach here",
                median(sideBySide), median(ceilings),
                ceilings.map { String(format: "%.2f", $0) }.joined(separator: ", "),
                fastestCeiling))
        record["side_by_side"] = [
            "seconds": sideBySide, "ceiling": median(ceilings), "ceiling_fastest": fastestCeiling,
        ]
        for jobs in 1...2 {
            let without = samples[false]?[jobs - 1] ?? []
            let with = samples[true]?[jobs - 1] ?? []
            let added = zip(with, without).map { $0.seconds / $1.seconds - 1 }
            let fastest = (with.map(\.seconds).min() ?? 0) / (without.map(\.seconds).min() ?? 1) - 1
            let cpu = median(with.map(\.cpu)) - median(without.map(\.cpu))
            print(
                String(
                    format:
                        "final checkpoints, jobs %d: %+.1f%% wall (target < 10%%; per round %@), fastest vs fastest "
                        + "%+.1f%%; %+.3f s CPU",
                    jobs, median(added) * 100,
                    added.map { String(format: "%+.1f%%", $0 * 100) }.joined(separator: ", "),
                    fastest * 100, cpu))
            record["checkpoints_added_jobs\(jobs)"] = ["added": median(added), "fastest_added": fastest, "cpu": cpu]
        }
        return record
    }

    /// Runs `arguments` (standard output and error to /dev/null) and waits for it; `nil` when it
    /// cannot be started or fails.
    static func spawn(_ arguments: [String]) -> Sample? {
        let start = Bench.clock.now
        guard let pid = launch(arguments), let cpu = reap(pid) else { return nil }
        return Sample(seconds: Bench.seconds(start.duration(to: Bench.clock.now)), cpu: cpu)
    }

    /// Runs two commands at once and waits for both: the wall seconds until the second ends, or
    /// `nil` when one cannot be started or fails.
    static func spawnSideBySide(_ first: [String], _ second: [String]) -> Double? {
        let start = Bench.clock.now
        guard let one = launch(first) else { return nil }
        guard let two = launch(second) else {
            _ = reap(one)
            return nil
        }
        let results = [reap(one), reap(two)]
        guard !results.contains(where: { $0 == nil }) else { return nil }
        return Bench.seconds(start.duration(to: Bench.clock.now))
    }

    /// Starts `arguments` with standard output and error to /dev/null.
    private static func launch(_ arguments: [String]) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        return RunEnvironment.spawn(arguments, searchingPath: false, actions: &actions)
    }

    /// Waits for `pid`: its CPU seconds (user + system), or `nil` when it failed.
    private static func reap(_ pid: pid_t) -> Double? {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { return nil }
        }
        guard status == 0 else { return nil }
        func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        return time(usage.ru_utime) + time(usage.ru_stime)
    }
}
