import Foundation
import GRDB
import RunnerSpec
import Testing

@testable import RunnerFiles
@testable import RunnerStore

#if canImport(Glibc)
    import Glibc
#endif

/// Swapped, special and damaged files where the store reads: each refused with one clear line.
@Suite struct SwappedFileTests {
    /// The database's checkpoint file of `run`.
    static func checkpointFile(_ run: RunRecord, of store: ResultStore) throws -> URL {
        store.resolve(try #require(run.checkpointPath))
    }

    @Test func anotherRunsCheckpointCopiedOverARunsOwnIsRefusedByEveryReader() throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let runs = try store.runs(ofExperiment: "tiny")
            let (a, b) = (runs[0], runs[1])
            let fileB = try Self.checkpointFile(b, of: store)
            try FileManager.default.removeItem(at: fileB)
            try FileManager.default.copyItem(at: try Self.checkpointFile(a, of: store), to: fileB)

            for arguments in [["predict", b.id], ["export", b.id, "--format", "npz", "-o", "b.npz"]] {
                let result = try RunnerCLI.run(arguments + ["--db", "runs.sqlite"], in: directory)
                #expect(result.status == 1, "\(arguments[0]): \(result.stdout)")
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.contains("holds run \(a.id)'s checkpoint, not run \(b.id)'s"), "\(result.stderr)")
                #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("b.npz").path))

            let verify = try RunnerCLI.run(["verify", b.id, "--db", "runs.sqlite"], in: directory)
            #expect(verify.status == 1)
            #expect(verify.stdout.contains("\(b.id)  differs  the stored checkpoint is not the run's own"))

            // A warm start from the run reads the same file, through the same check.
            let spec = try writeSpec(
                tinySpec(name: "warm", extra: #""model": {"init": "\#(b.id)"}"#), named: "warm.json", in: directory)
            let warm = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(warm.status == 64)
            #expect(warm.stderr.contains("holds run \(a.id)'s checkpoint"), "\(warm.stderr)")
        }
    }

    @Test func aCheckpointOfTheRightRunWithAnotherPayloadIsRefused() throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let runs = try store.runs(ofExperiment: "tiny")
            let (a, b) = (runs[0], runs[1])
            // A's arrays under B's header: a valid checkpoint of run B, but not the result recorded.
            let original = try store.finalCheckpoint(of: a)
            let header = original.header
            let forged = try Checkpoint(
                runID: b.id, iteration: header.iteration, kind: .final, inputSize: header.inputSize,
                hiddenSize: header.hiddenSize, readoutSize: header.readoutSize, cellOutput: header.cellOutput,
                config: b.configJSON, arrays: original.arrays)
            let fileB = try Self.checkpointFile(b, of: store)
            try FileManager.default.removeItem(at: fileB)
            try forged.write(to: fileB)

            let result = try RunnerCLI.run(["predict", b.id, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 1)
            #expect(
                result.stderr.contains(
                    "holds payload \(original.header.payloadSHA256.prefix(12)), but the database recorded "
                        + "\(try #require(b.checkpointSHA256).prefix(12)) for run \(b.id)"),
                "\(result.stderr)")
        }
    }

    @Test(arguments: ["/dev/zero", "fifo"])
    func aCheckpointThatIsNotARegularFileIsRefusedAtOnce(special: String) throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let run = try store.runs(ofExperiment: "tiny")[0]
            let file = try Self.checkpointFile(run, of: store)
            try FileManager.default.removeItem(at: file)
            if special == "fifo" {
                #expect(mkfifo(file.path, 0o644) == 0)
            } else {
                try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: special)
            }
            let kind = special == "fifo" ? "a special file (a FIFO or a device)" : "a character device"
            for arguments in [["predict", run.id], ["export", run.id, "--format", "json", "-o", "r.json"]] {
                let result = try RunnerCLI.run(arguments + ["--db", "runs.sqlite"], in: directory)
                #expect(result.status == 1)
                #expect(result.stderr.contains("is \(kind), not a regular file"), "\(result.stderr)")
                #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            }
            let verify = try RunnerCLI.run(["verify", run.id, "--db", "runs.sqlite"], in: directory)
            #expect(verify.status == 1)
            #expect(verify.stdout.contains("is \(kind), not a regular file"))
        }
    }

    @Test func aDamagedNPZIsNotTrainedOn() throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let run = try store.runs(ofExperiment: "tiny")[0]
            let npz = directory.appendingPathComponent("w.npz")
            try NPZ.write(NPZ.exportArrays(try store.finalCheckpoint(of: run).parameters(), trainingSet: nil), to: npz)
            // One flipped bit in wg's data (the first entry: a 30-byte local header, its name, then
            // the .npy header padded to 128 bytes): the values still parse, only the CRC-32 tells.
            let bytes = try Data(contentsOf: npz)
            try flippingBit(bytes, at: 30 + "wg.npy".utf8.count + 128 + 100, bit: 2).write(to: npz)
            #expect(throws: NPZError.self) { try NPZ.read(from: npz) }

            let spec = try writeSpec(
                tinySpec(name: "warm", extra: #""model": {"init": "w.npz"}"#), named: "warm.json", in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.contains("array 'wg': malformed: the entry's CRC-32 is "), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        }
    }
}

