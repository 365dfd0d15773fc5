import Foundation
import GRDB
import LSTMCore
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec

/// End-to-end tests of faults (issue 11): each ends in one clear line and a true record.
@Suite(.serialized) struct FaultTests {
    static func database(_ directory: URL) -> String { directory.appendingPathComponent("runs.sqlite").path }

    /// The number of rows of `table` in the database at `path` (0 when it does not exist).
    static func count(_ table: String, in path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") } ?? 0
    }

    // MARK: - Wrong results

    @Test func weightsThatOverflowToInfinityEndDivergedNotCompleted() throws {
        try withTemporaryDirectory { directory in
            // Momentum at 1e308: some weights become infinite while the loss stays finite (0.55).
            let result = try RunnerCLI.run(
                [
                    "train", "--hidden", "4", "--input", "33", "--optimizer", "momentum", "--learning-rate", "1e308",
                    "--iterations", "30",
                ],
                in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("status diverged; loss after training 5.500000e-01"), "\(result.stdout)")
        }
    }

    @Test func aRunWithNonFiniteFinalWeightsRecordsWhy() throws {
        let spec = tinySpec(
            extra: #""task": {"inputSize": 33, "targets": [-0.5, 0.2, 0.1, -0.5]}, "model": {"hiddenSize": 4}, "#
                + #""training": {"optimizer": "momentum", "learningRate": 1e308}"#)
        let loaded = try SpecLoader().load(data: Data(spec.utf8), file: "overflow.json")
        let result = try Trial(config: try loaded.trials()[0].config).run()
        #expect(result.status == .diverged)
        #expect(result.finalLoss?.isFinite == true)
        #expect(result.stopReason?.hasSuffix("final parameters are not finite (the updates overflowed)") == true)
    }

    // MARK: - Sizes

    @Test func aTrialTooLargeForMemoryIsRefusedBeforeTrainingNamingItsSizes() throws {
        try withTemporaryDirectory { directory in
            let train = try RunnerCLI.run(["train", "--hidden", "100000", "--input", "100000"], in: directory)
            #expect(train.status == 64)
            #expect(
                train.stderr.hasPrefix(
                    "error: runner train: --hidden is 100000 (X = 100000, H = 100000, N = 1 sequence of T = 4 steps): "
                        + "one trial needs 3.2 TB of memory"), "\(train.stderr)")
            #expect(train.stderr.hasSuffix("; make the model or the data smaller.\n"))
            #expect(train.stderr.filter { $0 == "\n" }.count == 1)
            // In a sweep, refused at validation: nothing is registered, nothing left running.
            let spec = try writeSpec(
                tinySpec(sweep: #"{"model.hiddenSize": [5, 100000]}"#, extra: #""task": {"inputSize": 100000}"#),
                in: directory)
            let run = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(run.status == 64)
            #expect(
                run.stderr.hasPrefix("error: \(spec) (trial 1: model.hiddenSize=100000): model.hiddenSize is 100000"))
            #expect(run.stderr.filter { $0 == "\n" }.count == 1)
            #expect(!FileManager.default.fileExists(atPath: Self.database(directory)), "nothing is written")
        }
    }

    @Test func trialsThatFitAloneButNotTogetherAskForFewerJobs() throws {
        let text = tinySpec(sweep: #"{"seed": [0, 1, 2]}"#)
        let one = try SpecLoader().load(data: Data(text.utf8), file: "jobs.json")
        let bytes = try #require(one.schema.footprint(of: try one.trials()[0].config).bytes)
        // A machine with memory for one and a half of these trials.
        let loader = SpecLoader(schema: ConfigSchema(memoryLimit: bytes + bytes / 2))
        let planned = try SweepRunner.plan([try loader.load(data: Data(text.utf8), file: "jobs.json")], shard: nil)
        try SweepRunner.checkMemory(planned, jobs: 1)
        #expect(throws: SpecError.self) { try SweepRunner.checkMemory(planned, jobs: 2) }
        let error = #expect(throws: SpecError.self) { try SweepRunner.checkMemory(planned, jobs: 3) }
        #expect(
            error?.description.hasPrefix("jobs.json: its 3 largest trials, trained at once by --jobs 3, need ") == true)
        #expect(error?.description.hasSuffix("; pass --jobs 1 or make the trials smaller.") == true)
    }

    @Test(arguments: [
        (#"{"seed": {"range": [0, 1000000000000]}}"#, [String](), "sweep.seed.range has 1000000000000 values"),
        (
            #"{"seed": {"range": [0, 10000000]}, "training.learningRate": {"linspace": [0.1, 1], "count": 10000000}}"#,
            [String](), "sweep makes 100000000000000 trials, over the limit of 1000000"
        ),
        (
            #"{"seed": {"range": [0, 10000000]}, "model.hiddenSize": {"random": 10000000, "integers": [1, 9]}}"#,
            ["--force"], "sweep makes 100000000000000 trials; at most "
        ),
        (
            #"{"seed": {"range": [0, 10000000]}, "training.learningRate": {"logspace": [0.1, 1], "count": 10000000}}"#,
            ["--force"], "even with --force"
        ),
    ])
    func hugeGridsAreRefusedAtOnceWithoutBeingMaterialised(_ sweep: String, _ flags: [String], _ message: String)
        throws
    {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(sweep: sweep), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--dry-run"] + flags, in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix("error: \(spec): "), "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        }
    }

