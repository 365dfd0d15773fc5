import Foundation
import RunnerModel

extension Checkpoint {
    /// Reads and verifies the checkpoint file at `url`: every checkpoint read goes through here.
    ///
    /// Only a regular file is read, and no more than its size (a link to `/dev/zero` is refused).
    /// A checkpoint read for a recorded run must be that run's: its header's `runID` must be
    /// `runID` and its payload digest the one the database recorded, so that a file copied over
    /// another run's is refused instead of being taken for it.
    ///
    /// - Parameters:
    ///   - url: The `.ckpt.gz` file.
    ///   - runID: The run the file must belong to, if known.
    ///   - payloadSHA256: The payload digest recorded for it, if known.
    /// - Returns: The checkpoint.
    /// - Throws: ``CheckpointError`` naming the file: `io` when it cannot be read or is not a
    ///   regular file, `wrongRun` when it belongs to another run or result, else what
    ///   ``decode(_:file:)`` throws.
    public static func read(
        from url: URL,
        runID: String? = nil,
        payloadSHA256: String? = nil
    ) throws(CheckpointError) -> Checkpoint {
        let data: Data
        do {
            data = try POSIXFile.readAll(url.path)
        } catch {
            throw CheckpointError(.io, file: url.relativePath, message: error.summary)
        }
        let checkpoint = try decode(data, file: url.relativePath)
        try checkpoint.check(runID: runID, payloadSHA256: payloadSHA256, file: url.relativePath)
        return checkpoint
    }

    /// Checks that a decoded checkpoint is the one recorded for a run.
    ///
    /// - Parameters:
    ///   - runID: The run it must belong to, if known.
    ///   - payloadSHA256: The payload digest recorded for it, if known.
    ///   - file: The path to name in errors.
    /// - Throws: ``CheckpointError`` `wrongRun`.
    package func check(runID: String?, payloadSHA256: String?, file: String) throws(CheckpointError) {
        if let runID, header.runID != runID {
            throw CheckpointError(
                .wrongRun,
                file: file,
                message: "it holds run \(header.runID)'s checkpoint, not run \(runID)'s (a file was copied or moved "
                    + "over it); restore run \(runID)'s own file from a copy."
            )
        }
        if let payloadSHA256, header.payloadSHA256.lowercased() != payloadSHA256.lowercased() {
            throw CheckpointError(
                .wrongRun,
                file: file,
                message: "it holds payload \(header.payloadSHA256.prefix(12)), but the database recorded "
                    + "\(payloadSHA256.prefix(12)) for run \(header.runID) (the file was replaced by another "
                    + "result); restore the run's own file from a copy."
            )
        }
    }

