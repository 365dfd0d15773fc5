import Foundation

/// The NumPy `.npy` format (versions 1.0 to 3.0) for the arrays inside an `.npz` file.
///
/// A file is the magic `\x93NUMPY`, a major and a minor version byte, the header length
/// (`UInt16` LE for 1.0, `UInt32` LE for 2.0 and 3.0), the header (a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }`, padded with spaces and ending in
/// a newline), then the data.
package enum NPYFormat {
    /// `\x93NUMPY`.
    package static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    // MARK: - Writing

    /// `array` as a version 1.0 `.npy` file of dtype `<f8` in C order.
    ///
    /// The header is padded with spaces and ends in a newline so that the data starts at a
    /// multiple of 64 bytes.
    ///
    /// - Parameters:
    ///   - array: The array; its values fill its shape.
    ///   - file: The `.npz` path to name in errors.
    /// - Returns: The file's bytes.
    /// - Throws: ``NPZError`` `invalidArray` when the shape has so many dimensions that the header
    ///   exceeds version 1.0's 65535 bytes.
    package static func encode(_ array: NamedArray, file: String) throws(NPZError) -> Data {
        let dimensions = array.shape.map(String.init)
        let shape =
            switch dimensions.count {
            case 0: "()"
            case 1: "(\(dimensions[0]),)"
            default: "(" + dimensions.joined(separator: ", ") + ")"
            }
        var header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }".utf8)
        let unpadded = magic.count + 4 + header.count + 1
        header += repeatElement(UInt8(ascii: " "), count: (64 - unpadded % 64) % 64)
        header.append(UInt8(ascii: "\n"))
        guard header.count <= Int(UInt16.max) else {
            throw NPZError(
                .invalidArray,
                file: file,
                array: array.name,
                message: "the shape has too many dimensions (\(array.shape.count)) for a .npy header; reshape it."
            )
        }
        var data = Data(capacity: magic.count + 4 + header.count + 8 * array.values.count)
        data.append(contentsOf: magic)
        data.append(contentsOf: [1, 0])
        withUnsafeBytes(of: UInt16(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        NamedArray.appendLittleEndian(array.values, to: &data)
        return data
    }

    // MARK: - Reading

    /// The element types the reader loads, by their NumPy `descr`.
    package enum ElementType: String {
        /// Little-endian float64.
        case float64 = "<f8"
        /// Little-endian int64.
        case int64 = "<i8"
        /// One byte per element, zero for false.
        case bool = "|b1"

        /// Bytes per element.
        package var size: Int { self == .bool ? 1 : 8 }
    }

    /// How many bytes the `.npy` file that starts with `prefix` declares (prefix, header and
    /// data), so that an entry can be read no further than that: `nil` while `prefix` is too short
    /// to hold the header, and `prefix.count` when it does not declare a size (no magic, a header
    /// that does not parse; ``decode(_:name:file:)`` then says what is wrong).
    static func declaredLength(_ prefix: Data) -> Int? {
        let bytes = [UInt8](prefix.prefix(12))
        guard bytes.count >= 10 else { return nil }
        guard bytes.prefix(magic.count).elementsEqual(magic) else { return prefix.count }
        let headerStart: Int
        let headerLength: Int
        switch bytes[6] {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { return nil }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            return prefix.count
        }
        guard prefix.count >= headerStart + headerLength else { return nil }
        let start = prefix.startIndex + headerStart
        guard let header = try? Header(parsing: Array(prefix[start..<(start + headerLength)])),
            let type = ElementType(rawValue: header.descr),
            let count = NamedArray.elementCount(of: header.shape),
            count <= (Int.max - headerStart - headerLength) / type.size
        else { return prefix.count }
        return headerStart + headerLength + count * type.size
    }

    /// What ``decode(_:name:file:)`` says about `data`, which it refuses (the bytes of an entry
    /// cut off past their declared size).
    static func decodeError(_ data: Data, name: String, file: String) -> NPZError {
        do {
            _ = try decode(data, name: name, file: file)
        } catch {
            return error
        }
        return NPZError(.malformed, file: file, array: name, message: "it holds more data than its header declares")
    }

    /// Parses a `.npy` file into an array of doubles.
    ///
    /// - Parameters:
    ///   - data: The `.npy` file's bytes.
    ///   - name: The array's name, for the result and for errors.
    ///   - file: The `.npz` path to name in errors.
    /// - Returns: The array, `<i8` and `|b1` values converted to `Double`.
    /// - Throws: ``NPZError`` `malformed` for a damaged file, `unsupported` for a dtype other than
    ///   `<f8`, `<i8`, `|b1`, or for Fortran order.
    package static func decode(_ data: Data, name: String, file: String) throws(NPZError) -> NamedArray {
        try decodeTyped(data, name: name, file: file).array
    }

    /// ``decode(_:name:file:)`` that also says which element type the file stored (what tells
    /// integer labels from float targets once both are doubles).
    package static func decodeTyped(_ data: Data, name: String, file: String) throws(NPZError)
        -> (array: NamedArray, type: ElementType)
    {
        let result = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            Result { () throws(NPZError) -> (array: NamedArray, type: ElementType) in
                try decode(bytes, name: name, file: file)
            }
        }
        return try result.get()
    }

    /// ``decodeTyped(_:name:file:)`` on the bytes of the `.npy` file.
    private static func decode(_ bytes: UnsafeRawBufferPointer, name: String, file: String) throws(NPZError)
        -> (array: NamedArray, type: ElementType)
    {
        func malformed(_ message: String) -> NPZError {
            NPZError(.malformed, file: file, array: name, message: message + "; the file is damaged: write it again.")
        }
        guard bytes.count >= 10, bytes.prefix(magic.count).elementsEqual(magic) else {
            throw malformed("it does not start with the .npy magic \\x93NUMPY")
        }
        let major = bytes[6]
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        case 2, 3:
            guard bytes.count >= 12 else { throw malformed("it ends inside the .npy prefix") }
            headerStart = 12
            headerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        default:
            throw NPZError(
                .unsupported,
                file: file,
                array: name,
                message: ".npy format version \(major).\(bytes[7]) is not one this reader knows (1.0 to 3.0); "
                    + "save it with an older numpy."
            )
        }
        guard headerLength <= bytes.count - headerStart else {
            throw malformed("the header length \(headerLength) runs past the end of the entry")
        }
        let headerBytes = Array(bytes[headerStart..<(headerStart + headerLength)])
        let header: Header
        do throws(ParseError) {
            header = try Header(parsing: headerBytes)
        } catch {
            throw malformed("the header does not parse (\(error.reason))")
        }
        guard let type = ElementType(rawValue: header.descr) else {
            throw NPZError(
                .unsupported,
                file: file,
                array: name,
                message: "dtype '\(header.descr)' is not supported (only '<f8', '<i8', '|b1'); "
                    + "save it as float64 with a.astype(numpy.float64)."
            )
        }
        guard !header.fortranOrder else {
            throw NPZError(
                .unsupported,
                file: file,
                array: name,
                message: "it is stored in Fortran order; save numpy.ascontiguousarray(a) instead."
            )
        }
        let dataStart = headerStart + headerLength
        guard let count = NamedArray.elementCount(of: header.shape), count <= (Int.max - dataStart) / type.size
        else {
            throw malformed("the shape \(header.shape) is invalid")
        }
        let expected = count * type.size
        guard bytes.count - dataStart == expected else {
            throw malformed(
                "it holds \(bytes.count - dataStart) bytes of data but shape \(header.shape) needs \(expected)")
        }
        let values: [Double]
        switch type {
        case .float64:
            values = NamedArray.readLittleEndian(bytes, offset: dataStart, count: count)
        case .int64:
            values = (0..<count).map { index in
                let bits = bytes.loadUnaligned(fromByteOffset: dataStart + 8 * index, as: Int64.self)
                return Double(Int64(littleEndian: bits))
            }
        case .bool:
            values = (0..<count).map { bytes[dataStart + $0] == 0 ? 0 : 1 }
        }
        return (NamedArray(name: name, shape: header.shape, values: values), type)
    }
}

