/// An untyped config tree as read from a JSON or property-list spec file, before validation.
///
/// Numbers written without a fraction decode as ``integer(_:)``, others as ``number(_:)``;
/// validation converts between the two where the schema asks for it.
public indirect enum ConfigValue: Hashable, Sendable {
    /// `true` or `false`.
    case bool(Bool)
    /// A number without a fraction.
    case integer(Int)
    /// Any other number.
    case number(Double)
    /// A string.
    case string(String)
    /// A list.
    case array([ConfigValue])
    /// A dictionary.
    case object([String: ConfigValue])
    /// JSON `null`.
    case null

    /// A short description for messages: the value as JSON, cut at 60 characters.
    public var shortDescription: String {
        let text = canonicalJSON
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    /// What kind of value this is, for messages (`a string`, `a list`).
    public var kindDescription: String {
        switch self {
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a dictionary"
        case .null: "null"
        }
    }

    /// Canonical JSON: keys sorted by their UTF-8 bytes, no white space, integers as integers,
    /// doubles in Swift's shortest round-trip form (`0.1`, `1e-05`, `100.0`), strings with the
    /// minimal JSON escapes.
    ///
    /// Two equal trees always give the same text, which is what run ids hash.
    public var canonicalJSON: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .bool(let value):
            output += value ? "true" : "false"
        case .integer(let value):
            output += String(value)
        case .number(let value):
            output += value.isFinite ? "\(value)" : "null"
        case .string(let value):
            Self.writeString(value, to: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let fields):
            output += "{"
            for (index, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                fields[key]?.write(to: &output)
            }
            output += "}"
        case .null:
            output += "null"
        }
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension ConfigValue: Decodable {
    /// Decodes any JSON or property-list value; integers are tried before doubles.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConfigValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ConfigValue].self))
        }
    }
}
