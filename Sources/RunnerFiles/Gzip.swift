import CZlibShim
import Foundation

/// gzip compression through zlib, in the framing the `gzip` tool reads and writes (RFC 1952).
///
/// Compression uses `deflateInit2` with `windowBits` 31 (a gzip header, no file name, modification
/// time 0, so equal input gives equal bytes), and decompression checks the CRC-32 and length in
/// the trailer. Both stream through fixed-size buffers, so time and extra memory grow linearly
/// with the data.
public enum Gzip {
    /// The size of the buffers fed to and filled by zlib.
    package static let chunkSize = 1 << 18

    /// Compresses `data` into one gzip member.
    ///
    /// - Parameters:
    ///   - data: The bytes to compress, of any length.
    ///   - level: zlib's compression level, 0 (store) to 9 (smallest), or -1 for zlib's default.
    /// - Returns: The gzip stream: header, deflate data, CRC-32 and length.
    /// - Throws: ``GzipError`` with code `zlib` for an invalid level or when zlib runs out of memory.
    public static func compress(_ data: Data, level: Int32 = 6) throws(GzipError) -> Data {
        let compressor = try GzipCompressor(level: level, expectedSize: data.count)
        data.withUnsafeBytes(compressor.append)
        return try compressor.finish()
    }

    /// Decompresses one gzip member and checks its CRC-32 and length.
    ///
    /// - Parameters:
    ///   - data: A complete gzip stream, and nothing after it.
    ///   - limit: Given the output so far, the most bytes the whole output may have (what the
    ///     contents declare, once their header is in); decompression stops, returning the output
    ///     so far unchecked, as soon as there is more. A stream that inflates without end (a
    ///     "zip bomb") thus costs no more than what its header declares.
    /// - Returns: The original bytes (or, past `limit`, the first of them).
    /// - Throws: ``GzipError``: `notGzip` when `data` lacks the gzip magic, `truncated` when the
    ///   stream ends early (including empty `data`), `corrupted` for malformed data or a wrong
    ///   CRC-32 or length, `trailingData` for bytes after the stream.
    public static func decompress(_ data: Data, limit: ((Data) -> Int)? = nil) throws(GzipError) -> Data {
        if data.isEmpty {
            throw GzipError(.truncated, "the data is empty")
        }
        let magic: [UInt8] = [0x1f, 0x8b]
        guard zip(data.prefix(2), magic).allSatisfy({ $0 == $1 }) else {
            throw GzipError(.notGzip, "the data does not start with the gzip magic bytes 1f 8b")
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = czlib_inflateInit2(stream, 31)
        guard status == Z_OK else {
            throw GzipError(.zlib, "inflateInit2 failed with status \(status)")
        }
        defer { inflateEnd(stream) }
        var output = Data()
        output.reserveCapacity(data.count * 2)
        let buffer = UnsafeMutablePointer<Bytef>.allocate(capacity: chunkSize)
        defer { buffer.deallocate() }
        let result = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            Result { () throws(GzipError) -> Data in
                var offset = 0
                while true {
                    if stream.pointee.avail_in == 0 && offset < input.count, let base = input.baseAddress {
                        let count = min(chunkSize, input.count - offset)
                        stream.pointee.next_in = UnsafeMutablePointer(
                            mutating: (base + offset).assumingMemoryBound(to: Bytef.self)
                        )
                        stream.pointee.avail_in = uInt(count)
                        offset += count
                    }
                    stream.pointee.next_out = buffer
                    stream.pointee.avail_out = uInt(chunkSize)
                    let status = inflate(stream, Z_NO_FLUSH)
                    output.append(buffer, count: chunkSize - Int(stream.pointee.avail_out))
                    if let limit, output.count > limit(output) { return output }
                    let inputExhausted = stream.pointee.avail_in == 0 && offset == input.count
                    switch status {
                    case Z_STREAM_END:
                        guard inputExhausted else {
                            let extra = Int(stream.pointee.avail_in) + (input.count - offset)
                            throw GzipError(.trailingData, "\(extra) bytes follow the end of the gzip stream")
                        }
                        return output
                    case Z_OK, Z_BUF_ERROR:
                        // Z_OK with output space left, or Z_BUF_ERROR, means zlib wants more input.
                        if inputExhausted && (status == Z_BUF_ERROR || stream.pointee.avail_out > 0) {
                            throw GzipError(.truncated, "the gzip stream ends early, after \(input.count) bytes")
                        }
                    case Z_DATA_ERROR, Z_NEED_DICT:
                        throw GzipError(.corrupted, "the gzip data is damaged\(zlibMessage(stream.pointee))")
                    default:
                        throw GzipError(.zlib, "inflate failed with status \(status)\(zlibMessage(stream.pointee))")
                    }
                }
            }
        }
        return try result.get()
    }

