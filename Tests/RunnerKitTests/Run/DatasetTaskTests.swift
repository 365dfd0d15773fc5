import Foundation
import LSTMCore
import Testing
import ZIPFoundation

@testable import RunnerModel
@testable import RunnerSpec

/// `.npz` files of any dtype, built by hand (RunnerFiles' writer only writes float64).
enum TestNPZ {
    /// One array: its name, NumPy dtype and little-endian data.
    struct Entry {
        var name: String
        var descr: String
        var shape: [Int]
        var payload: Data
    }

    static func float64(_ name: String, _ shape: [Int], _ values: [Double]) -> Entry {
        var data = Data()
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return Entry(name: name, descr: "<f8", shape: shape, payload: data)
    }

    static func int64(_ name: String, _ shape: [Int], _ values: [Int]) -> Entry {
        var data = Data()
        for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { data.append(contentsOf: $0) } }
        return Entry(name: name, descr: "<i8", shape: shape, payload: data)
    }

    static func bool(_ name: String, _ shape: [Int], _ values: [Bool]) -> Entry {
        Entry(name: name, descr: "|b1", shape: shape, payload: Data(values.map { $0 ? 1 : 0 }))
    }

    static func float32(_ name: String, _ shape: [Int], _ values: [Float]) -> Entry {
        var data = Data()
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return Entry(name: name, descr: "<f4", shape: shape, payload: data)
    }

    /// The `.npy` file of an entry (version 1.0, header padded to 64 bytes).
    static func npy(_ entry: Entry) -> Data {
        let shape =
            entry.shape.count == 1
            ? "(\(entry.shape[0]),)" : "(" + entry.shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '\(entry.descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        header += repeatElement(UInt8(ascii: " "), count: (64 - (10 + header.count + 1) % 64) % 64)
        header.append(UInt8(ascii: "\n"))
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        data.append(entry.payload)
        return data
    }

    /// Writes the entries as an uncompressed `.npz` file.
    static func write(_ entries: [Entry], to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for entry in entries {
            let data = npy(entry)
            try archive.addEntry(
                with: entry.name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                compressionMethod: .none
            ) { position, size in
                data.subdata(in: Int(position)..<min(data.count, Int(position) + size))
            }
        }
    }
}

/// x `[2, 3, 1]`: sequence `n`, step `t` holds `10n + t`.
private let x231 = TestNPZ.float64("x", [2, 3, 1], [0, 1, 2, 10, 11, 12])

@Suite struct DatasetTaskTests {
    /// A plugin with a cache of its own, so that tests running in parallel do not evict its files.
    let task = DatasetTask(cache: TaskFileCache())

    func parameters(_ path: String, _ extra: [String: ParameterValue] = [:]) -> PluginParameters {
        PluginParameters(["path": .text(path)].merging(extra) { $1 })
    }