/// Decompression is bounded by what a checkpoint's header declares.
@Suite struct CheckpointBoundTests {
    @Test func aStreamThatInflatesBeyondItsHeaderIsCutOffWhereTheHeaderEnds() throws {
        let checkpoint = try CheckpointTests.makeCheckpoint()
        let payload = Checkpoint.payload(of: checkpoint.arrays)
        let flood = 16 << 20
        // 16 MiB of zeros after the declared payload: a few kilobytes once compressed.
        let compressed = try Gzip.compress(
            try CheckpointTests.frame(checkpoint, payload: payload + Data(count: flood)), level: 1)
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.decode(compressed, file: "bomb.ckpt.gz") }
        #expect(error?.code == .payloadMismatch)
        #expect(error?.message.contains("(too many)") == true, "\(String(describing: error))")
        // Stopped about one buffer past the declared end, not after all the stream holds.
        #expect(error?.message.contains("but \(payload.count + flood) bytes") == false)
    }

    @Test func gzipStopsOnceTheOutputPassesItsLimit() throws {
        let compressed = try Gzip.compress(Data(count: 4 * Gzip.chunkSize), level: 1)
        let output = try Gzip.decompress(compressed) { _ in 10 }
        #expect(output.count > 10 && output.count <= Gzip.chunkSize)
        #expect(try Gzip.decompress(compressed) { _ in 4 * Gzip.chunkSize }.count == 4 * Gzip.chunkSize)
    }
}

/// `checkpoints.compression`, as the README's spec shows it.
@Suite struct CheckpointCompressionTests {
    @Test func aSpecWithACompressionLevelRunsAndItsCheckpointsAreDeflated() throws {
        try withTemporaryDirectory { directory in
            let spec = try writeSpec(tinySpec(extra: #""checkpoints": {"compression": 9}"#), in: directory)
            let result = try RunnerCLI.run(["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            try #require(result.status == 0, "\(result.stderr)")
            let folder = directory.appendingPathComponent("checkpoints")
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            try #require(names.count == 1)
            let bytes = try Data(contentsOf: folder.appendingPathComponent(names[0]))
            #expect(bytes[8] == 2, "gzip's XFL byte says the slowest, best compression")
            let predict = try RunnerCLI.run(
                ["predict", String(names[0].prefix(12)), "--db", "runs.sqlite"], in: directory)
            #expect(predict.status == 0, "\(predict.stderr)")

            let bad = try writeSpec(
                tinySpec(extra: #""checkpoints": {"compression": 10}"#), named: "bad.json", in: directory)
            let refused = try RunnerCLI.run(["run", bad, "--db", "runs.sqlite"], in: directory)
            #expect(refused.status == 64)
            #expect(refused.stderr.contains("checkpoints.compression is 10"), "\(refused.stderr)")
        }
    }
}

extension CheckpointCompressionTests {
    /// The spec the README shows (its `//` comments removed) is a valid spec.
    @Test func theREADMEsExampleSpecLoads() throws {
        let readme = try String(
            contentsOf: RunnerCLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try #require(readme.components(separatedBy: "```jsonc\n").dropFirst().first)
        let text = try #require(block.components(separatedBy: "```").first)
        let json = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.range(of: "  // ").map { String(line[..<$0.lowerBound]) } ?? String(line)
        }.joined(separator: "\n")
        try withTemporaryDirectory { directory in
            let path = try writeSpec(json, named: "readme.json", in: directory)
            let spec = try SpecLoader().load(path: path)
            #expect(spec.checkpoints.compression == 0)
            #expect(try spec.trials().count == 200)
        }
    }
}
