import Foundation
import LSTMCore
import Testing

@testable import RunnerModel
@testable import RunnerSpec

@Suite struct TextTaskTests {
    /// A plugin with a cache of its own, so that tests running in parallel do not evict its files.
    let task = TextTask(cache: TaskFileCache())

    func parameters(_ path: String, length: Int) -> PluginParameters {
        PluginParameters(["path": .text(path), "sequenceLength": .integer(length)])
    }

    /// Runs `body` on the canonical parameters of a file holding `bytes`.
    func withText<Result>(
        _ bytes: Data, length: Int, _ body: (PluginParameters, URL) throws -> Result
    ) throws -> Result {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("text.txt")
            try bytes.write(to: url)
            return try body(try task.canonicalize(parameters(url.path, length: length)), url)
        }
    }

    func split(_ data: TaskData?) throws -> (
        training: any SequenceGenerator, validation: SequenceBatch?, test: SequenceBatch?
    ) {
        guard case .split(let training, let validation, let test)? = data else {
            throw TaskDataError(file: "text.txt", "not a split")
        }
        return (training, validation, test)
    }

    // MARK: - Vocabulary and windows

    @Test func theVocabularyIsTheSortedDistinctScalars() throws {
        let loaded = try TextTask.decode(Data("héllo, wörld 🙂\n".utf8), path: "t.txt")
        #expect(loaded.vocabulary.map { String($0) }.joined() == "\n ,dhlorwéö🙂")
        #expect(loaded.text.count == 15)
        let characters = loaded.text.map { String(loaded.vocabulary[Int($0)]) }.joined()
        #expect(characters == "héllo, wörld 🙂\n")
        try withText(Data("héllo, wörld 🙂\n".utf8), length: 3) { parameters, _ in
            #expect(task.output(parameters) == .classes(12))
            #expect(task.inputSize(parameters) == 12)
        }
    }

    @Test func trainingLabelsAreTheInputsShiftedByOne() throws {
        // 100 distinct characters in order, so that a window's first index is its offset.
        let text = String(String.UnicodeScalarView((0..<100).compactMap { Unicode.Scalar(0x100 + $0) }))
        try withText(Data(text.utf8), length: 5) { parameters, _ in
            let holdOut = HoldOut(validationFraction: 0.1, testFraction: 0.2, samples: 100)
            let (training, _, _) = try split(try task.makeData(parameters, holdOut: holdOut))
            var generator = Xoshiro256StarStar(seed: 3)
            let batch = training.draw(2000, using: &generator)
            #expect(batch.batchSize == 2000 && batch.sequenceLength == 5 && batch.inputSize == 100)
            guard case .categories(let inputs) = batch.inputs, case .labels(let labels) = batch.targets else {
                Issue.record("not categories and labels")
                return
            }
            var offsets: Set<Int> = []
            for sequence in 0..<2000 {
                let window = Array(inputs[(sequence * 5)..<(sequence * 5 + 5)])
                let next = Array(labels[(sequence * 5)..<(sequence * 5 + 5)])
                #expect(window == Array(window[0]..<(window[0] + 5)))
                #expect(next.map { $0 - 1 } == window)
                offsets.insert(window[0])
            }
            // Every window lies in the training part (characters 0..<70), its last label included,
            // and the offsets cover it.
            #expect(offsets.min() == 0)
            #expect(offsets.max() == 64)
            #expect(batch.mask.allSatisfy { $0 })

            // Drawing 120 then 80 gives the same sequences as 200 at once.
            var again = Xoshiro256StarStar(seed: 3)
            let first = training.draw(120, using: &again)
            let second = training.draw(80, using: &again)
            guard case .categories(let a) = first.inputs, case .categories(let b) = second.inputs else { return }
            #expect(a + b == Array(inputs.prefix(1000)))
        }
    }

    @Test func theTextSplitsIntoTrainingValidationAndTestInOrder() throws {
        let holdOut = HoldOut(validationFraction: 0.1, testFraction: 0.2, samples: 10)
        let parts = try #require(TextTask.split(105, holdOut))
        #expect(parts.training == 0..<74)
        #expect(parts.validation == 74..<84)
        #expect(parts.test == 84..<105)
        #expect(TextTask.split(10, HoldOut(validationFraction: 0.5, testFraction: 0.5, samples: 1)) == nil)
    }

    @Test func heldOutWindowsAreConsecutiveAndAtMostTheSamples() throws {
        let part = ArraySlice<Int32>((0..<10).map(Int32.init))
        let all = try #require(TextTask.windows(part, length: 3, limit: 100, classes: 10))
        #expect(all.batchSize == 3)
        #expect(all.inputs == .categories([0, 1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(all.targets == .labels([1, 2, 3, 4, 5, 6, 7, 8, 9]))
        let two = try #require(TextTask.windows(part, length: 3, limit: 2, classes: 10))
        #expect(two.inputs == .categories([0, 1, 2, 3, 4, 5]))
        // A part that starts inside the text: indices are the part's own.
        let later = try #require(TextTask.windows(part[6...], length: 3, limit: 5, classes: 10))
        #expect(later.inputs == .categories([6, 7, 8]))
        #expect(later.targets == .labels([7, 8, 9]))
        #expect(TextTask.windows(part[7...], length: 3, limit: 5, classes: 10) == nil)
        #expect(TextTask.windows(part[10...], length: 3, limit: 5, classes: 10) == nil)
    }

    @Test func makeDataHoldsOutTheEndOfTheText() throws {
        // 40 characters: training 0..<28, validation 28..<32, test 32..<40 with T = 3.
        let text = String(repeating: "abcdefgh", count: 5)
        try withText(Data(text.utf8), length: 3) { parameters, _ in
            let holdOut = HoldOut(validationFraction: 0.1, testFraction: 0.2, samples: 100)
            let (_, validation, test) = try split(try task.makeData(parameters, holdOut: holdOut))
            // Validation "efgh": one window "efg" -> "fgh"; test "abcdefgh": two windows.
            #expect(validation?.inputs == .categories([4, 5, 6]))
            #expect(validation?.targets == .labels([5, 6, 7]))
            #expect(test?.inputs == .categories([0, 1, 2, 3, 4, 5]))
            #expect(test?.targets == .labels([1, 2, 3, 4, 5, 6]))
            // No validation part at all: nil, and the engine reports no validation.
            let none = try split(
                try task.makeData(parameters, holdOut: HoldOut(validationFraction: 0, testFraction: 0.2, samples: 9)))
            #expect(none.validation == nil)
            #expect(none.test != nil)
        }
    }

    @Test func bitsPerCharacterIsTheLossInBits() {
        #expect(abs(TextTask.bitsPerCharacter(loss: log(8)) - 3) < 1e-12)
        #expect(TextTask.bitsPerCharacter(loss: 0) == 0)
    }

    // MARK: - Refusals

    @Test func invalidUTF8IsRefusedWithItsOffset() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("bad.txt")
            try Data([0x61, 0x62, 0xC3, 0xA9, 0xFF, 0x61]).write(to: url)
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(parameters(url.path, length: 1)) }
            #expect(error?.file == url.path)
            #expect(error?.description.contains("not valid UTF-8 (byte offset 4") == true)
        }
    }

    @Test func anEmptyFileIsRefused() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("empty.txt")
            try Data().write(to: url)
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(parameters(url.path, length: 1)) }
            #expect(error?.description.contains("is empty") == true)
        }
    }

    @Test func aTextTooShortForOneWindowIsRefused() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("short.txt")
            try Data("abcde".utf8).write(to: url)
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(parameters(url.path, length: 5)) }
            #expect(error?.keyPath == "sequenceLength")
            #expect(error?.description.contains("5 characters") == true)
            let canonical = try task.canonicalize(parameters(url.path, length: 4))
            // Whole, the text holds a window; its training part (4 of 5 characters) does not.
            let holdOut = HoldOut(validationFraction: 0.2, testFraction: 0, samples: 1)
            let short = #expect(throws: TaskDataError.self) { try task.makeData(canonical, holdOut: holdOut) }
            #expect(short?.description.contains("training part") == true)
            let none = HoldOut(validationFraction: 0.6, testFraction: 0.6, samples: 1)
            let split = #expect(throws: TaskDataError.self) { try task.makeData(canonical, holdOut: none) }
            #expect(split?.description.contains("leaves no text to train on") == true)
        }
    }

    @Test func aChangedTextIsRefusedOnceItsDigestIsRecorded() throws {
        try withText(Data("abcdefgh".utf8), length: 2) { canonical, url in
            #expect(canonical.values["sha256"] == .text(Digest.sha256Hex(Data("abcdefgh".utf8))))
            try Data("abcdefgX".utf8).write(to: url)
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(canonical) }
            #expect(error?.keyPath == "sha256")
            #expect(error?.description.contains("changed since the run was recorded") == true)
        }
    }

    @Test func aTextConfigResolvesWithCrossEntropy() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("t.txt")
            try Data("to be or not to be".utf8).write(to: url)
            let tree: [String: ConfigValue] = [
                "task": .object(["plugin": .string("text"), "path": .string(url.path), "sequenceLength": .integer(4)]),
                "training": .object(["batchSize": .integer(8), "loss": .string("cross-entropy")]),
            ]
            let config = try ConfigSchema().resolve(tree, file: "spec.json")
            #expect(config.task.values["sha256"] != nil)
            var mse = tree
            mse["training"] = .object(["batchSize": .integer(8), "loss": .string("mse")])
            let error = #expect(throws: SpecError.self) { try ConfigSchema().resolve(mse, file: "spec.json") }
            #expect(error?.keyPath == "training.loss")
        }
    }
}
