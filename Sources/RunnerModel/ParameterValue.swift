/// A typed value of one config field or plugin parameter.
public enum ParameterValue: Hashable, Sendable {
    /// A whole number (sizes, counts, seeds).
    case integer(Int)
    /// A finite double.
    case number(Double)
    /// A list of finite doubles (a target sequence).
    case numbers([Double])
    /// A name (a plugin, a cell output, a run id).
    case text(String)
    /// A flag.
    case boolean(Bool)

    /// The value as a double, for integers and numbers.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The value as an integer, for integers.
    public var intValue: Int? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The value as a list of doubles.
    public var numbersValue: [Double]? {
        if case .numbers(let value) = self { value } else { nil }
    }

    /// The value as text.
    public var textValue: String? {
        if case .text(let value) = self { value } else { nil }
    }

    /// The value as a flag.
    public var boolValue: Bool? {
        if case .boolean(let value) = self { value } else { nil }
    }

    /// The value as a config tree node.
    public var configValue: ConfigValue {
        switch self {
        case .integer(let value): .integer(value)
        case .number(let value): .number(value)
        case .numbers(let values): .array(values.map { .number($0) })
        case .text(let value): .string(value)
        case .boolean(let value): .bool(value)
        }
    }
}

extension ParameterValue: CustomStringConvertible {
    /// The value as written in canonical JSON (`0.1`, `[-0.5, 0.2]`, `"sgd"`).
    public var description: String {
        switch self {
        case .text(let value): value
        default: configValue.canonicalJSON
        }
    }
}
