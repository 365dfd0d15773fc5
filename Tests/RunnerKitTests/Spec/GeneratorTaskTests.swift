import Foundation
import LSTMCore
import RunnerModel
import Testing

@testable import RunnerSpec

// MARK: - Helpers

private func categories(_ batch: SequenceBatch) -> [Int] {
    guard case .categories(let indices) = batch.inputs else {
        Issue.record("inputs are not categories")
        return []
    }
    return indices
}

private func dense(_ batch: SequenceBatch) -> [Double] {
    guard case .dense(let values) = batch.inputs else {
        Issue.record("inputs are not dense")
        return []
    }
    return values
}

private func labels(_ batch: SequenceBatch) -> [Int] {
    guard case .labels(let labels) = batch.targets else {
        Issue.record("targets are not labels")
        return []
    }
    return labels
}

private func values(_ batch: SequenceBatch) -> [Double] {
    guard case .values(let values) = batch.targets else {
        Issue.record("targets are not values")
        return []
    }
    return values
}

/// Step `t` of sequence `b` in a `[B, T]` array.
private func row<Element>(_ array: [Element], _ b: Int, of batch: SequenceBatch) -> [Element] {
    Array(array[(b * batch.sequenceLength)..<((b + 1) * batch.sequenceLength)])
}

private func generator(of task: some TaskPlugin, _ parameters: [String: ParameterValue]) throws -> any SequenceGenerator
{
    let holdOut = HoldOut(validationFraction: 0.1, testFraction: 0.1, samples: 100)
    guard case .generator(let sequences) = try task.makeData(PluginParameters(parameters), holdOut: holdOut) else {
        Issue.record("\(task.name) makes no generator")
        return AddingTask.Sequences(sequenceLength: 2)
    }
    return sequences
}

// MARK: - Every generator

@Suite struct SequenceGeneratorContractTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let sequences: any SequenceGenerator
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "adding", sequences: AddingTask.Sequences(sequenceLength: 13))
    ]

    @Test(arguments: cases) func drawingInTwoPartsGivesTheSequencesOfOneDraw(_ c: Case) {
        var once = Xoshiro256StarStar(seed: 11)
        let whole = c.sequences.draw(8, using: &once)
        var twice = Xoshiro256StarStar(seed: 11)
        let first = c.sequences.draw(3, using: &twice)
        let second = c.sequences.draw(5, using: &twice)
        #expect(once == twice)
        #expect(whole.batchSize == 8)
        #expect(categoriesOrValues(whole) == categoriesOrValues(first) + categoriesOrValues(second))
        #expect(labelsOrValues(whole) == labelsOrValues(first) + labelsOrValues(second))
        #expect(whole.mask == first.mask + second.mask)
    }

    @Test(arguments: cases) func theSameStateGivesTheSameSequencesAndAnotherOthers(_ c: Case) {
        var a = Xoshiro256StarStar(seed: 5)
        var b = Xoshiro256StarStar(seed: 5)
        var other = Xoshiro256StarStar(seed: 6)
        let drawn = c.sequences.draw(16, using: &a)
        #expect(drawn == c.sequences.draw(16, using: &b))
        #expect(drawn != c.sequences.draw(16, using: &other))
    }

    private func categoriesOrValues(_ batch: SequenceBatch) -> [Double] {
        switch batch.inputs {
        case .dense(let values): values
        case .categories(let indices): indices.map { Double($0) }
        }
    }

    private func labelsOrValues(_ batch: SequenceBatch) -> [Double] {
        switch batch.targets {
        case .values(let values): values
        case .labels(let labels): labels.map { Double($0) }
        }
    }
}

// MARK: - adding

@Suite struct AddingGeneratorTests {
    @Test(arguments: [20, 21, 2]) func aFixedSetDrawnIsTheFullBatchTrainingSet(steps: Int) throws {
        let task = AddingTask()
        let parameters: [String: ParameterValue] = ["sequenceLength": .integer(steps), "samples": .integer(9)]
        var full = Xoshiro256StarStar(seed: 2016)
        let trainingSet = task.makeTrainingSet(PluginParameters(parameters), using: &full)
        var drawn = Xoshiro256StarStar(seed: 2016)
        let batch = try generator(of: task, parameters).draw(9, using: &drawn)
        #expect(batch == SequenceBatch(trainingSet))
        #expect(full == drawn)
    }

