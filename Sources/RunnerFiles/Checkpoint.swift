import Foundation
import LSTMCore
import RunnerModel

/// A run's state at one iteration: a header and named float64 arrays, stored as one gzip file.
///
/// The file (`results/checkpoints/<run-id>.ckpt.gz`) is gzip (RFC 1952, so `gzip -dc` reads it
/// and its CRC-32 catches corruption) of:
///
/// | bytes | contents |
/// | --- | --- |
/// | `0..<8` | the magic `LSTMCKPT` (ASCII) |
/// | `8..<12` | the format version, `UInt32` little-endian, `1` |
/// | `12..<20` | the header length `n`, `UInt64` little-endian |
/// | `20..<20+n` | the header, ``CheckpointHeader`` as UTF-8 JSON with sorted keys |
/// | `20+n...` | the payload: each array of `header.arrays` in order, `product(shape)` float64 little-endian |
///
/// Checkpoints made from ``LSTMCore/LSTMParameters`` start with `weights` `[4H, X+H]`, `bias`
/// `[4H]` and `readout` `[R]`, followed by the caller's extra arrays (optimizer state, `inputs`
/// `[N, T, X]`, `targets` `[N, T]`).
public struct Checkpoint: Equatable, Sendable {
    /// The first eight bytes of every checkpoint: `LSTMCKPT`.
    public static let magic: [UInt8] = Array("LSTMCKPT".utf8)
    /// The format version this build writes, and the newest it reads.
    public static let formatVersion: UInt32 = 1
    /// The magic, the version and the header length.
    package static let prefixLength = 20

    /// The header, with the arrays' names and shapes and the payload's SHA-256.
    public let header: CheckpointHeader
    /// The arrays, in payload order.
    public let arrays: [NamedArray]

    /// Creates a checkpoint from a header and arrays already checked against each other.
    package init(verifiedHeader header: CheckpointHeader, arrays: [NamedArray]) {
        self.header = header
        self.arrays = arrays
    }

    /// Creates a checkpoint of arbitrary arrays, computing the header's array list and SHA-256.
    ///
    /// - Parameters:
    ///   - runID: The run's id.
    ///   - iteration: The number of updates applied so far.
    ///   - kind: `initial`, `final` or `every`.
    ///   - inputSize: `X`.
    ///   - hiddenSize: `H`.
    ///   - readoutSize: `R`.
    ///   - cellOutput: `identity` or `tanh`.
    ///   - config: The run's canonical config JSON text.
    ///   - arrays: The arrays, in the order they will be stored; names must be unique.
    /// - Throws: ``CheckpointError`` `shapeMismatch` when an array's values do not fill its shape,
    ///   `badHeader` when a name is empty or repeated.
    public init(
        runID: String,
        iteration: Int,
        kind: CheckpointHeader.Kind,
        inputSize: Int,
        hiddenSize: Int,
        readoutSize: Int,
        cellOutput: String,
        config: String,
        arrays: [NamedArray]
    ) throws(CheckpointError) {
        header = try CheckpointContents(
            runID: runID,
            iteration: iteration,
            kind: kind,
            inputSize: inputSize,
            hiddenSize: hiddenSize,
            readoutSize: readoutSize,
            cellOutput: cellOutput,
            config: config,
            arrays: arrays.map { ($0.name, $0.shape, $0.values[...]) }
        ).header
        self.arrays = arrays
    }

    /// The array named `name`, or `nil`.
    ///
    /// - Parameter name: The array's name.
    public subscript(name: String) -> NamedArray? {
        arrays.first { $0.name == name }
    }

    // MARK: - Encoding

    /// The checkpoint file's bytes: the gzip of magic, version, header length, header and payload.
    ///
    /// Equal checkpoints give equal bytes.
    ///
    /// - Parameter level: The deflate level, 0 (stored blocks: gzip framing and CRC-32 only) to 9.
    /// - Returns: The compressed file contents.
    /// - Throws: ``CheckpointError`` `io` when zlib fails (out of memory).
    public func encoded(level: Int32 = 6) throws(CheckpointError) -> Data {
        try contents.encoded(level: level)
    }

    /// Writes the checkpoint to `url` atomically, creating its directory when missing.
    ///
    /// The compressed bytes go to the file as zlib produces them, a chunk at a time: the file is
    /// never held in memory whole.
    ///
    /// - Parameters:
    ///   - url: The file to write, usually `results/checkpoints/<run-id>.ckpt.gz`.
    ///   - level: The deflate level (see ``encoded(level:)``).
    ///   - deferSync: Leave the new file unsynced for a later ``AtomicFile/syncBatch(in:)``.
    /// - Throws: ``CheckpointError`` `io` naming the file when it cannot be written.
    public func write(to url: URL, level: Int32 = 6, deferSync: Bool = false) throws(CheckpointError) {
        try contents.write(to: url, level: level, deferSync: deferSync)
    }

    /// The header and the arrays' own memory, as they are written.
    package var contents: CheckpointContents {
        CheckpointContents(verifiedHeader: header, pieces: arrays.map { $0.values[...] })
    }

    /// The uncompressed file contents: magic, version, header length, header JSON, payload.
    ///
    /// - Parameters:
    ///   - headerJSON: The header, as UTF-8 JSON.
    ///   - payload: The arrays' bytes.
    ///   - version: The format version to write.
    /// - Returns: The bytes that ``encoded()`` compresses.
    package static func frame(headerJSON: Data, payload: Data, version: UInt32 = formatVersion) -> Data {
        var contents = Data(capacity: prefixLength + headerJSON.count + payload.count)
        contents.append(contentsOf: magic)
        withUnsafeBytes(of: version.littleEndian) { contents.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(headerJSON.count).littleEndian) { contents.append(contentsOf: $0) }
        contents.append(headerJSON)
        contents.append(payload)
        return contents
    }

    /// The arrays' values, concatenated as little-endian float64.
    ///
    /// - Parameter arrays: The arrays, in order.
    /// - Returns: `8 * sum(values.count)` bytes.
    package static func payload(of arrays: [NamedArray]) -> Data {
        var payload = Data(capacity: 8 * arrays.reduce(0) { $0 + $1.values.count })
        for array in arrays {
            NamedArray.appendLittleEndian(array.values, to: &payload)
        }
        return payload
    }

    /// `JSONEncoder` with sorted keys (and unescaped slashes, for readable config text).
    package static var headerEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