// MARK: - Header

extension NPYFormat {
    /// The three keys of a `.npy` header.
    package struct Header: Equatable {
        /// The dtype, such as `<f8`.
        package var descr: String
        /// Whether the data is in column-major order.
        package var fortranOrder: Bool
        /// The extents of the dimensions.
        package var shape: [Int]

        /// Parses the header dict literal.
        ///
        /// - Parameter bytes: The header's bytes, padding and newline included.
        /// - Throws: ``NPYFormat/ParseError`` when it is not a dict with the three keys.
        package init(parsing bytes: [UInt8]) throws(ParseError) {
            var parser = PythonLiteralParser(bytes: bytes)
            let value = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.isAtEnd else { throw ParseError(reason: "text follows the dict") }
            guard case .dict(let entries) = value else { throw ParseError(reason: "it is not a dict") }
            func entry(_ key: String) throws(ParseError) -> PythonLiteral {
                guard let value = entries.first(where: { $0.key == key })?.value else {
                    throw ParseError(reason: "the key '\(key)' is missing")
                }
                return value
            }
            switch try entry("descr") {
            case .string(let text): descr = text
            default: descr = "a structured dtype"
            }
            guard case .bool(let fortran) = try entry("fortran_order") else {
                throw ParseError(reason: "'fortran_order' is not True or False")
            }
            fortranOrder = fortran
            guard case .tuple(let items) = try entry("shape") else {
                throw ParseError(reason: "'shape' is not a tuple")
            }
            var shape: [Int] = []
            for item in items {
                guard case .int(let extent) = item, extent >= 0 else {
                    throw ParseError(reason: "'shape' holds something other than non-negative integers")
                }
                shape.append(extent)
            }
            self.shape = shape
        }
    }