    /// The batch and output of an `.npz` file of these entries.
    func load(_ entries: [TestNPZ.Entry]) throws -> (batch: SequenceBatch, output: TaskOutput) {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("d.npz").path
            try TestNPZ.write(entries, to: URL(fileURLWithPath: path))
            let canonical = try task.canonicalize(parameters(path))
            let data = try task.makeData(
                canonical, holdOut: HoldOut(validationFraction: 0.1, testFraction: 0.1, samples: 10))
            guard case .dataset(let batch)? = data else { throw TaskDataError(file: path, "not a dataset") }
            #expect(task.inputSize(canonical) == batch.inputSize)
            #expect(task.trainingSetShape(canonical)?.sequenceCount == batch.batchSize)
            #expect(task.trainingSetShape(canonical)?.sequenceLength == batch.sequenceLength)
            return (batch, task.output(canonical))
        }
    }

    // MARK: - The forms of y

    @Test func oneLabelASequenceIsScoredAtTheLastStep() throws {
        let (batch, output) = try load([x231, TestNPZ.int64("y", [2], [1, 2])])
        #expect(output == .classes(3))
        #expect(batch.batchSize == 2 && batch.sequenceLength == 3 && batch.inputSize == 1)
        #expect(batch.inputs == .dense([0, 1, 2, 10, 11, 12]))
        #expect(batch.targets == .labels([0, 0, 1, 0, 0, 2]))
        #expect(batch.mask == [false, false, true, false, false, true])
    }

    @Test func wholeFloatLabelsASequenceAreLabelsToo() throws {
        let (batch, output) = try load([x231, TestNPZ.float64("y", [2], [0, 4])])
        #expect(output == .classes(5))
        #expect(batch.targets == .labels([0, 0, 0, 0, 0, 4]))
    }

    @Test func integerLabelsAStepKeepTheirMaskAndIgnoreMaskedSteps() throws {
        let (batch, output) = try load([
            x231, TestNPZ.int64("y", [2, 3], [1, -1, 0, 3, 2, 9]),
            TestNPZ.bool("mask", [2, 3], [true, false, true, true, true, false]),
        ])
        // K comes from the scored labels: the 9 is masked out, as is the -1.
        #expect(output == .classes(4))
        #expect(batch.targets == .labels([1, 0, 0, 3, 2, 0]))
        #expect(batch.mask == [true, false, true, true, true, false])
    }

    @Test func anIntegerMaskWorksLikeABoolOne() throws {
        let (batch, _) = try load([
            x231, TestNPZ.int64("y", [2, 3], [1, 0, 0, 1, 1, 1]), TestNPZ.int64("mask", [2, 3], [0, 0, 1, 1, 0, 1]),
        ])
        #expect(batch.mask == [false, false, true, true, false, true])
    }

    @Test func floatTargetsAStepAreOneValue() throws {
        let (batch, output) = try load([x231, TestNPZ.float64("y", [2, 3], [0.5, 1, 1.5, -1, -2, -3])])
        #expect(output == .values(1))
        #expect(batch.targets == .values([0.5, 1, 1.5, -1, -2, -3]))
        #expect(batch.mask == Array(repeating: true, count: 6))
    }

    @Test func floatTargetsOfKValuesAStepAndNaNAtAMaskedStep() throws {
        let values: [Double] = [1, 2, 3, 4, .nan, .nan, 7, 8, 9, 10, 11, 12]
        let (batch, output) = try load([
            x231, TestNPZ.float64("y", [2, 3, 2], values),
            TestNPZ.bool("mask", [2, 3], [true, true, false, true, true, true]),
        ])
        #expect(output == .values(2))
        #expect(batch.targets == .values([1, 2, 3, 4, 0, 0, 7, 8, 9, 10, 11, 12]))
    }

    // MARK: - CSV

    static let series = "a, b\n1,10\n2,20\n\n3,30\r\n4,40\n5,\"50\"\n"

    func loadCSV(_ text: String, _ extra: [String: ParameterValue]) throws -> (SequenceBatch, TaskOutput) {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("series.csv").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let canonical = try task.canonicalize(parameters(path, extra))
            guard
                case .dataset(let batch)? = try task.makeData(
                    canonical, holdOut: HoldOut(validationFraction: 0, testFraction: 0, samples: 1))
            else {
                throw TaskDataError(file: path, "not a dataset")
            }
            return (batch, task.output(canonical))
        }
    }

    @Test func csvWindowsDoNotOverlapByDefault() throws {
        // Rows (a, b): (1,10) (2,20) (3,30) (4,40) (5,50); T = 2, stride 2: N = (5 - 1 - 2) / 2 + 1 = 2.
        let (batch, output) = try loadCSV(Self.series, ["window": .integer(2), "target": .text("b")])
        #expect(output == .values(1))
        #expect(batch.batchSize == 2 && batch.sequenceLength == 2 && batch.inputSize == 2)
        #expect(batch.inputs == .dense([1, 10, 2, 20, 3, 30, 4, 40]))
        #expect(batch.targets == .values([20, 30, 40, 50]))
        #expect(batch.mask == [true, true, true, true])
    }

    @Test func csvWindowsOfAStrideOfOneOverlap() throws {
        let (batch, _) = try loadCSV(Self.series, ["window": .integer(2), "target": .text("a"), "stride": .integer(1)])
        #expect(batch.batchSize == 3)
        #expect(batch.inputs == .dense([1, 10, 2, 20, 2, 20, 3, 30, 3, 30, 4, 40]))
        #expect(batch.targets == .values([2, 3, 3, 4, 4, 5]))
    }

    // MARK: - Malformed files

    /// A file the task must refuse, and what the refusal must mention.
    struct Malformed: CustomTestStringConvertible, Sendable {
        var label: String
        var file: String
        var write: @Sendable (URL) throws -> Void
        var extra: [String: ParameterValue] = [:]
        /// Texts the error's description must contain (besides the file's path).
        var mentions: [String]
        var testDescription: String { label }

        static func npz(_ label: String, _ entries: [TestNPZ.Entry], _ mentions: [String]) -> Malformed {
            Malformed(label: label, file: "d.npz", write: { try TestNPZ.write(entries, to: $0) }, mentions: mentions)
        }

        static func bytes(
            _ label: String, _ file: String, _ text: String, _ mentions: [String],
            extra: [String: ParameterValue] = [:]
        ) -> Malformed {
            Malformed(
                label: label, file: file, write: { try Data(text.utf8).write(to: $0) }, extra: extra,
                mentions: mentions)
        }

        static func csv(_ label: String, _ text: String, _ extra: [String: ParameterValue], _ mentions: [String])
            -> Malformed
        {
            bytes(label, "s.csv", text, mentions, extra: extra)
        }
    }

    static let labels2 = TestNPZ.int64("y", [2], [0, 1])
    static let csvParameters: [String: ParameterValue] = ["window": .integer(2), "target": .text("b")]

    static let malformed: [Malformed] = [
        .npz("no x", [labels2], ["array x", "numpy.savez"]),
        .npz("no y", [x231], ["array y", "labels"]),
        .npz("x of rank 2", [TestNPZ.float64("x", [2, 3], [0, 1, 2, 3, 4, 5]), labels2], ["array x", "[N, T, X]"]),
        .npz(
            "no sequences", [TestNPZ.float64("x", [0, 3, 1], []), TestNPZ.int64("y", [0], [])], ["array x", "N = 0"]),
        .npz("x of float32", [TestNPZ.float32("x", [2, 3, 1], [0, 1, 2, 3, 4, 5]), labels2], ["array x", "<f4"]),
        .npz(
            "NaN in x", [TestNPZ.float64("x", [2, 3, 1], [0, 1, 2, 3, .nan, 5]), labels2],
            ["array x", "nan", "[1, 1, 0]"]),
        .npz("y of another N", [x231, TestNPZ.int64("y", [3], [0, 1, 2])], ["array y", "[3]", "[2]"]),
        .npz(
            "y of another T", [x231, TestNPZ.float64("y", [2, 4], Array(repeating: 0, count: 8))],
            ["array y", "[2, 4]"]),
        .npz(
            "y of rank 4", [x231, TestNPZ.float64("y", [2, 3, 1, 1], Array(repeating: 0, count: 6))],
            ["array y", "rank 4"]),
        .npz("y of int32", [x231, Self.int32Labels], ["array y", "<i4", "int64"]),
        .npz(
            "infinite target", [x231, TestNPZ.float64("y", [2, 3], [0, 0, .infinity, 0, 0, 0])],
            ["array y", "inf", "[0, 2]"]),
        .npz("negative label", [x231, TestNPZ.int64("y", [2], [0, -3])], ["array y", "holds -3 at [1]", ">= 0"]),
        .npz("label not whole", [x231, TestNPZ.float64("y", [2], [0, 1.5])], ["array y", "1.5", "whole"]),
        .npz("label too large", [x231, TestNPZ.int64("y", [2], [0, 1 << 40])], ["array y", "below"]),
        .npz(
            "mask of another shape",
            [
                x231, TestNPZ.int64("y", [2, 3], Array(repeating: 0, count: 6)),
                TestNPZ.bool("mask", [2, 2], [true, true, true, true]),
            ], ["array mask", "[2, 2]", "[2, 3]"]),
        .npz(
            "mask not 0/1",
            [
                x231, TestNPZ.int64("y", [2, 3], Array(repeating: 0, count: 6)),
                TestNPZ.int64("mask", [2, 3], [1, 1, 2, 1, 1, 1]),
            ], ["array mask", "holds 2 at [0, 2]"]),
        .npz(
            "mask all 0",
            [
                x231, TestNPZ.int64("y", [2, 3], Array(repeating: 0, count: 6)),
                TestNPZ.int64("mask", [2, 3], Array(repeating: 0, count: 6)),
            ], ["array mask", "no step"]),
        .npz(
            "mask with a label a sequence",
            [x231, labels2, TestNPZ.bool("mask", [2, 3], Array(repeating: true, count: 6))],
            ["array mask", "last step"]),
        .npz(
            "an unknown array", [x231, labels2, TestNPZ.bool("masks", [2, 3], Array(repeating: true, count: 6))],
            ["array masks", "remove or rename"]),
        .bytes("not an archive", "d.npz", "x,y\n1,2\n", ["ZIP"]),
        .bytes("unknown extension", "d.txt", "", ["path", ".npz", ".csv"]),
        .bytes("CSV options for an npz", "d.npz", "", ["window", ".csv files only"], extra: ["window": .integer(3)]),
        .csv("CSV without a window", "a,b\n1,2\n", ["target": .text("b")], ["window", "is missing"]),
        .csv("ragged row", "a,b\n1,2\n3\n4,5\n", csvParameters, ["line 3", "1 cell", "2 columns"]),
        .csv("non-numeric cell", "a,b\n1,2\n3,x7\n4,5\n", csvParameters, ["line 3", "\"b\"", "x7"]),
        .csv("NaN cell", "a,b\n1,2\n3,nan\n4,5\n", csvParameters, ["line 3", "nan", "finite"]),
        .csv(
            "unknown target", "a,b\n1,2\n3,4\n4,5\n", ["window": .integer(2), "target": .text("c")],
            ["target", "\"c\"", "a, b"]),
        .csv("too few rows", "a,b\n1,2\n3,4\n", csvParameters, ["window", "2 rows", "3"]),
        .csv("an empty file", "", csvParameters, ["is empty", "header"]),
        .csv(
            "a repeated column", "a,a\n1,2\n3,4\n5,6\n", ["window": .integer(2), "target": .text("a")], ["\"a\" twice"]),
    ]

    static let int32Labels: TestNPZ.Entry = {
        var data = Data()
        for value: Int32 in [0, 1] { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        return TestNPZ.Entry(name: "y", descr: "<i4", shape: [2], payload: data)
    }()

    @Test(arguments: malformed)
    func aMalformedFileIsRefusedNamingTheFileAndWhatToFix(_ malformed: Malformed) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent(malformed.file).path
            try malformed.write(URL(fileURLWithPath: path))
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(parameters(path, malformed.extra)) }
            #expect(error?.file == path)
            for text in malformed.mentions {
                #expect(error?.description.contains(text) == true, "\(error?.description ?? "") lacks \(text)")
            }
            #expect(error?.description.contains("\n") == false)
        }
    }

    @Test func aMissingFileIsRefusedNamingIt() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("absent.npz").path
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(parameters(path)) }
            #expect(error?.file == path)
            #expect(error?.description.contains("cannot read") == true)
        }
    }

    // MARK: - The digest

    @Test func canonicalizeRecordsTheDigestAndRefusesAChangedFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("d.npz")
            try TestNPZ.write([x231, Self.labels2], to: url)
            let digest = Digest.sha256Hex(try Data(contentsOf: url))
            let canonical = try task.canonicalize(parameters(url.path))
            #expect(canonical.values["sha256"] == .text(digest))
            #expect(canonical.values["path"] == .text(url.path))
            // A recorded config re-resolved: the same file passes and keeps its digest.
            #expect(try task.canonicalize(canonical) == canonical)

            try TestNPZ.write([x231, TestNPZ.int64("y", [2], [1, 0])], to: url)
            let error = #expect(throws: TaskDataError.self) { try task.canonicalize(canonical) }
            #expect(error?.keyPath == "sha256")
            #expect(error?.description.contains("changed since the run was recorded") == true)
            #expect(error?.description.contains(digest) == true)
            #expect(throws: TaskDataError.self) {
                try task.makeData(canonical, holdOut: HoldOut(validationFraction: 0.1, testFraction: 0.1, samples: 1))
            }
            // Without the recorded digest the changed file is a new dataset.
            #expect(try task.canonicalize(parameters(url.path)).values["sha256"] != .text(digest))
        }
    }

    @Test func outputAnswersFromTheCacheOnceCanonicalizeLoadedTheFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("d.npz")
            try TestNPZ.write([x231, TestNPZ.int64("y", [2], [0, 6])], to: url)
            let canonical = try task.canonicalize(parameters(url.path))
            try FileManager.default.removeItem(at: url)
            #expect(task.output(canonical) == .classes(7))
            #expect(task.inputSize(canonical) == 1)
            // Another plugin, with an empty cache, cannot read the removed file.
            #expect(DatasetTask(cache: TaskFileCache()).output(canonical) == .values(1))
        }
    }

    @Test func theCacheKeepsTheFilesUsedLast() {
        let cache = TaskFileCache<Int>(capacity: 2)
        let keys = (0..<3).map { PluginParameters(["path": .text("f\($0)")]) }
        cache.store(0, for: keys[0])
        cache.store(1, for: keys[1])
        #expect(cache.value(for: keys[0]) == 0)  // now the most recent
        cache.store(2, for: keys[2])
        #expect(cache.value(for: keys[1]) == nil)
        #expect(cache.value(for: keys[0]) == 0)
        #expect(cache.value(for: keys[2]) == 2)
    }

    // MARK: - Resolution

    func tree(_ path: String) -> [String: ConfigValue] {
        [
            "task": .object(["plugin": .string("dataset"), "path": .string(path)]),
            "model": .object(["hiddenSize": .integer(4)]),
            "training": .object([
                "batchSize": .integer(2), "loss": .string("cross-entropy"), "optimizer": .string("adam"),
            ]),
        ]
    }

    @Test func aResolvedConfigRecordsTheDigestAndTheClasses() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("d.npz")
            try TestNPZ.write([x231, Self.labels2], to: url)
            let config = try ConfigSchema().resolve(tree(url.path), file: "spec.json")
            #expect(config.task.values["sha256"] == .text(Digest.sha256Hex(try Data(contentsOf: url))))
            #expect(config.canonicalJSON.contains("\"sha256\""))
        }
    }

    @Test func aMalformedFileIsAOneLineSpecError() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("d.npz")
            try TestNPZ.write([x231, TestNPZ.int64("y", [2], [0, -1])], to: url)
            let error = #expect(throws: SpecError.self) {
                try ConfigSchema().resolve(tree(url.path), file: "spec.json")
            }
            #expect(error?.code == .outOfRange)
            #expect(error?.file == "spec.json")
            #expect(error?.keyPath == "task.path")
            #expect(error?.description.contains(url.path) == true)
            #expect(error?.description.contains("array y") == true)
            #expect(error?.description.contains("\n") == false)
        }
    }

    @Test func anUnknownTargetColumnIsASpecErrorAtTaskTarget() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("s.csv")
            try Data("a,b\n1,2\n3,4\n5,6\n".utf8).write(to: url)
            var tree = tree(url.path)
            tree["task"] = .object([
                "plugin": .string("dataset"), "path": .string(url.path), "window": .integer(2),
                "target": .string("price"),
            ])
            tree["training"] = .object(["batchSize": .integer(2), "loss": .string("mse")])
            let error = #expect(throws: SpecError.self) { try ConfigSchema().resolve(tree, file: "spec.json") }
            #expect(error?.keyPath == "task.target")
            #expect(error?.description.contains("\"price\"") == true)
        }
    }

    @Test func theExampleExperimentResolves() throws {
        let root = RunnerCLI.packageRoot
        let path = root.appendingPathComponent("experiments/data/example-dataset.npz").path
        var tree = tree(path)
        tree["training"] = .object(["batchSize": .integer(32), "loss": .string("cross-entropy")])
        let config = try ConfigSchema().resolve(tree, file: "dataset-example.json")
        let task = DatasetTask()
        #expect(task.output(config.task) == .classes(3))
        #expect(task.inputSize(config.task) == 3)
        #expect(task.trainingSetShape(config.task)?.sequenceCount == 500)
        #expect(task.trainingSetShape(config.task)?.sequenceLength == 20)
    }
}
