import Crypto
import Foundation
import RunnerModel

/// A checkpoint as it is written: its header, and its payload as the pieces of memory the arrays
/// already live in, hashed and compressed from there.
///
/// A ``Checkpoint`` owns one `[Double]` an array, so making one of a network's parameters copies
/// the weights out of ``LSTMCore/LSTMParameters/values``. Contents made with
/// ``Checkpoint/contents(runID:iteration:kind:cellOutput:config:parameters:extra:)`` slice that
/// buffer instead: writing the seed sweep's 112 MB of final checkpoints then copies nothing
/// before zlib. The pieces are fed to zlib one array at a time, as ``Checkpoint`` feeds its
/// arrays, so the file's bytes are the same.
package struct CheckpointContents {
    /// The header, with the arrays' names and shapes and the payload's SHA-256.
    package let header: CheckpointHeader
    /// Each array's values, in payload order.
    let pieces: [ArraySlice<Double>]

    /// Contents whose header was made for these pieces.
    init(verifiedHeader header: CheckpointHeader, pieces: [ArraySlice<Double>]) {
        self.header = header
        self.pieces = pieces
    }

    /// The checkpoint these contents write: the same header, the pieces copied into its arrays.
    package var checkpoint: Checkpoint {
        Checkpoint(
            verifiedHeader: header,
            arrays: zip(header.arrays, pieces).map { NamedArray(name: $0.name, shape: $0.shape, values: Array($1)) })
    }

    /// Contents of arbitrary arrays, computing the header's array list and SHA-256: see
    /// ``Checkpoint/init(runID:iteration:kind:inputSize:hiddenSize:readoutSize:cellOutput:config:arrays:)``.
    ///
    /// - Throws: ``CheckpointError`` `shapeMismatch` when an array's values do not fill its shape,
    ///   `badHeader` when a name is empty or repeated.
    package init(
        runID: String,
        iteration: Int,
        kind: CheckpointHeader.Kind,
        inputSize: Int,
        hiddenSize: Int,
        readoutSize: Int,
        cellOutput: String,
        config: String,
        arrays: [(name: String, shape: [Int], values: ArraySlice<Double>)]
    ) throws(CheckpointError) {
        let file = "checkpoint of run \(runID)"
        var names = Set<String>()
        for array in arrays {
            guard !array.name.isEmpty, names.insert(array.name).inserted else {
                throw CheckpointError(
                    .badHeader,
                    file: file,
                    message: "the array name '\(array.name)' is empty or repeated; give each array a unique name."
                )
            }
            guard let count = NamedArray.elementCount(of: array.shape), count == array.values.count else {
                throw CheckpointError(
                    .shapeMismatch,
                    file: file,
                    message: "array '\(array.name)' has shape \(array.shape) but \(array.values.count) values; "
                        + "the values must fill the shape exactly."
                )
            }
        }
        var hasher = SHA256()
        for array in arrays {
            Self.withLittleEndianBytes(array.values) { hasher.update(bufferPointer: $0) }
        }
        header = CheckpointHeader(
            runID: runID,
            iteration: iteration,
            kind: kind,
            inputSize: inputSize,
            hiddenSize: hiddenSize,
            readoutSize: readoutSize,
            cellOutput: cellOutput,
            config: config,
            arrays: arrays.map { CheckpointHeader.ArrayInfo(name: $0.name, shape: $0.shape) },
            payloadSHA256: Digest.hex(hasher.finalize())
        )
        pieces = arrays.map(\.values)
    }

    /// Calls `body` with `values` as little-endian float64 bytes: their own memory on a
    /// little-endian machine, a converted copy elsewhere.
    static func withLittleEndianBytes<T>(_ values: ArraySlice<Double>, _ body: (UnsafeRawBufferPointer) throws -> T)
        rethrows -> T
    {
        #if _endian(little)
            return try values.withUnsafeBytes(body)
        #else
            var data = Data()
            NamedArray.appendLittleEndian(Array(values), to: &data)
            return try data.withUnsafeBytes(body)
        #endif
    }

    // MARK: - Encoding

    /// The checkpoint file's bytes: see ``Checkpoint/encoded(level:)``.
    package func encoded(level: Int32 = 6) throws(CheckpointError) -> Data {
        let compressor = try compress(level: level, sink: nil)
        do {
            return try compressor.finish()
        } catch {
            throw CheckpointError(
                .io, file: "checkpoint of run \(header.runID)", message: "compression failed: \(error.message).")
        }
    }

    /// Writes the checkpoint file: see ``Checkpoint/write(to:level:deferSync:)``.
    package func write(to url: URL, level: Int32 = 6, deferSync: Bool = false) throws(CheckpointError) {
        do {
            try AtomicFile.stream(to: url, createDirectory: true, deferSync: deferSync) { file in
                let compressor = try compress(level: level) { bytes in try file.write(bytes) }
                _ = try compressor.finish()
                if let failure = compressor.sinkFailure { throw failure }
            }
        } catch let error as CheckpointError {
            throw error
        } catch let error as AtomicFileError {
            var failure = CheckpointError(.io, file: url.relativePath, message: error.summary)
            failure.systemError = error.systemError
            failure.underlying = error
            throw failure
        } catch let error as GzipError {
            var failure = CheckpointError(.io, file: url.relativePath, message: "compression failed: \(error.message).")
            failure.underlying = error
            throw failure
        } catch {
            var failure = CheckpointError(.io, file: url.relativePath, message: "\(error)")
            failure.underlying = error
            throw failure
        }
    }

    /// A compressor fed with the whole file (magic, version, header, payload), not yet finished.
    ///
    /// The arrays are compressed straight from their own memory, one at a time: no payload copy
    /// is made.
    private func compress(
        level: Int32,
        sink: ((UnsafeRawBufferPointer) throws -> Void)?
    ) throws(CheckpointError) -> GzipCompressor {
        let prefix = Checkpoint.frame(headerJSON: header.sortedKeysJSON, payload: Data())
        let size = prefix.count + 8 * pieces.reduce(0) { $0 + $1.count }
        let compressor: GzipCompressor
        do {
            compressor = try GzipCompressor(level: level, expectedSize: size, sink: sink)
        } catch {
            throw CheckpointError(
                .io, file: "checkpoint of run \(header.runID)", message: "compression failed: \(error.message).")
        }
        prefix.withUnsafeBytes(compressor.append)
        for piece in pieces {
            Self.withLittleEndianBytes(piece, compressor.append)
        }
        return compressor
    }
}