    /// `" (zlib: MESSAGE)"` when zlib left a message in `stream.msg`, else the empty string.
    private static func zlibMessage(_ stream: z_stream) -> String {
        guard let message = stream.msg else { return "" }
        return " (zlib: \(String(cString: message)))"
    }
}

/// A gzip stream written piece by piece, so that a file made of several buffers is compressed
/// without first copying them into one, and, with a sink, written out without ever being whole
/// in memory.
package final class GzipCompressor {
    // zlib keeps a pointer back to the stream, so it lives at one fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private let buffer: UnsafeMutablePointer<Bytef>
    private var output = Data()
    private let sink: ((UnsafeRawBufferPointer) throws -> Void)?
    private var finished = false
    private var failure: GzipError?
    /// The first error the sink threw; nothing more is compressed or handed over after it.
    package private(set) var sinkFailure: (any Error)?

    /// Starts a stream.
    ///
    /// - Parameters:
    ///   - level: zlib's compression level, 0 (store) to 9, or -1 for zlib's default.
    ///   - expectedSize: the input's size, if known, to size the output buffer.
    ///   - sink: receives the compressed bytes as they are produced (at most
    ///     ``Gzip/chunkSize`` at a time), instead of their being collected for ``finish()``.
    /// - Throws: ``GzipError`` `zlib` for an invalid level.
    package init(
        level: Int32,
        expectedSize: Int = 0,
        sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws(GzipError) {
        self.sink = sink
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        buffer = .allocate(capacity: Gzip.chunkSize)
        let status = czlib_deflateInit2(stream, level, 31, 8)
        guard status == Z_OK else {
            // deinit still runs and frees both (deflateEnd on a stream that never started is
            // harmless).
            throw GzipError(.zlib, "deflateInit2 failed with status \(status) (level \(level) must be -1...9)")
        }
        if sink == nil {
            output.reserveCapacity(level == 0 ? expectedSize + expectedSize / 8192 * 5 + 64 : expectedSize / 2 + 64)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        buffer.deallocate()
    }

    /// Compresses more input; a failure is kept and thrown by ``finish()``, so that callers can
    /// feed buffers from non-throwing closures.
    package func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, sinkFailure == nil else { return }
        do {
            try feed(bytes)
        } catch {
            failure = error
        }
    }

    private func feed(_ bytes: UnsafeRawBufferPointer) throws(GzipError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var offset = 0
        while offset < bytes.count && sinkFailure == nil {
            let count = min(Gzip.chunkSize, bytes.count - offset)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(count)
            offset += count
            repeat {
                try run(Z_NO_FLUSH)
            } while stream.pointee.avail_in > 0 && sinkFailure == nil
        }
    }

    /// Ends the stream (CRC-32 and length) and returns all of it (nothing, with a sink: check
    /// ``sinkFailure`` then).
    package func finish() throws(GzipError) -> Data {
        precondition(!finished, "finish called twice")
        if let failure { throw failure }
        finished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        while sinkFailure == nil, try run(Z_FINISH) != Z_STREAM_END {}
        return output
    }

    @discardableResult
    private func run(_ flush: Int32) throws(GzipError) -> Int32 {
        stream.pointee.next_out = buffer
        stream.pointee.avail_out = uInt(Gzip.chunkSize)
        let status = deflate(stream, flush)
        let produced = Gzip.chunkSize - Int(stream.pointee.avail_out)
        if let sink {
            if sinkFailure == nil && produced > 0 {
                do {
                    try sink(UnsafeRawBufferPointer(start: buffer, count: produced))
                } catch {
                    sinkFailure = error
                }
            }
        } else {
            output.append(buffer, count: produced)
        }
        switch status {
        case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
            return status
        default:
            let message = stream.pointee.msg.map { " (zlib: \(String(cString: $0)))" } ?? ""
            throw GzipError(.zlib, "deflate failed with status \(status)\(message)")
        }
    }
}
