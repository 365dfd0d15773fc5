import Foundation
import Testing

@testable import RunnerEngine
@testable import RunnerSpec

@Suite struct ShardTests {
    /// Trial counts against shard counts, including more shards than trials.
    static let sizes: [(trials: Int, shards: Int)] = [(0, 1), (1, 1), (7, 1), (10, 4), (12, 4), (3, 8), (101, 7)]

    @Test(arguments: sizes)
    func shardsAreDisjointAndCoverTheTrialsInOrder(trials: Int, shards: Int) {
        let list = Array(0..<trials)
        var seen: [Int] = []
        for index in 0..<shards {
            let part = Shard(index: index, count: shards).select(list)
            #expect(part == part.sorted(), "shard \(index) keeps the trial order")
            seen += part
        }
        #expect(seen.sorted() == list)
        #expect(Set(seen).count == seen.count)
    }

    @Test(arguments: sizes)
    func shardSizesDifferByAtMostOne(trials: Int, shards: Int) {
        let counts = (0..<shards).map { Shard(index: $0, count: shards).select(Array(0..<trials)).count }
        #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
        #expect(counts == counts.sorted(by: >), "the first shards take the extra trials")
    }

    @Test func trialKGoesToShardKModN() {
        let shard = Shard(index: 2, count: 4)
        #expect(shard.select(Array(0..<11)) == [2, 6, 10])
        #expect(shard.contains(14))
        #expect(!shard.contains(15))
    }

    @Test func aTrialKeepsItsShardWhenLaterTrialsAreAdded() {
        // Stable: the split depends only on a trial's position, so growing the list never moves one.
        for index in 0..<4 {
            let shard = Shard(index: index, count: 4)
            let before = shard.select(Array(0..<10))
            #expect(Array(shard.select(Array(0..<17)).prefix(before.count)) == before)
        }
    }

    @Test func shardsOfARealSweepPartitionItsRunIDs() throws {
        let spec = try SpecLoader().load(data: Data(tinySpecJSON(name: "shard-split").utf8), file: "shard-split.json")
        let all = try spec.trials().map(\.runID)
        #expect(all.count == 10)
        var union: [String] = []
        try withTemporaryDirectory { directory in
            let store = try makeStore("plan", in: directory)
            for index in 0..<4 {
                let runner = SweepRunner(
                    specs: [spec], store: store, options: .init(jobs: 1, shard: Shard(index: index, count: 4)))
                let ids = try runner.plannedTrials().flatMap { $0.trials.map(\.runID) }
                #expect(ids.count == (index < 2 ? 3 : 2))
                union += ids
            }
        }
        #expect(Set(union) == Set(all))
        #expect(union.count == all.count)
    }

    // MARK: - Parsing

    @Test func parsesIndexOverCount() throws {
        #expect(try Shard.parse("3/8", environment: [:]) == Shard(index: 3, count: 8))
        #expect(try Shard.parse("0/1", environment: [:]) == Shard(index: 0, count: 1))
    }

    @Test func slurmReadsTheArrayTaskIDAndCount() throws {
        let environment = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]
        #expect(try Shard.parse("slurm", environment: environment) == Shard(index: 2, count: 4))
    }

    @Test func k8sReadsTheJobCompletionIndex() throws {
        #expect(try Shard.parse("k8s/8", environment: ["JOB_COMPLETION_INDEX": "7"]) == Shard(index: 7, count: 8))
    }

    static let badValues: [(text: String, environment: [String: String], message: String)] = [
        ("slurm", [:], "SLURM_ARRAY_TASK_ID is not set"),
        ("slurm", ["SLURM_ARRAY_TASK_ID": "1"], "SLURM_ARRAY_TASK_COUNT is not set"),
        ("slurm", ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID is \"x\""),
        (
            "slurm", ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"],
            "submit it as --array=0-3"
        ),
        ("k8s/4", [:], "JOB_COMPLETION_INDEX is not set"),
        ("k8s/4", ["JOB_COMPLETION_INDEX": "4"], "shard 4 is outside 0..<4"),
        ("k8s/x", ["JOB_COMPLETION_INDEX": "0"], "the shard count after k8s/ is \"x\""),
        ("4/4", [:], "shard 4 is outside 0..<4"),
        ("-1/4", [:], "shard -1 is outside 0..<4"),
        ("1/0", [:], "the shard count is 0"),
        ("1-4", [:], "expected I/N"),
        ("1/4/2", [:], "expected I/N"),
    ]

    @Test(arguments: badValues)
    func badValuesAndMissingVariablesAreReportedInOneLine(
        text: String, environment: [String: String], message: String
    ) {
        #expect {
            try Shard.parse(text, environment: environment)
        } throws: { error in
            let description = "\(error)"
            return description.contains(message) && description.hasPrefix("--shard \(text):")
                && !description.contains("\n")
        }
    }
}
