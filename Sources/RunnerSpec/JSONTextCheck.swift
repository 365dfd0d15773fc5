import Foundation

/// Checks a JSON spec's text for what Foundation's decoder lets through silently or reports
/// without a place: a key repeated in one dictionary (the decoder keeps the first, Python's
/// `json` the last), a number beyond float64's range (`1e999`, `1e-999`), and nesting deeper
/// than ``maximumDepth`` levels.
///
/// It reads the text once, keeping the key path and the line and column of each value. It is a
/// check, not the parser: on a syntax error it stops and reports nothing, and the decoder's own
/// message (with its position) is given instead.
package struct JSONTextCheck {
    /// How deeply lists and dictionaries may nest; a spec needs four levels.
    package static let maximumDepth = 100

    /// The file named in errors.
    private let file: String
    /// The text as UTF-8, after any byte-order mark.
    private let bytes: [UInt8]
    private var index = 0

    /// The first problem in a spec's JSON text, if it has one.
    ///
    /// - Parameters:
    ///   - data: the file's bytes (UTF-8, or UTF-16 or UTF-32 as JSON allows).
    ///   - file: the file, as the user named it.
    /// - Returns: a ``SpecError`` naming the key path, the line and the column, or `nil`.
    package static func problem(in data: Data, file: String) -> SpecError? {
        guard let bytes = utf8(data) else { return nil }
        var check = JSONTextCheck(file: file, bytes: bytes)
        do {
            try check.value(path: "", depth: 1)
            return nil
        } catch {
            return error.problem
        }
    }

    /// The text as UTF-8 bytes: UTF-8 as is (without a byte-order mark), UTF-16 and UTF-32
    /// (recognised by their byte-order mark or their zero bytes, as RFC 8259 describes) converted.
    ///
    /// - Parameter data: the file's bytes.
    /// - Returns: the bytes, or `nil` when the encoding cannot be read.
    package static func utf8(_ data: Data) -> [UInt8]? {
        let head = Array(data.prefix(4)) + [1, 1, 1, 1]
        let encoding: String.Encoding
        switch (head[0], head[1], head[2], head[3]) {
        case (0xEF, 0xBB, 0xBF, _): return Array(data.dropFirst(3))
        case (0, 0, 0xFE, 0xFF), (0, 0, 0, _): encoding = .utf32BigEndian
        case (0xFF, 0xFE, 0, 0), (_, 0, 0, 0): encoding = .utf32LittleEndian
        case (0xFE, 0xFF, _, _), (0, _, _, _): encoding = .utf16BigEndian
        case (0xFF, 0xFE, _, _), (_, 0, _, _): encoding = .utf16LittleEndian
        default: return Array(data)
        }
        var text = data
        let marks: [[UInt8]] = [[0, 0, 0xFE, 0xFF], [0xFF, 0xFE, 0, 0], [0xFE, 0xFF], [0xFF, 0xFE]]
        if let mark = marks.first(where: { data.starts(with: $0) }) { text = data.dropFirst(mark.count) }
        return String(data: text, encoding: encoding).map { Array($0.utf8) }
    }

    // MARK: - Scanning

    /// Why scanning stopped.
    private enum Stop: Error {
        /// Not valid JSON here: the decoder reports it.
        case syntax
        /// A problem to report.
        case problem(SpecError)

        var problem: SpecError? {
            if case .problem(let error) = self { return error }
            return nil
        }
    }

    private init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhiteSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    /// `line L, column C` of the byte at `offset`, columns counted in characters.
    private func position(_ offset: Int) -> String {
        var line = 1
        var lineStart = 0
        for (at, byte) in bytes[..<offset].enumerated() where byte == 0x0A {
            line += 1
            lineStart = at + 1
        }
        let column = bytes[lineStart..<offset].filter { $0 & 0xC0 != 0x80 }.count + 1
        return "line \(line), column \(column)"
    }

    private func problem(_ code: SpecError.Code, _ path: String, _ text: String) -> Stop {
        .problem(SpecError(code, file: file, keyPath: path.isEmpty ? nil : path, text))
    }

    /// Scans one value and what it contains; `depth` counts the lists and dictionaries it is in,
    /// itself included if it is one.
    private mutating func value(path: String, depth: Int) throws(Stop) {
        skipWhiteSpace()
        guard let byte = current else { throw .syntax }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth <= Self.maximumDepth else {
                throw problem(
                    .syntax, "",
                    "nests lists and dictionaries more than \(Self.maximumDepth) levels deep (\(position(index))); "
                        + "a spec needs only a few levels.")
            }
            index += 1
            if byte == UInt8(ascii: "{") {
                try object(path: path, depth: depth)
            } else {
                try array(path: path, depth: depth)
            }
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number(path: path)
        default:
            for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return
            }
            throw .syntax
        }
    }

    /// The members of a dictionary, after its `{`; a trailing comma is let through, as the
    /// decoder lets it through.
    private mutating func object(path: String, depth: Int) throws(Stop) {
        var keys: Set<String> = []
        while true {
            skipWhiteSpace()
            if current == UInt8(ascii: "}") {
                index += 1
                return
            }
            guard current == UInt8(ascii: "\"") else { throw .syntax }
            let start = index
            let key = try string()
            let child = path.isEmpty ? key : "\(path).\(key)"
            guard keys.insert(key).inserted else {
                throw problem(
                    .syntax, child,
                    "appears twice in one dictionary (the second time at \(position(start))); keep one of them.")
            }
            skipWhiteSpace()
            guard current == UInt8(ascii: ":") else { throw .syntax }
            index += 1
            try value(path: child, depth: depth + 1)
            skipWhiteSpace()
            if current == UInt8(ascii: ",") {
                index += 1
            } else if current != UInt8(ascii: "}") {
                throw .syntax
            }
        }
    }

    /// The elements of a list, after its `[`.
    private mutating func array(path: String, depth: Int) throws(Stop) {
        var count = 0
        while true {
            skipWhiteSpace()
            if current == UInt8(ascii: "]") {
                index += 1
                return
            }
            try value(path: "\(path)[\(count)]", depth: depth + 1)
            count += 1
            skipWhiteSpace()
            if current == UInt8(ascii: ",") {
                index += 1
            } else if current != UInt8(ascii: "]") {
                throw .syntax
            }
        }
    }

    /// A string from its opening quote, escapes decoded.
    private mutating func string() throws(Stop) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var start = index
        func flush(_ end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[start..<end], as: UTF8.self).unicodeScalars)
        }
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                flush(index)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(index)
                index += 1
                guard let escaped = current else { throw .syntax }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                    scalars.append(Unicode.Scalar(escaped))
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hexQuad()
                    if (0xD800..<0xDC00).contains(code), bytes[index...].starts(with: "\\u".utf8) {
                        index += 2
                        let low = try hexQuad()
                        guard (0xDC00..<0xE000).contains(low) else { throw .syntax }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw .syntax }
                    scalars.append(scalar)
                default:
                    throw .syntax
                }
                start = index
            case 0..<0x20:
                throw .syntax
            default:
                index += 1
            }
        }
        throw .syntax
    }

    private mutating func hexQuad() throws(Stop) -> UInt32 {
        guard index + 4 <= bytes.count,
            let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
        else { throw .syntax }
        index += 4
        return code
    }

    /// A number; one that float64 cannot hold (its magnitude over about 1.8e308, or a non-zero
    /// one that rounds to 0) is a problem.
    private mutating func number(path: String) throws(Stop) {
        let start = index
        func digits() {
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        }
        if current == UInt8(ascii: "-") { index += 1 }
        digits()
        if current == UInt8(ascii: ".") {
            index += 1
            digits()
        }
        let mantissaEnd = index
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            digits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text) else { throw .syntax }
        let nonZero = bytes[start..<mantissaEnd].contains { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }
        guard value.isFinite, value != 0 || !nonZero else {
            throw problem(
                .outOfRange, path,
                "is \(text) (\(position(start))), beyond the range of a float64 number (magnitudes from about 5e-324 "
                    + "to 1.8e308); write a number in that range.")
        }
    }
}
