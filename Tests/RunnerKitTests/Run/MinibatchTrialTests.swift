import Foundation
import LSTMCore
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec

/// A task of the tests: recall the first of `T` values at the last step (`mse`), streamed or as
/// a fixed set of `samples`.
struct RecallFirstTask: TaskPlugin, SequenceGenerator {
    var name: String { "recall-first" }
    var summary: String { "recall the first value at the last step (a test task)" }
    var parameters: [ParameterSpec] {
        [
            ParameterSpec("length", .integer(2...100), .defaulted(.integer(5)), help: "T"),
            ParameterSpec("samples", .integer(1...10_000), .defaulted(.integer(40)), help: "N"),
        ]
    }
    var forms: TaskForms { .minibatch }
    func inputSize(_ parameters: PluginParameters) -> Int { 1 }
    func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        .generator(RecallFirstTask(length: parameters.integer("length")))
    }
    var length = 5

    func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch {
        var inputs: [Double] = []
        var targets: [Double] = []
        var mask: [Bool] = []
        for _ in 0..<count {
            let values = (0..<length).map { _ in generator.nextUnitDouble() - 0.5 }
            inputs += values
            targets += Array(repeating: 0, count: length - 1) + [values[0]]
            mask += Array(repeating: false, count: length - 1) + [true]
        }
        return SequenceBatch(
            batchSize: count, sequenceLength: length, inputSize: 1, inputs: .dense(inputs), targets: .values(targets),
            mask: mask)
    }
}

@Suite struct MinibatchTrialTests {
    static let registry: PluginRegistry = {
        var registry = PluginRegistry.standard
        registry.tasks.append(RecallFirstTask())
        return registry
    }()

    static func config(
        _ training: [String: ConfigValue], task: [String: ConfigValue] = [:], evaluation: [String: ConfigValue] = [:],
        seed: Int = 3
    )
        throws -> TrialConfig
    {
        var tree: [String: ConfigValue] = [
            "task": .object(["plugin": .string("recall-first")].merging(task) { $1 }),
            "model": .object(["hiddenSize": .integer(6)]),
            "training": .object(
                [
                    "iterations": .integer(30), "loss": .string("mse"), "optimizer": .string("rmsprop"),
                    "learningRate": .number(0.01),
                ].merging(training) { $1 }),
            "seed": .integer(seed),
        ]
        if !evaluation.isEmpty { tree["evaluation"] = .object(evaluation) }
        return try ConfigSchema(registry: registry).resolve(tree, file: "test")
    }

    @Test func aStreamTrainsOnFreshBatchesAndMeasuresHeldOutSets() throws {
        let config = try Self.config(
            ["batchSize": .integer(4)], evaluation: ["every": .integer(10), "samples": .integer(50)])
        #expect(config.task.values["samples"] == nil)
        let result = try Trial(config: config, registry: Self.registry).run()
        #expect(result.status == .completed)
        #expect(result.losses.count == 30)
        let heldOut = try #require(result.heldOut)
        #expect(heldOut.evaluations.map(\.iteration) == [10, 20, 30])
        #expect(heldOut.evaluations.last?.validationLoss == heldOut.validationLoss)
        #expect(heldOut.validationLoss != nil && heldOut.testLoss != nil && heldOut.validationLoss != heldOut.testLoss)
        #expect(heldOut.validationAccuracy == nil)
        #expect(result.trainingSet == nil)
    }