    /// Why a header did not parse.
    package struct ParseError: Error {
        /// What is wrong.
        package var reason: String
    }

    /// The Python literals a `.npy` header uses.
    package indirect enum PythonLiteral {
        case string(String)
        case int(Int)
        case bool(Bool)
        case null
        case tuple([PythonLiteral])
        case list([PythonLiteral])
        case dict([(key: String, value: PythonLiteral)])
    }

    /// A recursive-descent parser for the subset of Python literals that `numpy.lib.format` writes:
    /// dicts, tuples, lists, quoted strings, integers, `True`, `False` and `None`.
    package struct PythonLiteralParser {
        package let bytes: [UInt8]
        package var index = 0

        package init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        package var isAtEnd: Bool { index >= bytes.count }

        package mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
        }

        package mutating func parseValue() throws(ParseError) -> PythonLiteral {
            skipWhitespace()
            guard index < bytes.count else { throw ParseError(reason: "it ends where a value was expected") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var entries: [(key: String, value: PythonLiteral)] = []
                for item in try parseItems(closing: UInt8(ascii: "}"), keyed: true) {
                    guard case .tuple(let pair) = item, pair.count == 2, case .string(let key) = pair[0] else {
                        throw ParseError(reason: "a dict key is not a string")
                    }
                    entries.append((key, pair[1]))
                }
                return .dict(entries)
            case UInt8(ascii: "("):
                index += 1
                return .tuple(try parseItems(closing: UInt8(ascii: ")"), keyed: false))
            case UInt8(ascii: "["):
                index += 1
                return .list(try parseItems(closing: UInt8(ascii: "]"), keyed: false))
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .int(try parseInt())
            default:
                for (word, value) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .null)]
                where bytes[index...].starts(with: word.utf8) {
                    index += word.utf8.count
                    return value
                }
                throw ParseError(reason: "unexpected character at offset \(index)")
            }
        }

        /// Comma-separated items up to `closing` (a trailing comma allowed); for a dict, each item
        /// is a `key: value` pair returned as a two-element tuple.
        private mutating func parseItems(closing: UInt8, keyed: Bool) throws(ParseError) -> [PythonLiteral] {
            var items: [PythonLiteral] = []
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw ParseError(reason: "a bracket is not closed") }
                if bytes[index] == closing {
                    index += 1
                    return items
                }
                var item = try parseValue()
                if keyed {
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                        throw ParseError(reason: "a dict key is not followed by ':'")
                    }
                    index += 1
                    item = .tuple([item, try parseValue()])
                }
                items.append(item)
                skipWhitespace()
                guard index < bytes.count else { throw ParseError(reason: "a bracket is not closed") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] != closing {
                    throw ParseError(reason: "expected ',' at offset \(index)")
                }
            }
        }

        private mutating func parseString() throws(ParseError) -> String {
            let quote = bytes[index]
            index += 1
            var text: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == quote { return String(decoding: text, as: UTF8.self) }
                if byte == UInt8(ascii: "\\"), index < bytes.count {
                    text.append(bytes[index])
                    index += 1
                } else {
                    text.append(byte)
                }
            }
            throw ParseError(reason: "a string is not closed")
        }

        private mutating func parseInt() throws(ParseError) -> Int {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard let value = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw ParseError(reason: "the integer at offset \(start) is invalid or too large")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "L") { index += 1 }
            return value
        }
    }
}
