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
        Case(name: "adding", sequences: AddingTask.Sequences(sequenceLength: 13)),
        Case(name: "copy-memory", sequences: CopyMemoryTask.Sequences(delay: 7, length: 4)),
        Case(name: "temporal-order", sequences: TemporalOrderTask.Sequences(sequenceLength: 30)),
        Case(name: "embedded-reber", sequences: EmbeddedReberTask.Sequences(sequenceLength: 20)),
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

// MARK: - copy-memory

@Suite struct CopyMemoryTaskTests {
    @Test func theBaselineIsTenLogEightOverTPlusTwenty() {
        #expect(abs(CopyMemoryTask.baseline(delay: 100) - 0.173_286_795_139_986_3) < 1e-15)
        #expect(abs(CopyMemoryTask.baseline(delay: 1000) - 10 * log(8.0) / 1020) < 1e-15)
        #expect(abs(CopyMemoryTask.baseline(delay: 5, length: 3) - 3 * log(8.0) / 11) < 1e-15)
    }

    @Test(arguments: [1, 6, 100]) func sequencesFollowArjovskysLayout(delay: Int) throws {
        let length = 10
        let steps = delay + 20
        let task = CopyMemoryTask()
        var random = Xoshiro256StarStar(seed: 9)
        let batch = try generator(of: task, ["delay": .integer(delay), "length": .integer(length)])
            .draw(40, using: &random)
        #expect(batch.sequenceLength == steps)
        #expect(batch.inputSize == 10)
        #expect(batch.mask.allSatisfy { $0 })
        let inputs = categories(batch)
        let targets = labels(batch)
        for b in 0..<40 {
            let input = row(inputs, b, of: batch)
            let label = row(targets, b, of: batch)
            let symbols = Array(input[0..<10])
            #expect(symbols.allSatisfy { (0..<8).contains($0) })
            #expect(input[10..<(10 + delay - 1)].allSatisfy { $0 == 8 }, "T - 1 blanks")
            #expect(input[10 + delay - 1] == 9, "the delimiter")
            #expect(input[(10 + delay)...].allSatisfy { $0 == 8 }, "10 blanks")
            #expect(input.filter { $0 == 9 }.count == 1)
            #expect(label[0..<(delay + 10)].allSatisfy { $0 == 8 })
            #expect(Array(label[(delay + 10)...]) == symbols)
        }
    }

    @Test func theMemorylessStrategyScoresTheBaseline() {
        // Blank with certainty for T + 10 steps, then the 8 symbols uniformly.
        let delay = 30
        var random = Xoshiro256StarStar(seed: 4)
        let batch = CopyMemoryTask.Sequences(delay: delay).draw(10, using: &random)
        let steps = batch.sequenceLength
        var total = 0.0
        for (index, (label, scored)) in zip(labels(batch), batch.mask).enumerated() where scored {
            let recall = index % steps >= delay + 10
            let probability = recall ? (label < 8 ? 1.0 / 8 : 0) : (label == 8 ? 1 : 0)
            total -= log(probability)
        }
        let mean = total / Double(batch.scoredSteps)
        #expect(abs(mean - CopyMemoryTask.baseline(delay: delay)) < 1e-12, "\(mean)")
    }

    @Test func symbolsAreDrawnUniformlyFromTheEight() {
        var random = Xoshiro256StarStar(seed: 8)
        let batch = CopyMemoryTask.Sequences(delay: 1).draw(800, using: &random)
        let inputs = categories(batch)
        var counts = Array(repeating: 0, count: 10)
        for b in 0..<800 {
            for symbol in row(inputs, b, of: batch)[0..<10] { counts[symbol] += 1 }
        }
        // 1,000 expected of each, standard deviation about 30.
        #expect(counts[0..<8].allSatisfy { abs($0 - 1000) < 150 }, "\(counts)")
        #expect(counts[8] == 0 && counts[9] == 0)
    }

    @Test func copyMemoryHasNineClassesAndTenInputs() {
        let task = CopyMemoryTask()
        let parameters = PluginParameters(["delay": .integer(100), "length": .integer(10)])
        #expect(task.forms == .minibatch)
        #expect(task.output(parameters) == .classes(9))
        #expect(task.inputSize(parameters) == 10)
        #expect(task.trainingSetShape(parameters)! == (0, 120))
    }
}

// MARK: - temporal-order

@Suite struct TemporalOrderTaskTests {
    struct Case: Sendable {
        let steps: Int
        let first: ClosedRange<Int>
        let second: ClosedRange<Int>
    }

    static let cases = [
        Case(steps: 100, first: 10...20, second: 50...60),
        Case(steps: 200, first: 20...40, second: 100...120),
        Case(steps: 55, first: 6...11, second: 28...33),
    ]

    @Test(arguments: cases) func sequencesFollowTheDefinition(_ c: Case) throws {
        let (e, b, x, y) = (0, 1, 6, 7)
        let task = TemporalOrderTask()
        var random = Xoshiro256StarStar(seed: 1997)
        let count = 400
        let batch = try generator(of: task, ["sequenceLength": .integer(c.steps)]).draw(count, using: &random)
        #expect(batch.sequenceLength == c.steps)
        #expect(batch.inputSize == 8)
        let inputs = categories(batch)
        let targets = labels(batch)
        var classes = Set<Int>()
        var positions = (Set<Int>(), Set<Int>())
        for sequence in 0..<count {
            let input = row(inputs, sequence, of: batch)
            #expect(input.first == e && input.last == b)
            let relevant = input.indices.filter { input[$0] == x || input[$0] == y }
            try #require(relevant.count == 2, "\(input)")
            #expect(c.first.contains(relevant[0]) && c.second.contains(relevant[1]), "\(relevant)")
            for t in 1..<(c.steps - 1) where !relevant.contains(t) {
                #expect((2...5).contains(input[t]), "a distractor a, b, c or d")
            }
            // Q, R, S, U for X X, X Y, Y X, Y Y (X = 6, Y = 7).
            let expected =
                switch (input[relevant[0]], input[relevant[1]]) {
                case (6, 6): 0
                case (6, 7): 1
                case (7, 6): 2
                default: 3
                }
            #expect(targets[sequence * c.steps + c.steps - 1] == expected)
            #expect(row(batch.mask, sequence, of: batch) == Array(repeating: false, count: c.steps - 1) + [true])
            classes.insert(expected)
            positions.0.insert(relevant[0])
            positions.1.insert(relevant[1])
        }
        #expect(classes == [0, 1, 2, 3])
        #expect(positions.0 == Set(c.first) && positions.1 == Set(c.second), "every position of the windows")
    }

