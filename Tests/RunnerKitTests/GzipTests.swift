import Foundation
import Testing

@testable import RunnerFiles

@Suite struct GzipTests {
    /// Inputs for the round trips.
    enum Payload: String, CaseIterable, CustomTestStringConvertible {
        case empty
        case small
        case randomMegabyte
        case repetitiveText

        var data: Data {
            switch self {
            case .empty: Data()
            case .small: Data("hello, gzip\n".utf8)
            case .randomMegabyte: randomBytes(count: 1 << 20, seed: 7)
            case .repetitiveText:
                Data(String(repeating: "the forget gate carries the cell state back. ", count: 5000).utf8)
            }
        }

        var testDescription: String { rawValue }
    }

    /// Compressible bytes whose compressed form is mostly deflate-coded blocks.
    static let text = Payload.repetitiveText.data + randomBytes(count: 4096, seed: 3)

    @Test(arguments: Payload.allCases)
    func roundTripRestoresTheBytes(_ payload: Payload) throws {
        let original = payload.data
        let compressed = try Gzip.compress(original)
        #expect(compressed.prefix(2) == Data([0x1f, 0x8b]))
        #expect(try Gzip.decompress(compressed) == original)
    }

    @Test(arguments: [Int32(0), 1, 9, -1])
    func everyCompressionLevelRoundTrips(_ level: Int32) throws {
        let original = Self.text
        #expect(try Gzip.decompress(Gzip.compress(original, level: level)) == original)
    }

    @Test(arguments: [Payload.small, .randomMegabyte, .repetitiveText])
    func systemGzipReadsTheOutput(_ payload: Payload) throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("data.gz")
            try Gzip.compress(payload.data).write(to: file)
            let result = try runProgram("gzip", ["-dc", file.path])
            #expect(result.status == 0, "gzip -dc failed: \(result.standardError)")
            #expect(result.standardOutput == payload.data)
        }
    }

    @Test(arguments: [Int32(0), 6])
    func aSinkReceivesTheSameStreamInChunks(_ level: Int32) throws {
        // Three megabytes: more than one chunk of output whichever the level.
        let original = Payload.randomMegabyte.data + Self.text + randomBytes(count: 2 << 20, seed: 11)
        var pieces: [Int] = []
        var streamed = Data()
        let compressor = try GzipCompressor(level: level) { bytes in
            pieces.append(bytes.count)
            streamed.append(contentsOf: bytes)
        }
        original.withUnsafeBytes(compressor.append)
        #expect(try compressor.finish().isEmpty)
        #expect(compressor.sinkFailure == nil)
        #expect(streamed == (try Gzip.compress(original, level: level)))
        #expect(pieces.count > 1 && pieces.allSatisfy { $0 <= Gzip.chunkSize })
    }

    @Test func aFailingSinkStopsTheStreamAndKeepsItsError() throws {
        struct DiskFull: Error {}
        var calls = 0
        let compressor = try GzipCompressor(level: 0) { _ in
            calls += 1
            throw DiskFull()
        }
        randomBytes(count: 4 << 20, seed: 5).withUnsafeBytes(compressor.append)
        _ = try compressor.finish()
        #expect(calls == 1)
        #expect(compressor.sinkFailure is DiskFull)
    }

    @Test func systemGzipOutputDecompresses() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("data")
            try Self.text.write(to: file)
            let result = try runProgram("gzip", ["-c", "-9", file.path])
            #expect(result.status == 0, "gzip -c failed: \(result.standardError)")
            #expect(try Gzip.decompress(result.standardOutput) == Self.text)
        }
    }

    @Test func equalInputGivesEqualBytesWithNoTimestamp() throws {
        let first = try Gzip.compress(Self.text)
        let second = try Gzip.compress(Self.text)
        #expect(first == second)
        #expect(first[4..<8] == Data([0, 0, 0, 0]), "MTIME should be 0")
    }

    @Test(arguments: [0, 1, 2, 10, 100, 2000, -9, -8, -4, -1])
    func truncatedStreamIsReportedAsTruncated(_ cut: Int) throws {
        let compressed = try Gzip.compress(Self.text)
        let length = cut >= 0 ? cut : compressed.count + cut
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed.prefix(length)) }
        #expect(error?.code == .truncated)
    }

    @Test(arguments: [0.25, 0.5, 0.75])
    func flippedBitInTheBodyIsReportedAsCorrupted(_ fraction: Double) throws {
        for payload in [Self.text, randomBytes(count: 50_000, seed: 11)] {
            let compressed = try Gzip.compress(payload)
            let offset = 10 + Int(Double(compressed.count - 18) * fraction)
            let error = #expect(throws: GzipError.self) {
                try Gzip.decompress(flippingBit(compressed, at: offset, bit: 3))
            }
            #expect(error?.code == .corrupted, "\(String(describing: error))")
        }
    }

    @Test(arguments: [8, 7, 5, 4, 3, 1])
    func flippedBitInTheTrailerIsReportedAsCorrupted(_ distanceFromEnd: Int) throws {
        let compressed = try Gzip.compress(Self.text)
        let error = #expect(throws: GzipError.self) {
            try Gzip.decompress(flippingBit(compressed, at: compressed.count - distanceFromEnd))
        }
        #expect(error?.code == .corrupted)
        let which = distanceFromEnd > 4 ? "incorrect data check" : "incorrect length check"
        #expect(error?.message.contains(which) == true, "\(String(describing: error))")
    }

    @Test func bytesAfterTheStreamAreReported() throws {
        let compressed = try Gzip.compress(Self.text)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed + Data([0, 0, 0])) }
        #expect(error?.code == .trailingData)
        #expect(error?.message.contains("3 bytes") == true)
    }

    @Test func dataWithoutTheGzipMagicIsNotGzip() throws {
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(Data("plain text".utf8)) }
        #expect(error?.code == .notGzip)
    }

    @Test func invalidLevelIsAZlibError() throws {
        let error = #expect(throws: GzipError.self) { try Gzip.compress(Self.text, level: 42) }
        #expect(error?.code == .zlib)
        #expect(error?.description.contains("level 42") == true)
    }

    @Test func sliceWithNonZeroStartIndexRoundTrips() throws {
        let padded = Data([1, 2, 3]) + (try Gzip.compress(Self.text))
        let slice = padded[3...]
        #expect(try Gzip.decompress(slice) == Self.text)
        #expect(try Gzip.decompress(Gzip.compress(Self.text[100...])) == Self.text[100...])
    }
}
