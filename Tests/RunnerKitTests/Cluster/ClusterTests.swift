import Foundation
import Testing

@testable import RunnerModel
@testable import RunnerStore

/// The local single-node Slurm cluster of `scripts/slurm/up.sh` (`make slurm-up`), if one answers.
enum LocalSlurm {
    /// Whether this is CI (`CI=true`), where the cluster test must run: `.ci/run` starts Slurm.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// `SLURM_CONF` when set, else the config `up.sh` writes, if the file exists.
    static let configuration: String? = {
        let candidates = [ProcessInfo.processInfo.environment["SLURM_CONF"], "/tmp/lstm-runner-slurm/slurm.conf"]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }()

    /// Whether `scontrol ping` says the controller is up.
    static let isUp: Bool = {
        guard let configuration,
            let ping = try? runExecutable(
                URL(fileURLWithPath: "/usr/bin/env"), ["scontrol", "ping"], environment: ["SLURM_CONF": configuration])
        else { return false }
        return ping.status == 0 && ping.text.contains("is UP")
    }()

    static let skipMessage =
        "no Slurm cluster answers (SLURM_CONF or /tmp/lstm-runner-slurm/slurm.conf, scontrol ping); "
        + "start one with `make slurm-up` (root) to run this test. Under CI=true it never skips."
}

@Suite struct ClusterTests {
    /// Submits the tiny sweep as a 4-task array with `examples/slurm/submit.sh` (the array runs
    /// `sweep.sbatch`, then a job with `--dependency=afterok` runs `merge.sbatch`), waits with
    /// `scripts/slurm/wait-job.sh`, and compares the merged database with a local run of the
    /// same spec by the same `runner`: same run ids, statuses, loss bits and digests.
    @Test(.enabled(if: LocalSlurm.isUp || LocalSlurm.isCI, Comment(rawValue: LocalSlurm.skipMessage)))
    func aSweepSplitOverASlurmArrayMergesToTheRunsOfALocalRun() throws {
        guard LocalSlurm.isUp, let configuration = LocalSlurm.configuration else {
            let message =
                "CI=true but no Slurm cluster answers; .ci/run starts one with `eval \"$(scripts/slurm/up.sh)\"` "
                + "(make slurm-up by hand)."
            Issue.record(Comment(rawValue: message))
            return
        }
        guard let runner = builtRunner() else { return }
        // Slurm runs the jobs on this node as root: a folder under /tmp that every process sees.
        let folder = URL(fileURLWithPath: "/tmp/lstm-cluster-test-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let specURL = folder.appendingPathComponent("tiny-cluster.json")
        try Data(tinySpecJSON(name: "tiny-cluster").utf8).write(to: specURL)
        let results = folder.appendingPathComponent("results", isDirectory: true)
        let environment = ["SLURM_CONF": configuration, "RUNNER": runner.path, "RESULTS": results.path]

        let submit = try runExecutable(
            packageRoot.appendingPathComponent("examples/slurm/submit.sh"), [specURL.path, "4"],
            environment: environment)
        try #require(submit.status == 0, "submit.sh: \(submit.standardError)")
        let jobs = Dictionary(
            uniqueKeysWithValues: submit.text.split(separator: "\n").compactMap { line in
                line.split(separator: "=", maxSplits: 1).map(String.init).count == 2
                    ? (String(line.prefix { $0 != "=" }), String(line.drop { $0 != "=" }.dropFirst())) : nil
            })
        let arrayJob = try #require(jobs["ARRAY_JOB"], "submit.sh printed \(submit.text)")
        let mergeJob = try #require(jobs["MERGE_JOB"], "submit.sh printed \(submit.text)")
        let wait = packageRoot.appendingPathComponent("scripts/slurm/wait-job.sh")

        let merged = try runExecutable(wait, [mergeJob, "180"], environment: environment)
        guard merged.status == 0 else {
            let array = try runExecutable(wait, [arrayJob, "10"], environment: environment)
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: results.path)) ?? []
            var text = ""
            for name in logs.sorted() where name.hasSuffix(".log") {
                let log = try? String(contentsOf: results.appendingPathComponent(name), encoding: .utf8)
                text += "\n==> \(name)\n" + (log ?? "")
            }
            let message =
                "the merge job \(mergeJob) did not complete: \(merged.standardError) array \(arrayJob): "
                + "\(array.standardError)\(text)"
            Issue.record(Comment(rawValue: message))
            return
        }

        // Each task ran its own shard into its own folder: 3, 3, 2 and 2 of the 10 trials.
        for (index, count) in [3, 3, 2, 2].enumerated() {
            let shard = try ResultStore(
                path: results.appendingPathComponent("shard-\(index)/runs.sqlite").path, readOnly: true)
            #expect(try shard.runs(ofExperiment: "tiny-cluster").count == count, "shard \(index)")
        }
        let local = folder.appendingPathComponent("local/runs.sqlite")
        try FileManager.default.createDirectory(
            at: local.deletingLastPathComponent(), withIntermediateDirectories: true)
        let run = try runExecutable(runner, ["run", specURL.path, "--db", local.path, "--quiet"])
        try #require(run.status == 0, "runner run: \(run.standardError)")

        let mergedStore = try ResultStore(path: results.appendingPathComponent("runs.sqlite").path, readOnly: true)
        let localStore = try ResultStore(path: local.path, readOnly: true)
        let expected = try fingerprints(of: "tiny-cluster", in: localStore)
        #expect(expected.count == 10)
        #expect(expected.values.allSatisfy { $0.status == .completed })
        #expect(try fingerprints(of: "tiny-cluster", in: mergedStore) == expected)
        #expect(
            try mergedStore.runs(ofExperiment: "tiny-cluster").map(\.id)
                == localStore.runs(ofExperiment: "tiny-cluster").map(\.id))
        try expectCheckpointsPresent("tiny-cluster", in: mergedStore)
        for record in try mergedStore.runs(ofExperiment: "tiny-cluster") {
            let mine = try Data(contentsOf: mergedStore.resolve(try #require(record.checkpointPath)))
            let theirs = try Data(contentsOf: localStore.resolve(try #require(record.checkpointPath)))
            #expect(mine == theirs, "checkpoint file of run \(record.id)")
        }
    }
}