    @Test func sequencesHaveOneMarkerInEachHalfAndTheirSumAtTheLastStep() {
        let steps = 15
        var random = Xoshiro256StarStar(seed: 3)
        let batch = AddingTask.Sequences(sequenceLength: steps).draw(50, using: &random)
        let inputs = dense(batch)
        let targets = values(batch)
        for b in 0..<50 {
            let step = { (t: Int) in (value: inputs[2 * (b * steps + t)], marker: inputs[2 * (b * steps + t) + 1]) }
            let marked = (0..<steps).filter { step($0).marker == 1 }
            #expect((0..<steps).allSatisfy { [0, 1].contains(step($0).marker) })
            #expect(marked.count == 2 && marked[0] < steps / 2 && marked[1] >= steps / 2, "\(marked)")
            #expect((0..<steps).allSatisfy { (0..<1).contains(step($0).value) })
            #expect(targets[b * steps + steps - 1] == marked.map { step($0).value }.reduce(0, +))
            #expect(row(batch.mask, b, of: batch) == Array(repeating: false, count: steps - 1) + [true])
        }
    }

    @Test func predictingOneAlwaysScoresAnMSEOfOneSixth() {
        let steps = 20
        let count = 20_000
        var random = Xoshiro256StarStar(seed: 1)
        let batch = AddingTask.Sequences(sequenceLength: steps).draw(count, using: &random)
        let targets = values(batch)
        var total = 0.0
        for (target, scored) in zip(targets, batch.mask) where scored {
            total += (target - 1) * (target - 1)
        }
        // The sum of two uniforms has variance 1/6; the standard error here is about 0.0014.
        #expect(batch.scoredSteps == count)
        #expect(abs(total / Double(count) - 1.0 / 6.0) < 0.005, "\(total / Double(count))")
    }

    @Test func addingTrainsBothWaysOnOneValueAndStreamsWithoutSamples() {
        let task = AddingTask()
        #expect(task.forms == [.fullBatch, .minibatch])
        #expect(task.output(PluginParameters([:])) == .values(1))
        let streaming = PluginParameters(["sequenceLength": .integer(40)])
        #expect(task.trainingSetShape(streaming)! == (0, 40))
        let fixed = PluginParameters(["sequenceLength": .integer(40), "samples": .integer(8)])
        #expect(task.trainingSetShape(fixed)! == (8, 40))
    }
}

// MARK: - Resolution

@Suite struct GeneratorTaskResolutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let task: String
        let loss: String
        let steps: Int
        var testDescription: String { task }
    }

    static let cases = [
        Case(task: "adding", loss: "mse", steps: 20)
    ]

    private func tree(_ c: Case, loss: String? = nil, samples: Int? = nil) -> [String: ConfigValue] {
        var task: [String: ConfigValue] = ["plugin": .string(c.task)]
        task["samples"] = samples.map { .integer($0) }
        return [
            "task": .object(task),
            "training": .object(["loss": .string(loss ?? c.loss), "batchSize": .integer(16)]),
        ]
    }

    @Test(arguments: cases) func aBatchSizeWithoutSamplesStreamsAndSamplesMakeAFixedSet(_ c: Case) throws {
        let schema = ConfigSchema()
        let streaming = try schema.resolve(tree(c), file: "a.json")
        #expect(schema.trainsOnMinibatches(streaming))
        #expect(streaming.task.values["samples"] == nil)
        #expect(schema.footprint(of: streaming).sequenceLength == c.steps)
        #expect(schema.footprint(of: streaming).sequenceCount == 16)
        let fixed = try schema.resolve(tree(c, samples: 64), file: "a.json")
        #expect(fixed.task.values["samples"] == .integer(64))
    }

    @Test(arguments: cases) func theLossMustFitTheOutput(_ c: Case) throws {
        let wrong = c.loss == "mse" ? "cross-entropy" : "mse"
        let error = #expect(throws: SpecError.self) { try ConfigSchema().resolve(tree(c, loss: wrong), file: "a.json") }
        #expect(error?.keyPath == "training.loss", "\(String(describing: error))")
    }
}