    /// Decompresses and verifies a checkpoint file's bytes.
    ///
    /// Checks, in order: the gzip stream (complete, CRC-32 and length correct, nothing after it),
    /// the magic, the version, the header length, the header JSON, the arrays' shapes, the payload
    /// length, and the payload's SHA-256.
    ///
    /// - Parameters:
    ///   - data: The file's bytes, still compressed.
    ///   - file: The path to name in errors.
    /// - Returns: The checkpoint.
    /// - Throws: ``CheckpointError`` with the code of the first check that failed.
    public static func decode(_ data: Data, file: String) throws(CheckpointError) -> Checkpoint {
        let contents = try decompress(data, file: file)
        let result = contents.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            Result { () throws(CheckpointError) -> Checkpoint in try decode(contents: bytes, file: file) }
        }
        return try result.get()
    }

    /// ``decode(_:file:)`` after decompression.
    private static func decode(contents bytes: UnsafeRawBufferPointer, file: String) throws(CheckpointError)
        -> Checkpoint
    {
        let header = try decodeHeader(bytes, file: file)
        let headerLength = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self)))
        let payloadStart = prefixLength + headerLength
        let counts = try elementCounts(of: header, file: file)
        let expectedBytes = counts.reduce(0, +) * 8
        let actualBytes = bytes.count - payloadStart
        guard actualBytes == expectedBytes else {
            throw CheckpointError(
                .payloadMismatch,
                file: file,
                message: "the header lists \(header.arrays.count) arrays of \(expectedBytes) bytes in total, "
                    + "but \(actualBytes) bytes follow it (\(actualBytes < expectedBytes ? "too few" : "too many")); "
                    + "the file was not written by a matching writer: re-run the run to write it again."
            )
        }
        let digest = Digest.sha256Hex(UnsafeRawBufferPointer(rebasing: bytes[payloadStart...]))
        guard digest == header.payloadSHA256.lowercased() else {
            throw CheckpointError(
                .payloadMismatch,
                file: file,
                message: "the payload's SHA-256 is \(digest) but the header says '\(header.payloadSHA256)'; "
                    + "the arrays were changed after the header was written: re-run the run to write it again."
            )
        }
        var arrays: [NamedArray] = []
        arrays.reserveCapacity(counts.count)
        var offset = payloadStart
        for (info, count) in zip(header.arrays, counts) {
            let values = NamedArray.readLittleEndian(bytes, offset: offset, count: count)
            arrays.append(NamedArray(name: info.name, shape: info.shape, values: values))
            offset += 8 * count
        }
        return Checkpoint(verifiedHeader: header, arrays: arrays)
    }

    // MARK: - Steps

    /// Gunzips `data`, translating gzip's errors into checkpoint errors.
    private static func decompress(_ data: Data, file: String) throws(CheckpointError) -> Data {
        do {
            return try Gzip.decompress(data, limit: declaredLength())
        } catch {
            switch error.code {
            case .notGzip:
                let start = data.prefix(2).map { String($0, radix: 16) }.joined(separator: " ")
                throw CheckpointError(
                    .notACheckpoint,
                    file: file,
                    message: "not a gzip file (it starts with \(start), not 1f 8b); a checkpoint is the "
                        + ".ckpt.gz file a run writes: check the path."
                )
            case .truncated:
                throw CheckpointError(
                    .truncated,
                    file: file,
                    message: "the gzip stream ends early (file cut short?); re-run the run to write it again."
                )
            case .corrupted:
                throw CheckpointError(
                    .corrupted,
                    file: file,
                    message: "\(error.message); the file changed after it was written (disk error or edit): "
                        + "restore it from a copy or re-run the run."
                )
            case .trailingData:
                throw CheckpointError(
                    .corrupted,
                    file: file,
                    message: "\(error.message); something was appended to the file: "
                        + "restore it from a copy or re-run the run."
                )
            case .zlib:
                throw CheckpointError(.io, file: file, message: "decompression failed: \(error.message).")
            }
        }
    }

    /// The largest header this reader accepts: real ones are a few kilobytes.
    package static let maximumHeaderLength = 1 << 24

    /// The length the contents declare, worked out as they are decompressed: the prefix, then
    /// the header it announces, then the payload that header lists. Contents that cannot declare
    /// a length (another magic, a header too long or not JSON) are stopped where they are, for
    /// ``decode(contents:file:)`` to say what is wrong.
    private static func declaredLength() -> (Data) -> Int {
        var known: Int?
        return { contents in
            if let known { return known }
            guard contents.count >= prefixLength else { return prefixLength }
            guard contents.prefix(magic.count).elementsEqual(magic) else { return contents.count }
            let headerLength = contents.withUnsafeBytes {
                UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
            }
            guard headerLength <= UInt64(maximumHeaderLength) else { return contents.count }
            let headerEnd = prefixLength + Int(headerLength)
            guard contents.count >= headerEnd else { return headerEnd }
            let json = contents.subdata(in: contents.startIndex + prefixLength..<contents.startIndex + headerEnd)
            guard let header = try? JSONDecoder().decode(CheckpointHeader.self, from: json),
                let counts = try? elementCounts(of: header, file: ""),
                counts.reduce(0, +) <= (Int.max - headerEnd) / 8
            else { return contents.count }
            let total = headerEnd + 8 * counts.reduce(0, +)
            known = total
            return total
        }
    }

    /// Checks the magic, version and header length, and decodes the header JSON.
    private static func decodeHeader(_ bytes: UnsafeRawBufferPointer, file: String) throws(CheckpointError)
        -> CheckpointHeader
    {
        guard bytes.count >= magic.count, bytes.prefix(magic.count).elementsEqual(magic) else {
            throw CheckpointError(
                .notACheckpoint,
                file: file,
                message: "its contents start with \"\(printable(bytes.prefix(magic.count)))\", not \"LSTMCKPT\"; "
                    + "it is gzip but not an lstm-runner checkpoint: check the path."
            )
        }
        guard bytes.count >= prefixLength else {
            throw CheckpointError(
                .badHeader,
                file: file,
                message: "its contents end after \(bytes.count) bytes, inside the \(prefixLength)-byte prefix; "
                    + "re-run the run to write it again."
            )
        }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == formatVersion else {
            let advice =
                version > formatVersion
                ? "it was written by a newer lstm-runner: upgrade lstm-runner to read it."
                : "no lstm-runner writes that version: the file is damaged; re-run the run to write it again."
            throw CheckpointError(
                .unsupportedVersion,
                file: file,
                message: "format version \(version), but this build reads version \(formatVersion) only; \(advice)"
            )
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        let available = bytes.count - prefixLength
        guard headerLength <= UInt64(min(available, maximumHeaderLength)) else {
            throw CheckpointError(
                .badHeader,
                file: file,
                message: "the header length is \(headerLength) bytes but only \(available) bytes follow the prefix; "
                    + "the file is damaged: re-run the run to write it again."
            )
        }
        let json = Data(bytes[prefixLength..<(prefixLength + Int(headerLength))])
        do {
            return try JSONDecoder().decode(CheckpointHeader.self, from: json)
        } catch {
            throw CheckpointError(
                .badHeader,
                file: file,
                message: "the header JSON does not decode: \(summary(of: error)); "
                    + "the file is damaged or not from lstm-runner: re-run the run to write it again."
            )
        }
    }

    /// The element count of each array the header lists, after checking names and shapes.
    private static func elementCounts(of header: CheckpointHeader, file: String) throws(CheckpointError) -> [Int] {
        var names = Set<String>()
        var counts: [Int] = []
        var total = 0
        for info in header.arrays {
            guard names.insert(info.name).inserted else {
                throw CheckpointError(
                    .badHeader,
                    file: file,
                    message: "the header lists the array '\(info.name)' twice; the file is damaged: "
                        + "re-run the run to write it again."
                )
            }
            guard let count = NamedArray.elementCount(of: info.shape), count <= Int.max / 8 - total else {
                throw CheckpointError(
                    .badHeader,
                    file: file,
                    message: "array '\(info.name)' has the invalid shape \(info.shape) (negative or too large); "
                        + "the file is damaged: re-run the run to write it again."
                )
            }
            total += count
            counts.append(count)
        }
        return counts
    }

    /// `bytes` as ASCII, with other bytes as `\xNN`.
    private static func printable(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        bytes.map { byte in
            (0x20..<0x7f).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                ? String(UnicodeScalar(byte)) : "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    /// A short account of a JSON decoding error: what is wrong, and at which key path.
    private static func summary(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing key '\(key.stringValue)'" + (context.codingPath.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(let type, let context):
            return "\(path(context)) has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null (expected \(type))"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