    @Test func temporalOrderHasFourClassesAndEightInputs() {
        let task = TemporalOrderTask()
        let parameters = PluginParameters(["sequenceLength": .integer(100), "samples": .integer(64)])
        #expect(task.forms == .minibatch)
        #expect(task.output(parameters) == .classes(4))
        #expect(task.inputSize(parameters) == 8)
        #expect(task.trainingSetShape(parameters)! == (64, 100))
    }
}

// MARK: - embedded-reber

@Suite struct EmbeddedReberTaskTests {
    /// The embedded Reber grammar as a regular expression, written from the transition diagram
    /// independently of the generator's state machine: the Reber string reaches state 4 by
    /// `TS*X` or `PT*VP`, loops back to it by `XT*VP`, and ends by `S` or `XT*VV`; or it goes
    /// `PT*VV` without visiting state 4.
    static let reber = "B((TS*X|PT*VP)(XT*VP)*(S|XT*VV)|PT*VV)E"

    static func isEmbeddedReber(_ string: String) throws -> Bool {
        try Regex("B([TP])\(reber)\\1E").wholeMatch(in: string) != nil
    }

    @Test func theCheckerAcceptsTheGrammarAndNothingElse() throws {
        for good in ["BTBTXSETE", "BPBPVVEPE", "BTBTSSXXTVVETE", "BPBPTVPSEPE", "BTBTXXVPXVVETE"] {
            #expect(try Self.isEmbeddedReber(good), "\(good)")
        }
        for bad in ["BTBTXSEPE", "BTBTXSET", "BTTXSETE", "BTBTXXETE", "BPBPVSEPE", "BTBTSXVVETE"] {
            #expect(try !Self.isEmbeddedReber(bad), "\(bad)")
        }
    }

    @Test(arguments: [50, 20, 8]) func sequencesAreGrammaticalStringsPaddedAndScoredOnTheString(steps: Int) throws {
        let task = EmbeddedReberTask()
        var random = Xoshiro256StarStar(seed: 1)
        let count = 500
        let batch = try generator(of: task, ["sequenceLength": .integer(steps)]).draw(count, using: &random)
        #expect(batch.sequenceLength == steps)
        #expect(batch.inputSize == 7)
        let inputs = categories(batch)
        let targets = labels(batch)
        let names = Array("BTPSXVE")
        var lengths = Set<Int>()
        var seen = Set<Character>()
        for sequence in 0..<count {
            let input = row(inputs, sequence, of: batch)
            let label = row(targets, sequence, of: batch)
            let mask = row(batch.mask, sequence, of: batch)
            let read = input.prefix { $0 != -1 }.count  // n - 1 steps for a string of n symbols
            try #require(read >= 8)
            #expect(input[read...].allSatisfy { $0 == -1 }, "padding only after the string")
            #expect(mask == Array(repeating: true, count: read) + Array(repeating: false, count: steps - read))
            for t in 0..<(read - 1) {
                #expect(label[t] == input[t + 1], "the label is the next symbol")
            }
            let symbols = input[0..<read] + [label[read - 1]]
            let string = String(symbols.map { names[$0] })
            #expect(try Self.isEmbeddedReber(string), "\(string)")
            #expect(symbols[1] == symbols[symbols.count - 2], "second and penultimate agree")
            lengths.insert(symbols.count)
            seen.formUnion(string)
        }
        #expect(seen == Set(names))
        if steps == 8 {
            #expect(lengths == [9], "longer strings are redrawn")
        } else {
            #expect(lengths.count > 5 && lengths.max()! <= steps + 1, "\(lengths.sorted())")
        }
    }

    @Test func bothEmbeddingBranchesOccurEquallyOften() {
        var random = Xoshiro256StarStar(seed: 12)
        let batch = EmbeddedReberTask.Sequences(sequenceLength: 50).draw(2000, using: &random)
        let inputs = categories(batch)
        let t = (0..<2000).filter { inputs[$0 * 50 + 1] == 1 }.count
        let p = (0..<2000).filter { inputs[$0 * 50 + 1] == 2 }.count
        #expect(t + p == 2000)
        #expect(abs(t - 1000) < 120, "\(t) T, \(p) P")  // standard deviation about 22
    }

    @Test func embeddedReberHasSevenClassesAndSevenInputs() {
        let task = EmbeddedReberTask()
        let parameters = PluginParameters(["sequenceLength": .integer(50)])
        #expect(task.forms == .minibatch)
        #expect(task.output(parameters) == .classes(7))
        #expect(task.inputSize(parameters) == 7)
        #expect(task.trainingSetShape(parameters)! == (0, 50))
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
        Case(task: "adding", loss: "mse", steps: 20),
        Case(task: "copy-memory", loss: "cross-entropy", steps: 120),
        Case(task: "temporal-order", loss: "cross-entropy", steps: 100),
        Case(task: "embedded-reber", loss: "cross-entropy", steps: 50),
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