    // MARK: - Validation before the first write

    @Test func aBadModelInitRegistersNothing() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(
                tinySpec(sweep: #"{"seed": [0, 1]}"#, extra: #""model": {"init": "missing.npz"}"#), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.contains("model.init is \"missing.npz\""), "\(result.stderr)")
            #expect(try Self.count("experiments", in: Self.database(directory)) == 0)
            #expect(try Self.count("runs", in: Self.database(directory)) == 0)
        }
    }

    /// A model.init that cannot be used is named with the spec that gives it, whatever it is.
    @Test(arguments: [
        ("plots", "it is a folder whose name ends in neither .ckpt.gz nor .npz"),
        ("notes.txt", "it is a file whose name ends in neither .ckpt.gz nor .npz"),
        ("9999", "in runs.sqlite, no run id starts with \"9999\""),
        ("w.npz", "cannot read the file: No such file or directory"),
    ])
    func anUnusableModelInitIsNamedWithItsSpec(value: String, message: String) throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("plots"), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: directory.appendingPathComponent("notes.txt"))
            let seeded = try writeSpec(tinySpec(name: "seeded"), named: "seeded.json", in: directory)
            try #require(
                try RunnerCLI.run(["run", seeded, "--db", "runs.sqlite", "--quiet"], in: directory).status == 0)
            let spec = try writeSpec(tinySpec(extra: #""model": {"init": "\#(value)"}"#), in: directory)
            for flags in [[], ["--dry-run"]] {
                let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"] + flags, in: directory)
                #expect(result.status == 64)
                #expect(
                    result.stderr.hasPrefix("error: \(spec): model.init is \"\(value)\"; \(message)"),
                    "\(result.stderr)")
                #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            }
        }
    }

    @Test func aFileWhereTheCheckpointFolderGoesIsRefusedBeforeTraining() throws {
        try withTemporaryDirectory { directory in
            try Data("not a folder".utf8).write(to: directory.appendingPathComponent("checkpoints"))
            let spec = try writeSpec(tinySpec(sweep: #"{"seed": [0, 1, 2]}"#), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr
                    == "error: checkpoints: a file is in the way: checkpoints are written into a folder of this "
                    + "name beside the database; move the file away or choose another --db.\n")
            #expect(try Self.count("runs", in: Self.database(directory)) == 0)
            // Without checkpoint files to write, the folder does not matter.
            let bare = try writeSpec(
                tinySpec(name: "bare", extra: #""checkpoints": {"final": false}"#), named: "bare.json", in: directory)
            let plain = try RunnerCLI.run(["run", bare, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(plain.status == 0, "\(plain.stderr)")
        }
    }

    // MARK: - Signals

    @Test(arguments: [(SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP"), (SIGUSR1, "SIGUSR1")])
    func stopSignalsEndTheSweepLikeSigint(_ number: Int32, _ name: String) throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(sweep: #"{"seed": {"range": [0, 400]}}"#, iterations: 60), in: directory)
            let process = try RunnerCLI.start(["run", spec, "--db", "runs.sqlite", "--jobs", "2"], in: directory)
            try waitForCompletedRuns(at: Self.database(directory), atLeast: 3)
            kill(process.processIdentifier, number)
            process.waitUntilExit()
            let (stdout, stderr) = RunnerCLI.output(of: process)
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 128 + number, "\(stderr)")
            #expect(stderr.contains("\(name): interrupted: no new trials"), "\(stderr)")
            #expect(stderr.contains("run the same command again to finish the sweep"))
            #expect(stdout.contains("tiny: 400 runs"))
            let statuses = try RunCommandTests.statuses(Self.database(directory))
            #expect(statuses["running"] == nil, "nothing left half-recorded: \(statuses)")
            try expectEveryCompletedRunHasItsCurve(Self.database(directory))
        }
    }

    @Test func aSignalThatStopsVerifyIsNoVerdict() throws {
        try withTemporaryDirectory { directory in
            // Long enough that verifying all 200 runs takes well over the 0.3 s before the signal
            // (at 60 iterations a quiet machine verified them all first, and the exit was 0).
            _ = try StoreTests.sweep(tinySpec(sweep: #"{"seed": {"range": [0, 200]}}"#, iterations: 600), in: directory)
            let process = try RunnerCLI.start(["verify", "tiny", "--db", "runs.sqlite", "--jobs", "1"], in: directory)
            Thread.sleep(forTimeInterval: 0.3)
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            let (stdout, stderr) = RunnerCLI.output(of: process)
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 143, "\(stdout.suffix(200)) \(stderr)")
            #expect(stderr.contains(" of the 200 runs verified; run the same command again"), "\(stderr)")
        }
    }

    @Test func aClosedOutputDoesNotKillTheSweep() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(sweep: #"{"seed": {"range": [0, 400]}}"#, iterations: 60), in: directory)
            let process = Process()
            process.executableURL = RunnerCLI.binary
            process.arguments = ["run", spec, "--db", "runs.sqlite", "--jobs", "2"]
            process.currentDirectoryURL = directory
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try pipe.fileHandleForWriting.close()
            try waitForCompletedRuns(at: Self.database(directory), atLeast: 3)
            // Nobody reads the output any more: the message ^C prints must not kill the process.
            try pipe.fileHandleForReading.close()
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            // The sweep ends as interrupted; printing its summary then finds the reader gone, which
            // ends the process quietly with 141, as for every command (see StandardOutput).
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 141)
            let statuses = try RunCommandTests.statuses(Self.database(directory))
            #expect(statuses["running"] == nil, "nothing left half-recorded: \(statuses)")
        }
    }

    // MARK: - Read-only media

    @Test func aCommandThatWritesSaysTheFileSystemIsReadOnly() throws {
        try withTemporaryDirectory { directory in
            let mount = directory.appendingPathComponent("media", isDirectory: true)
            try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
            let mounted = try runProgram("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.path])
            guard mounted.status == 0 else {
                print("skipped: cannot mount a tmpfs to make read-only (\(mounted.standardError.prefix(80)))")
                return
            }
            defer { _ = try? runProgram("umount", [mount.path]) }
            let spec = try writeSpec(tinySpec(), in: directory)
            let first = try RunnerCLI.run(["run", spec, "--db", "media/runs.sqlite", "--quiet"], in: directory)
            try #require(first.status == 0, "\(first.stderr)")
            try #require(try runProgram("mount", ["-o", "remount,ro", mount.path]).status == 0)
            for command in [["run", spec], ["verify", "tiny"]] {
                let result = try RunnerCLI.run(command + ["--db", "media/runs.sqlite"], in: directory)
                #expect(result.status == 64)
                #expect(
                    result.stderr.hasPrefix("error: media/runs.sqlite: is on a read-only file system; copy it"),
                    "\(command[0]): \(result.stderr)")
            }
        }
    }

    // MARK: - Full disk

    @Test func aDiskThatFillsMidSweepSaysSoAndARerunFinishesEverything() throws {
        try withTemporaryDirectory { directory in
            let mount = directory.appendingPathComponent("small", isDirectory: true)
            try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
            let mounted = try runProgram("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.path])
            guard mounted.status == 0 else {
                print("skipped: cannot mount a small tmpfs to fill (\(mounted.standardError.prefix(80)))")
                return
            }
            defer { _ = try? runProgram("umount", [mount.path]) }
            // Each final checkpoint holds 4·40·43 weights (55 KB): the 1 MB disk fills after about 15.
            let spec = try writeSpec(
                tinySpec(
                    sweep: #"{"seed": {"range": [0, 40]}}"#, extra: #""model": {"hiddenSize": 40}"#, iterations: 3),
                in: directory)
            let database = mount.appendingPathComponent("runs.sqlite").path
            let full = try RunnerCLI.run(["run", spec, "--db", database, "--quiet"], in: directory)
            #expect(full.status == 1)
            let lines = full.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(full.stderr)")
            #expect(full.stderr.hasPrefix("error: disk full: cannot write "), "\(full.stderr)")
            #expect(full.stderr.contains("free some space, then run the same command again to finish it"))
            var statuses = try RunCommandTests.statuses(database)
            #expect(statuses["failed"] == nil, "an I/O failure is not a trial failure: \(statuses)")
            #expect(statuses["running"] == nil, "unrecorded runs go back to interrupted: \(statuses)")
            #expect((statuses["completed"] ?? 0) < 40)
            // With not a byte left, even opening the database (its shared-memory file) says so.
            let filler = mount.appendingPathComponent("filler")
            _ = try runProgram("dd", ["if=/dev/zero", "of=\(filler.path)", "bs=4k"])
            let opening = try RunnerCLI.run(["run", spec, "--db", database, "--quiet"], in: directory)
            #expect(opening.status == 1)
            #expect(opening.stderr.hasPrefix("error: disk full: cannot write "), "\(opening.stderr)")
            #expect(opening.stderr.split(separator: "\n").count == 1)
            try FileManager.default.removeItem(at: filler)
            // Space is freed: the same command finishes every run, no flags needed.
            #expect(try runProgram("mount", ["-o", "remount,size=16m", mount.path]).status == 0)
            let rerun = try RunnerCLI.run(["run", spec, "--db", database, "--quiet"], in: directory)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            statuses = try RunCommandTests.statuses(database)
            #expect(statuses == ["completed": 40])
            try expectEveryCompletedRunHasItsCurve(database)
            let files = try FileManager.default.contentsOfDirectory(
                atPath: mount.appendingPathComponent("checkpoints").path)
            #expect(files.filter { $0.hasSuffix(".ckpt.gz") }.count == 40)
        }
    }
}
