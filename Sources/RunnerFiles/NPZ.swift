import Foundation
import ZIPFoundation

/// NumPy `.npz` files: a ZIP archive with one `.npy` array per entry, as `numpy.savez` writes and
/// `numpy.load` reads.
///
/// The writer stores each array as `NAME.npy` (uncompressed, like `numpy.savez`), in `.npy` format
/// version 1.0, dtype `<f8`, C order, with the header padded so the data starts at a multiple of
/// 64 bytes. The reader loads `<f8`, `<i8` and `|b1` arrays in C order, converting the last two
/// to `Double` (integers beyond 2^53 round to the nearest double), from `.npy` versions 1.0 to 3.0.
public enum NPZ {
    /// The modification time given to every entry, so that equal arrays give equal files.
    package static let entryDate = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z

    /// Writes `arrays` to `url` atomically (a temporary file in the same directory, then a rename).
    ///
    /// - Parameters:
    ///   - arrays: The arrays, stored in this order; names must be unique and non-empty.
    ///   - url: The `.npz` file; its directory must exist.
    /// - Throws: ``NPZError``: `invalidArray` for a bad name or values that do not fill a shape,
    ///   `io` when the file cannot be written.
    public static func write(_ arrays: [NamedArray], to url: URL) throws(NPZError) {
        let file = url.relativePath
        var names = Set<String>()
        for array in arrays {
            guard !array.name.isEmpty, names.insert(array.name).inserted else {
                throw NPZError(
                    .invalidArray,
                    file: file,
                    array: array.name,
                    message: "the name is empty or repeated; give each array a unique, non-empty name."
                )
            }
            guard array.elementCount == array.values.count else {
                throw NPZError(
                    .invalidArray,
                    file: file,
                    array: array.name,
                    message: "shape \(array.shape) does not hold \(array.values.count) values; "
                        + "the values must fill the shape exactly."
                )
            }
        }
        do {
            try AtomicFile.write(to: url) { temporary in
                let archive = try Archive(url: temporary, accessMode: .create)
                for array in arrays {
                    let entry = try NPYFormat.encode(array, file: file)
                    try archive.addEntry(
                        with: array.name + ".npy",
                        type: .file,
                        uncompressedSize: Int64(entry.count),
                        modificationDate: entryDate,
                        compressionMethod: .none
                    ) { position, size in
                        let start = Int(position)
                        return entry.subdata(in: start..<min(entry.count, start + size))
                    }
                }
            }
        } catch let error as NPZError {
            throw error
        } catch let error as AtomicFileError {
            throw NPZError(.io, file: file, message: error.summary)
        } catch {
            throw NPZError(
                .io,
                file: file,
                message: "the ZIP writer failed: \(AtomicFileError.reason(of: error)); "
                    + "check that the directory exists and is writable and that the disk has space."
            )
        }
    }

    /// Reads every array in the `.npz` file at `url`, in the archive's order.
    ///
    /// - Parameter url: The `.npz` file.
    /// - Returns: The arrays, named after their entries without `.npy`.
    /// - Throws: ``NPZError``: `io` when the file cannot be opened or is not a regular file,
    ///   `notAnArchive` when it is not a ZIP file, `malformed` for an entry that is not a valid
    ///   `.npy` array or whose CRC-32 does not match its data, `unsupported` for a
    ///   dtype other than `<f8`, `<i8`, `|b1` or for Fortran order.
    public static func read(from url: URL) throws(NPZError) -> [NamedArray] {
        let data: Data
        do {
            data = try POSIXFile.readAll(url.path)
        } catch {
            throw NPZError(.io, file: url.relativePath, message: error.summary)
        }
        return try read(data: data, file: url.relativePath)
    }

    /// Reads every array of an `.npz` file's bytes, in the archive's order.
    ///
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - file: The path to name in errors.
    /// - Returns: The arrays, named after their entries without `.npy`.
    /// - Throws: ``NPZError`` as ``read(from:)`` does.
    public static func read(data: Data, file: String) throws(NPZError) -> [NamedArray] {
        try readTyped(data: data, file: file).map(\.array)
    }

    /// ``read(data:file:)`` that also gives each array's stored element type.
    ///
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - file: The path to name in errors.
    /// - Returns: The arrays and their element types, in the archive's order.
    /// - Throws: ``NPZError`` as ``read(from:)`` does.
    package static func readTyped(data: Data, file: String) throws(NPZError)
        -> [(array: NamedArray, type: NPYFormat.ElementType)]
    {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw NPZError(
                .notAnArchive,
                file: file,
                message: "it is not a ZIP archive (\(AtomicFileError.reason(of: error))); "
                    + "an .npz file is what numpy.savez writes: check the path."
            )
        }
        var arrays: [(array: NamedArray, type: NPYFormat.ElementType)] = []
        var seen: Set<String> = []
        for entry in archive where entry.type == .file {
            let path = entry.path
            guard seen.insert(path).inserted else {
                // numpy.load would take the last of them, another reader the first.
                throw NPZError(
                    .malformed, file: file, array: String(path.dropLast(4)),
                    message: "the archive holds \(path) twice; write the file again with each array once.")
            }
            guard path.hasSuffix(".npy") else {
                throw NPZError(
                    .malformed,
                    file: file,
                    array: path,
                    message: "the entry is not a .npy array; an .npz file holds only NAME.npy entries."
                )
            }
            let name = String(path.dropLast(4))
            var contents = Data()
            contents.reserveCapacity(Int(clamping: min(entry.uncompressedSize, 1 << 30)))
            let checksum: CRC32
            // Inflated no further than the .npy header declares: a small entry that inflates to
            // gigabytes (a ZIP bomb) costs one chunk past that, and decode says the size is wrong.
            var limit: Int?
            do {
                checksum = try archive.extract(entry) { chunk in
                    contents.append(chunk)
                    if limit == nil { limit = NPYFormat.declaredLength(contents) }
                    if let limit, contents.count > limit { throw EntryOverflow() }
                }
            } catch is EntryOverflow {
                throw NPYFormat.decodeError(contents, name: name, file: file)
            } catch {
                throw NPZError(
                    .malformed,
                    file: file,
                    array: name,
                    message: "the entry cannot be extracted (\(error)); the file is damaged: write it again."
                )
            }
            // ZIPFoundation computes the CRC-32 of what it extracts but leaves the comparison to
            // the caller; numpy.load refuses a mismatch ("Bad CRC-32"), and so does this reader.
            guard checksum == entry.checksum else {
                throw NPZError(
                    .malformed,
                    file: file,
                    array: name,
                    message: "the entry's CRC-32 is \(Self.hex(checksum)) but the archive records "
                        + "\(Self.hex(entry.checksum)); the file is damaged: write it again."
                )
            }
            arrays.append(try NPYFormat.decodeTyped(contents, name: name, file: file))
        }
        return arrays
    }

    /// Thrown by the extraction of an entry that holds more than its .npy header declares.
    private struct EntryOverflow: Error {}

    /// A CRC-32 as eight hex digits.
    private static func hex(_ checksum: CRC32) -> String {
        let digits = String(checksum, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
