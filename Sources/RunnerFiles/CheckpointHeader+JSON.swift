import Foundation

// MARK: - Writing the header's JSON directly

extension CheckpointHeader {
    /// The header as UTF-8 JSON, byte for byte what ``Checkpoint/headerEncoder`` (`JSONEncoder`
    /// with `.sortedKeys` and `.withoutEscapingSlashes`) writes, without going through `Codable`.
    ///
    /// `JSONEncoder` took about a tenth of the time of writing a final checkpoint of the seed
    /// sweep (0.1 ms a header); this writes the same bytes a hundred times faster. The keys come in
    /// the order of their UTF-8 bytes, as `JSONEncoder` sorts them; strings are escaped as it
    /// escapes them: `"` and `\` with a backslash, `\b` `\f` `\n` `\r` `\t`, other control
    /// characters as `\u00XX` (lowercase hex), everything else (`/` and non-ASCII included) as is.
    /// A test compares the two on headers with every control character in them.
    package var sortedKeysJSON: Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + config.utf8.count + 40 * arrays.count)
        func key(_ name: StaticString, first: Bool = false) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: "\":".utf8)
        }
        func integer(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }
        func string(_ text: String) { Self.appendJSONString(text, to: &bytes) }
        // Keys in UTF-8 order: arrays, cellOutput, config, hiddenSize, inputSize, iteration, kind,
        // payloadSHA256, readoutSize, runID (and name, shape inside each array entry).
        bytes.append(UInt8(ascii: "{"))
        key("arrays", first: true)
        bytes.append(UInt8(ascii: "["))
        for (index, array) in arrays.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "{"))
            key("name", first: true)
            string(array.name)
            key("shape")
            bytes.append(UInt8(ascii: "["))
            for (position, extent) in array.shape.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                integer(extent)
            }
            bytes.append(contentsOf: "]}".utf8)
        }
        bytes.append(UInt8(ascii: "]"))
        key("cellOutput")
        string(cellOutput)
        key("config")
        string(config)
        key("hiddenSize")
        integer(hiddenSize)
        key("inputSize")
        integer(inputSize)
        key("iteration")
        integer(iteration)
        key("kind")
        string(kind.rawValue)
        key("payloadSHA256")
        string(payloadSHA256)
        key("readoutSize")
        integer(readoutSize)
        key("runID")
        string(runID)
        bytes.append(UInt8(ascii: "}"))
        return Data(bytes)
    }

    /// Appends `text` as a quoted JSON string, escaped as `JSONEncoder` escapes it with
    /// `.withoutEscapingSlashes`.
    private static func appendJSONString(_ text: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x08: bytes.append(contentsOf: "\\b".utf8)
            case 0x0c: bytes.append(contentsOf: "\\f".utf8)
            case 0x0a: bytes.append(contentsOf: "\\n".utf8)
            case 0x0d: bytes.append(contentsOf: "\\r".utf8)
            case 0x09: bytes.append(contentsOf: "\\t".utf8)
            case 0x00...0x1f:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
