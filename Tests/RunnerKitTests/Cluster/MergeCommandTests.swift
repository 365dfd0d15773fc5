import Foundation
import Testing

@testable import RunnerEngine
@testable import RunnerStore

/// `runner merge` as a user runs it: the built binary, its exit code and its output.
@Suite struct MergeCommandTests {
    @Test func mergeCopiesTheShardsAndPrintsOneLine() throws {
        guard let runner = builtRunner() else { return }
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            var inputs: [String] = []
            for index in 0..<2 {
                let store = try makeStore("shard-\(index)", in: directory)
                try runSweep(spec, into: store, shard: Shard(index: index, count: 2))
                inputs.append(store.path)
            }
            let output = directory.appendingPathComponent("runs.sqlite").path

            let first = try runExecutable(runner, ["merge", output] + inputs)
            #expect(first.status == 0, "\(first.standardError)")
            #expect(first.standardError.isEmpty)
            #expect(
                first.text.hasPrefix("merged 2 databases into \(output): 10 runs added, 0 updated, 0 already there"))
            #expect(first.text.contains("20 checkpoints copied, 0 already there"))
            #expect(first.text.contains("new columns: task.targets"))

            let second = try runExecutable(runner, ["merge", output] + inputs)
            #expect(second.status == 0)
            #expect(second.text.contains("0 runs added, 0 updated, 10 already there"))
            #expect(second.text.contains("0 checkpoints copied, 20 already there"))
        }
    }

    @Test func aConflictExitsOneWithOneLineNamingTheRun() throws {
        guard let runner = builtRunner() else { return }
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let a = try makeStore("a", in: directory)
            try runSweep(spec, into: a, shard: Shard(index: 0, count: 5))
            let b = try makeStore("b", in: directory)
            try runSweep(spec, into: b, shard: Shard(index: 0, count: 5))
            let id = try #require(try b.runs(ofExperiment: "tiny").first?.id)
            try sqlite(b.path, "UPDATE runs SET curve_sha256 = 'feed' WHERE id = '\(id)'")
            let output = directory.appendingPathComponent("runs.sqlite").path

            let result = try runExecutable(runner, ["merge", output, a.path, b.path])

            #expect(result.status == 1)
            #expect(result.text.isEmpty)
            #expect(result.standardError.hasPrefix("error: \(output): run \(id) has a different result in \(b.path)"))
            #expect(result.standardError.contains("curve_sha256 feed"))
            #expect(result.standardError.filter { $0 == "\n" }.count == 1)
            #expect(try sqlite(output, "SELECT count(*) FROM runs") == "0", "nothing merged")
        }
    }

    static let usageErrors: [(arguments: [String], message: String)] = [
        (["merge", "OUT/runs.sqlite"], "give the databases to merge after"),
        (["merge", "OUT/runs.sqlite", "OUT/missing.sqlite"], "missing.sqlite: does not exist"),
        (["merge", "OUT/no-such-folder/runs.sqlite", "OUT/input/runs.sqlite"], "does not exist; create it"),
    ]

    @Test(arguments: usageErrors)
    func badArgumentsExit64WithOneLine(arguments: [String], message: String) throws {
        guard let runner = builtRunner() else { return }
        try withTemporaryDirectory { directory in
            _ = try makeStore("input", in: directory)
            let result = try runExecutable(
                runner, arguments.map { $0.replacingOccurrences(of: "OUT", with: directory.path) })
            #expect(result.status == 64)
            #expect(result.standardError.hasPrefix("error: "))
            #expect(result.standardError.contains(message), "\(result.standardError)")
            #expect(result.standardError.filter { $0 == "\n" }.count == 1)
        }
    }
}
