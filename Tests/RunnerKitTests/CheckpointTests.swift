import Foundation
import LSTMCore
import Testing

@testable import RunnerFiles
@testable import RunnerModel

@Suite struct CheckpointTests {
    // MARK: - Fixtures

    /// `X = 3`, `H = 4`, `R = 5` (an `mse-readout` of `[H + 1]`), seeded.
    static let parameters: LSTMParameters = {
        var generator = SplitMix64(seed: 42)
        return LSTMParameters.random(inputSize: 3, hiddenSize: 4, readoutSize: 5, using: &generator)
    }()

    /// Extras as callers pass them, with values that only a bit-exact format keeps.
    static let extras: [NamedArray] = {
        var generator = SplitMix64(seed: 9)
        let inputs = (0..<(2 * 6 * 3)).map { _ in generator.nextUnitDouble() }
        let special: [Double] = [.nan, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        return [
            NamedArray(name: "inputs", shape: [2, 6, 3], values: inputs),
            NamedArray(name: "targets", shape: [2, 6], values: special + [0.1, 0.2, 0.3, -0.5, 1e-300, 7]),
            NamedArray(name: "sgd.step", shape: [], values: [0.1]),
            NamedArray(name: "empty", shape: [0, 4], values: []),
        ]
    }()

    static let config = #"{"model":{"cellOutput":"tanh","hiddenSize":4},"seed":0,"task":{"path":"a/b"}}"#

    static func makeCheckpoint(iteration: Int = 100) throws -> Checkpoint {
        try Checkpoint(
            runID: "3f2a9c1b7d0e",
            iteration: iteration,
            kind: .final,
            cellOutput: .tanh,
            config: config,
            parameters: parameters,
            extra: extras
        )
    }

    /// The uncompressed file of `checkpoint`, reassembled by hand with the given changes.
    static func frame(
        _ checkpoint: Checkpoint,
        version: UInt32 = Checkpoint.formatVersion,
        header: CheckpointHeader? = nil,
        payload: Data? = nil
    ) throws -> Data {
        let headerJSON = try Checkpoint.headerEncoder.encode(header ?? checkpoint.header)
        return Checkpoint.frame(
            headerJSON: headerJSON,
            payload: payload ?? Checkpoint.payload(of: checkpoint.arrays),
            version: version
        )
    }

    /// Decodes `contents` gzipped, from a file in a fresh directory, expecting `code`.
    static func expectReadFails(_ contents: Data, gzip: Bool = true, code: CheckpointError.Code) throws
        -> CheckpointError?
    {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("3f2a9c1b7d0e.ckpt.gz")
            try (gzip ? Gzip.compress(contents) : contents).write(to: url)
            let error = #expect(throws: CheckpointError.self) { try Checkpoint.read(from: url) }
            #expect(error?.code == code, "\(String(describing: error))")
            #expect(error?.file == url.path)
            #expect(error?.description.hasPrefix(url.path + ": \(code.rawValue): ") == true)
            return error
        }
    }

    // MARK: - Round trips

    @Test func encodedBytesDecodeToTheSameCheckpointBitForBit() throws {
        let checkpoint = try Self.makeCheckpoint()
        let decoded = try Checkpoint.decode(checkpoint.encoded(), file: "memory")
        #expect(decoded == checkpoint)
        #expect(decoded.header == checkpoint.header)
        for (read, written) in zip(decoded.arrays, checkpoint.arrays) {
            #expect(read.name == written.name && read.shape == written.shape)
            #expect(read.values.map(\.bitPattern) == written.values.map(\.bitPattern))
        }
        #expect(decoded["targets"]?.values[0].isNaN == true)
        #expect(decoded["targets"]?.values[1].sign == .minus)
    }