    @Test func theTestSetDoesNotDependOnTheBatchSizeTheIterationsOrTheSeed() throws {
        func testSet(_ config: TrialConfig) throws -> SequenceBatch {
            var generator = Xoshiro256StarStar(seed: UInt64(config.seed))
            return try #require(
                try MinibatchData.make(config: config, task: RecallFirstTask(), using: &generator).test)
        }
        let a = try testSet(try Self.config(["batchSize": .integer(4)]))
        let b = try testSet(try Self.config(["batchSize": .integer(9), "iterations": .integer(7)], seed: 11))
        #expect(a == b)
        #expect(a.batchSize == TrialConfig.Defaults.evaluationSamples)
        let other = try testSet(try Self.config(["batchSize": .integer(4)], evaluation: ["seed": .integer(1)]))
        #expect(other != a)
    }

    @Test func theSameConfigGivesTheSameBitsAndAResumedRunTheBitsOfAnUninterruptedOne() throws {
        for task: [String: ConfigValue] in [[:], ["samples": .integer(10)]] {
            let config = try Self.config(["batchSize": .integer(3)], task: task, evaluation: ["every": .integer(7)])
            let trial = Trial(config: config, registry: Self.registry)
            var snapshots: [TrainingSnapshot] = []
            let whole = try trial.run(snapshotEvery: 12) { snapshots.append($0) }
            let again = try trial.run()
            let resumed = try trial.run(resume: snapshots[0])
            for other in [again, resumed] {
                #expect(other.losses.map(\.bitPattern) == whole.losses.map(\.bitPattern))
                #expect(other.finalParameters == whole.finalParameters)
                #expect(other.heldOut == whole.heldOut)
                #expect(other.finalLoss?.bitPattern == whole.finalLoss?.bitPattern)
            }
        }
    }

    @Test func aFixedSetIsShuffledIntoBatchesEveryEpoch() throws {
        var source = Xoshiro256StarStar(seed: 1)
        let set = RecallFirstTask().draw(5, using: &source)
        var batches = BatchSequence(.fixed(set), batchSize: 2)
        var generator = Xoshiro256StarStar(seed: 9)
        let epoch = (0..<3).map { _ in batches.next(using: &generator) }
        #expect(epoch.map { $0.batchSize } == [2, 2, 1])
        // One epoch holds every sequence once.
        let seen = epoch.flatMap { batch in (0..<batch.batchSize).map { batch.sequences([$0]) } }
        #expect(Set(seen.map { "\($0.inputs)" }) == Set((0..<5).map { "\(set.sequences([$0]).inputs)" }))
        var whole = BatchSequence(.fixed(set), batchSize: 8)
        #expect(whole.next(using: &generator) == set)
    }

    @Test func fieldsAtTheirDefaultsStayOutOfTheCanonicalConfig() throws {
        let plain = try Self.config(["batchSize": .integer(4)])
        let explicit = try Self.config(
            ["batchSize": .integer(4)],
            evaluation: ["samples": .integer(1000), "validationFraction": .number(0.1), "seed": .integer(0)])
        #expect(plain.canonicalJSON == explicit.canonicalJSON)
        #expect(!plain.canonicalJSON.contains("evaluation"))
        #expect(!plain.canonicalJSON.contains("initScale"))
        let scaled = try Self.config(["batchSize": .integer(4)], evaluation: ["every": .integer(5)])
        #expect(scaled.canonicalJSON.contains("\"evaluation\":{\"every\":5}"))
    }

    @Test func lossesThatDoNotFitTheTaskOrTheFormAreRefused() throws {
        #expect(throws: SpecError.self) {
            try Self.config(["batchSize": .integer(4), "loss": .string("cross-entropy")])
        }
        let fullBatch: [String: ConfigValue] = [
            "task": .object(["plugin": .string("sequence")]), "training": .object(["loss": .string("mse")]),
        ]
        #expect(throws: SpecError.self) { try ConfigSchema().resolve(fullBatch, file: "t") }
        let evaluationWithoutHeldOut: [String: ConfigValue] = ["evaluation": .object(["every": .integer(3)])]
        do {
            _ = try ConfigSchema().resolve(evaluationWithoutHeldOut, file: "t.json")
            Issue.record("accepted an evaluation section for full-batch training")
        } catch {
            #expect(error.description.hasPrefix("t.json: evaluation.every is set, but sequence trained full batch"))
        }
    }
}