    @Test func parametersComeFirstThenTheExtrasInOrder() throws {
        let checkpoint = try Self.makeCheckpoint()
        #expect(
            checkpoint.arrays.map(\.name) == ["weights", "bias", "readout", "inputs", "targets", "sgd.step", "empty"])
        #expect(checkpoint["weights"]?.shape == [16, 7])
        #expect(checkpoint["bias"]?.shape == [16])
        #expect(checkpoint["readout"]?.shape == [5])
        #expect(checkpoint["missing"] == nil)
        let header = checkpoint.header
        #expect((header.inputSize, header.hiddenSize, header.readoutSize) == (3, 4, 5))
        #expect(header.cellOutput == "tanh" && header.kind == .final && header.iteration == 100)
        #expect(header.config == Self.config)
        #expect(header.arrays.map(\.shape) == checkpoint.arrays.map(\.shape))
        #expect(header.payloadSHA256 == Digest.sha256Hex(Checkpoint.payload(of: checkpoint.arrays)))
        #expect(header.payloadSHA256.count == 64 && header.payloadSHA256 == header.payloadSHA256.lowercased())
    }

    @Test func parametersRoundTripThroughAFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("3f2a9c1b7d0e.ckpt.gz")
            try Self.makeCheckpoint().write(to: url)
            let read = try Checkpoint.read(from: url)
            #expect(try read.parameters() == Self.parameters)
            #expect(read == (try Self.makeCheckpoint()))
        }
    }

    @Test func parametersWithoutReadoutStoreAnEmptyReadout() throws {
        var generator = SplitMix64(seed: 1)
        let parameters = LSTMParameters.random(inputSize: 2, hiddenSize: 1, using: &generator)
        let checkpoint = try Checkpoint(
            runID: "r",
            iteration: 0,
            kind: .initial,
            cellOutput: .identity,
            config: "{}",
            parameters: parameters
        )
        #expect(checkpoint["readout"]?.shape == [0])
        let decoded = try Checkpoint.decode(checkpoint.encoded(), file: "memory")
        #expect(try decoded.parameters() == parameters)
    }

    @Test func encodingIsDeterministic() throws {
        #expect(try Self.makeCheckpoint().encoded() == Self.makeCheckpoint().encoded())
    }

    @Test func headerIsSortedKeyJSONAfterTheFixedPrefix() throws {
        let contents = try Gzip.decompress(Self.makeCheckpoint().encoded())
        #expect(contents.prefix(8) == Data("LSTMCKPT".utf8))
        #expect(Array(contents[8..<12]) == [1, 0, 0, 0])
        let length = contents[12..<20].reversed().reduce(0) { $0 << 8 | Int($1) }
        let json = String(decoding: contents[20..<(20 + length)], as: UTF8.self)
        #expect(json.hasPrefix(#"{"arrays":[{"name":"weights","shape":[16,7]}"#))
        #expect(json.contains(#""config":"{\"model\":{\"cellOutput\":\"tanh\""#))
        #expect(contents.count == 20 + length + 8 * (16 * 7 + 16 + 5 + 36 + 12 + 1 + 0))
    }

    /// Headers with every kind of character a string can hold, and edge-case shapes and sizes.
    static let awkwardHeaders: [CheckpointHeader] = {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let texts = [
            "", controls, #"quote " backslash \ slash / \/ "#, "\u{7f} del, caf\u{e9}, \u{1F600}, \u{2028}",
            #"{"model":{"init":"run:3f2a9c1b7d0e"},"task":{"path":"data/a b.npz"}}"#,
        ]
        return texts.enumerated().map { index, text in
            CheckpointHeader(
                runID: text, iteration: [0, 1, -7, Int.max, Int.min][index],
                kind: [.initial, .final, .every][index % 3],
                inputSize: index, hiddenSize: -index, readoutSize: 1 << (10 * index), cellOutput: text, config: text,
                arrays: index == 0
                    ? []
                    : [
                        .init(name: text, shape: []), .init(name: "weights", shape: [16, 7]),
                        .init(name: "e", shape: [0, -3, Int.max]),
                    ],
                payloadSHA256: String(text.reversed()))
        }
    }()

    @Test(arguments: awkwardHeaders)
    func headerJSONIsByteForByteWhatJSONEncoderWrites(header: CheckpointHeader) throws {
        let encoded = try Checkpoint.headerEncoder.encode(header)
        #expect(header.sortedKeysJSON == encoded, "\(String(decoding: header.sortedKeysJSON, as: UTF8.self))")
    }

    @Test func headerJSONOfARealCheckpointIsWhatJSONEncoderWrites() throws {
        let header = try Self.makeCheckpoint().header
        #expect(header.sortedKeysJSON == (try Checkpoint.headerEncoder.encode(header)))
    }

    @Test(arguments: [Int32(0), 6])
    func contentsSlicedFromTheParametersEncodeAsTheCheckpointDoes(level: Int32) throws {
        let checkpoint = try Self.makeCheckpoint()
        let contents = try Checkpoint.contents(
            runID: "3f2a9c1b7d0e", iteration: 100, kind: .final, cellOutput: .tanh, config: Self.config,
            parameters: Self.parameters, extra: Self.extras)
        #expect(contents.header == checkpoint.header)
        #expect(try contents.encoded(level: level) == checkpoint.encoded(level: level))
    }

    // MARK: - Files

    @Test func systemGzipShowsTheMagic() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("3f2a9c1b7d0e.ckpt.gz")
            try Self.makeCheckpoint().write(to: url)
            let result = try runProgram("sh", ["-c", "gzip -dc \"$1\" | head -c 8", "sh", url.path])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(String(decoding: result.standardOutput, as: UTF8.self) == "LSTMCKPT")
        }
    }

    @Test func writeLeavesOnlyTheCheckpointInTheDirectory() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("3f2a9c1b7d0e.ckpt.gz")
            try Self.makeCheckpoint(iteration: 1).write(to: url)
            try Self.makeCheckpoint(iteration: 2).write(to: url)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["3f2a9c1b7d0e.ckpt.gz"])
            #expect(try Checkpoint.read(from: url).header.iteration == 2)
        }
    }

    @Test(arguments: [Int32(0), 6])
    func aWrittenFileHoldsExactlyTheEncodedBytes(_ level: Int32) throws {
        // Large enough (2.4 MB) to reach the file in several compressed chunks.
        var generator = SplitMix64(seed: 9)
        let parameters = LSTMParameters.random(inputSize: 50, hiddenSize: 200, using: &generator)
        let checkpoint = try Checkpoint(
            runID: "3f2a9c1b7d0e",
            iteration: 1,
            kind: .final,
            cellOutput: .identity,
            config: "{}",
            parameters: parameters
        )
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("3f2a9c1b7d0e.ckpt.gz")
            try checkpoint.write(to: url, level: level, deferSync: true)
            #expect(try Data(contentsOf: url) == (try checkpoint.encoded(level: level)))
            #expect(try Checkpoint.read(from: url).parameters() == parameters)
        }
    }

    @Test func writeCreatesAMissingDirectory() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("results/checkpoints/3f2a9c1b7d0e.ckpt.gz")
            try Self.makeCheckpoint().write(to: url)
            #expect(try Checkpoint.read(from: url) == (try Self.makeCheckpoint()))
        }
    }

    @Test func writeIntoAFileInsteadOfADirectoryIsAnIOError() throws {
        try withTemporaryDirectory { directory in
            let blocker = directory.appendingPathComponent("results")
            try Data("not a directory".utf8).write(to: blocker)
            let url = blocker.appendingPathComponent("3f2a9c1b7d0e.ckpt.gz")
            let error = #expect(throws: CheckpointError.self) { try Self.makeCheckpoint().write(to: url) }
            #expect(error?.code == .io)
            #expect(error?.description.contains(blocker.path) == true, "\(String(describing: error))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["results"])
        }
    }

    @Test func readingAMissingFileIsAnIOErrorNamingIt() throws {
        let url = URL(fileURLWithPath: "results/checkpoints/none.ckpt.gz")
        let error = #expect(throws: CheckpointError.self) { try Checkpoint.read(from: url) }
        #expect(error?.code == .io)
        #expect(error?.file == "results/checkpoints/none.ckpt.gz")
        #expect(error?.description.contains("No such file or directory") == true, "\(String(describing: error))")
    }

    // MARK: - Damage

    @Test(arguments: [0, 1, 9, 30, 0.5, -8, -1] as [Double])
    func truncatedFileIsReportedAsTruncated(_ cut: Double) throws {
        let encoded = try Self.makeCheckpoint().encoded()
        let length =
            cut < 0 ? encoded.count + Int(cut) : cut < 1 && cut > 0 ? Int(Double(encoded.count) * cut) : Int(cut)
        let error = try Self.expectReadFails(encoded.prefix(length), gzip: false, code: .truncated)
        #expect(error?.message == "the gzip stream ends early (file cut short?); re-run the run to write it again.")
    }

    @Test(arguments: [0.3, 0.6, 0.9])
    func flippedBitIsReportedAsCorrupted(_ fraction: Double) throws {
        let encoded = try Self.makeCheckpoint().encoded()
        let damaged = flippingBit(encoded, at: 10 + Int(Double(encoded.count - 18) * fraction), bit: 5)
        _ = try Self.expectReadFails(damaged, gzip: false, code: .corrupted)
    }

    @Test func flippedBitInTheCRCIsReportedAsCorrupted() throws {
        let encoded = try Self.makeCheckpoint().encoded()
        let error = try Self.expectReadFails(flippingBit(encoded, at: encoded.count - 6), gzip: false, code: .corrupted)
        #expect(error?.message.contains("incorrect data check") == true)
    }

    @Test func appendedBytesAreReportedAsCorrupted() throws {
        let encoded = try Self.makeCheckpoint().encoded()
        _ = try Self.expectReadFails(encoded + Data("junk".utf8), gzip: false, code: .corrupted)
    }

    @Test func gzipOfOtherBytesIsNotACheckpoint() throws {
        let error = try Self.expectReadFails(Data("PK\u{3}\u{4} a zip, not a checkpoint".utf8), code: .notACheckpoint)
        #expect(error?.message.contains(#"start with "PK\x03\x04 a z""#) == true, "\(String(describing: error))")
        _ = try Self.expectReadFails(Data("LSTM".utf8), code: .notACheckpoint)
    }

    @Test func fileThatIsNotGzipIsNotACheckpoint() throws {
        let error = try Self.expectReadFails(Data("{\"json\": true}".utf8), gzip: false, code: .notACheckpoint)
        #expect(error?.message.contains("not a gzip file") == true)
    }

    @Test func newerVersionAsksForAnUpgrade() throws {
        let contents = try Self.frame(Self.makeCheckpoint(), version: 2)
        let error = try Self.expectReadFails(contents, code: .unsupportedVersion)
        #expect(error?.message.contains("format version 2") == true)
        #expect(error?.message.contains("reads version 1") == true)
        #expect(error?.message.contains("upgrade lstm-runner") == true)
    }

    @Test func versionZeroIsUnsupported() throws {
        let contents = try Self.frame(Self.makeCheckpoint(), version: 0)
        _ = try Self.expectReadFails(contents, code: .unsupportedVersion)
    }

    @Test func prefixCutShortIsABadHeader() throws {
        let contents = try Self.frame(Self.makeCheckpoint())
        _ = try Self.expectReadFails(contents.prefix(15), code: .badHeader)
    }

    @Test func headerLengthBeyondTheFileIsABadHeader() throws {
        var contents = try Self.frame(Self.makeCheckpoint())
        contents.replaceSubrange(12..<20, with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
        let error = try Self.expectReadFails(contents, code: .badHeader)
        #expect(error?.message.contains("header length is 9223372036854775807 bytes") == true)
    }

    @Test func headerThatIsNotAHeaderIsABadHeader() throws {
        let json = Data(#"{"runID":"x","iteration":"seven"}"#.utf8)
        let contents = Checkpoint.frame(headerJSON: json, payload: Data())
        let error = try Self.expectReadFails(contents, code: .badHeader)
        #expect(error?.message.contains("does not decode") == true)
        let garbage = Checkpoint.frame(headerJSON: Data("not json".utf8), payload: Data())
        _ = try Self.expectReadFails(garbage, code: .badHeader)
    }

    @Test func negativeShapeIsABadHeader() throws {
        let checkpoint = try Self.makeCheckpoint()
        var header = checkpoint.header
        header.arrays[3].shape = [-2, 6, 3]
        _ = try Self.expectReadFails(try Self.frame(checkpoint, header: header), code: .badHeader)
    }

    @Test(arguments: [-8, 8, -800])
    func payloadLengthDifferentFromTheHeaderIsAMismatch(_ change: Int) throws {
        let checkpoint = try Self.makeCheckpoint()
        let payload = Checkpoint.payload(of: checkpoint.arrays)
        let changed = change < 0 ? payload.dropLast(-change) : payload + Data(count: change)
        let error = try Self.expectReadFails(try Self.frame(checkpoint, payload: changed), code: .payloadMismatch)
        #expect(error?.message.contains("\(payload.count) bytes in total, but \(payload.count + change)") == true)
    }

    @Test func payloadThatDoesNotMatchTheSHA256IsAMismatch() throws {
        let checkpoint = try Self.makeCheckpoint()
        let payload = flippingBit(Checkpoint.payload(of: checkpoint.arrays), at: 100)
        let error = try Self.expectReadFails(try Self.frame(checkpoint, payload: payload), code: .payloadMismatch)
        #expect(error?.message.contains(checkpoint.header.payloadSHA256) == true)
    }

    @Test func headerListingOtherShapesIsAMismatch() throws {
        let checkpoint = try Self.makeCheckpoint()
        var header = checkpoint.header
        header.arrays[0].shape = [16, 8]
        _ = try Self.expectReadFails(try Self.frame(checkpoint, header: header), code: .payloadMismatch)
    }

    // MARK: - Shapes

    @Test func parametersRejectAWeightShapeThatDisagreesWithTheSizes() throws {
        let original = try Self.makeCheckpoint()
        var arrays = original.arrays
        arrays[0].shape = [7, 16]
        let checkpoint = try Checkpoint(
            runID: "3f2a9c1b7d0e",
            iteration: 1,
            kind: .every,
            inputSize: 3,
            hiddenSize: 4,
            readoutSize: 5,
            cellOutput: "tanh",
            config: "{}",
            arrays: arrays
        )
        let error = #expect(throws: CheckpointError.self) { try checkpoint.parameters() }
        #expect(error?.code == .shapeMismatch)
        #expect(error?.description.contains("array 'weights' has shape [7, 16]") == true)
        #expect(error?.description.contains("[16, 7]") == true)
    }

    @Test func parametersRejectAMissingArrayOrBadSizes() throws {
        let original = try Self.makeCheckpoint()
        let withoutBias = try Checkpoint(
            runID: "r",
            iteration: 1,
            kind: .every,
            inputSize: 3,
            hiddenSize: 4,
            readoutSize: 5,
            cellOutput: "tanh",
            config: "{}",
            arrays: original.arrays.filter { $0.name != "bias" }
        )
        let missing = #expect(throws: CheckpointError.self) { try withoutBias.parameters() }
        #expect(missing?.code == .shapeMismatch)
        #expect(missing?.message.contains("no array 'bias'") == true)
        let zeroHidden = try Checkpoint(
            runID: "r",
            iteration: 1,
            kind: .every,
            inputSize: 3,
            hiddenSize: 0,
            readoutSize: 5,
            cellOutput: "tanh",
            config: "{}",
            arrays: original.arrays
        )
        let sizes = #expect(throws: CheckpointError.self) { try zeroHidden.parameters() }
        #expect(sizes?.code == .shapeMismatch)
    }

    @Test func initRejectsValuesThatDoNotFillTheShapeAndRepeatedNames() throws {
        let short = [NamedArray(name: "inputs", shape: [2, 3], values: [1, 2, 3])]
        let error = #expect(throws: CheckpointError.self) {
            try Checkpoint(
                runID: "r",
                iteration: 0,
                kind: .initial,
                cellOutput: .identity,
                config: "{}",
                parameters: Self.parameters,
                extra: short
            )
        }
        #expect(error?.code == .shapeMismatch)
        #expect(error?.description.hasPrefix("checkpoint of run r: shapeMismatch: array 'inputs'") == true)
        let clash = #expect(throws: CheckpointError.self) {
            try Checkpoint(
                runID: "r",
                iteration: 0,
                kind: .initial,
                cellOutput: .identity,
                config: "{}",
                parameters: Self.parameters,
                extra: [NamedArray(name: "bias", shape: [1], values: [0])]
            )
        }
        #expect(clash?.code == .badHeader)
    }
}
