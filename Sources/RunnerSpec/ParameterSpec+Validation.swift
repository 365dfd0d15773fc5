import RunnerModel

/// Why a value does not fit its declaration: the text that follows the key path in a
/// ``SpecError`` message.
package struct FieldProblem: Error {
    package var code: SpecError.Code
    /// A suffix for the key path, such as `[2]` for one element of a list.
    package var subPath: String = ""
    package var text: String
}

extension ParameterSpec {
    /// Checks a value from a spec file against this declaration.
    ///
    /// - Parameter value: the value as read from the file.
    /// - Returns: the typed value; integers are accepted where numbers are expected, and numbers
    ///   with no fraction where integers are.
    /// - Throws: a ``FieldProblem`` saying what is wrong and how to fix it.
    package func validate(_ value: ConfigValue) throws(FieldProblem) -> ParameterValue {
        switch kind {
        case .integer(let range):
            let integer: Int
            switch value {
            case .integer(let i):
                integer = i
            case .number(let d) where d.rounded() == d && abs(d) < 0x1p62:
                integer = Int(d)
            case .number(let d) where d.rounded() == d && d.isFinite:
                // A whole number too large for an integer (18446744073709551615): out of range.
                throw FieldProblem(
                    code: .outOfRange,
                    text: "is \(ConfigValue.number(d).canonicalJSON); \(name) must be \(rangeText(range)).")
            case .number(let d):
                throw FieldProblem(
                    code: .wrongType, text: "is \(ConfigValue.number(d).canonicalJSON); \(name) must be a whole number."
                )
            default:
                throw wrongType(value, expected: "an " + typeDescription)
            }
            guard range.contains(integer) else {
                throw FieldProblem(code: .outOfRange, text: "is \(integer); \(name) must be \(rangeText(range)).")
            }
            return .integer(integer)
        case .number(let bounds):
            let number = try Self.number(
                value, bounds: bounds, name: name, expected: "a " + typeDescription, subPath: "")
            return .number(number)
        case .numbers(let bounds):
            guard case .array(let elements) = value else {
                throw wrongType(value, expected: "a non-empty list of numbers, such as [-0.5, 0.2]")
            }
            guard !elements.isEmpty else {
                throw FieldProblem(code: .outOfRange, text: "is []; \(name) must be a non-empty list of numbers.")
            }
            var numbers: [Double] = []
            for (index, element) in elements.enumerated() {
                numbers.append(
                    try Self.number(element, bounds: bounds, name: name, expected: "a number", subPath: "[\(index)]")
                )
            }
            return .numbers(numbers)
        case .choice(let names):
            guard case .string(let text) = value else {
                throw wrongType(value, expected: "one of \(names.joined(separator: ", "))")
            }
            guard names.contains(text) else {
                let hint = Suggestion.nearest(to: text, in: names).map { " Did you mean \"\($0)\"?" } ?? ""
                throw FieldProblem(
                    code: .unknownPlugin,
                    text: "is \"\(text)\"; known \(pluralName): \(names.joined(separator: ", ")).\(hint)"
                )
            }
            return .text(text)
        case .text:
            guard case .string(let text) = value, !text.isEmpty else {
                throw wrongType(value, expected: "a non-empty string")
            }
            return .text(text)
        case .boolean:
            guard case .bool(let flag) = value else {
                throw wrongType(value, expected: "true or false")
            }
            return .boolean(flag)
        }
    }

    /// `optimizers` for `optimizer`, `cell outputs` for `cellOutput`, ...
    private var pluralName: String {
        switch name {
        case "plugin": "tasks"
        case "optimizer": "optimizers"
        case "loss": "losses"
        case "cellOutput": "cell outputs"
        default: "values"
        }
    }

    private func rangeText(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? ">= \(range.lowerBound)" : "in [\(range.lowerBound), \(range.upperBound)]"
    }

    private func wrongType(_ value: ConfigValue, expected: String) -> FieldProblem {
        var text = "is \(value.shortDescription) (\(value.kindDescription)); \(name) must be \(expected)."
        if case .string = value, case .number = kind {
            text += " Write the number without quotes."
        } else if case .string = value, case .integer = kind {
            text += " Write the number without quotes."
        }
        return FieldProblem(code: .wrongType, text: text)
    }

    private static func number(
        _ value: ConfigValue,
        bounds: NumberBounds,
        name: String,
        expected: String,
        subPath: String
    ) throws(FieldProblem) -> Double {
        let number: Double
        switch value {
        case .integer(let i): number = Double(i)
        case .number(let d): number = d
        default:
            var text = "is \(value.shortDescription) (\(value.kindDescription)); \(name)\(subPath) must be \(expected)."
            if case .string = value { text += " Write the number without quotes." }
            throw FieldProblem(code: .wrongType, subPath: subPath, text: text)
        }
        guard bounds.contains(number) else {
            let shown = number.isFinite ? ConfigValue.number(number).canonicalJSON : "\(number)"
            let rule = number.isFinite ? "must be \(bounds)" : "must be finite"
            throw FieldProblem(code: .outOfRange, subPath: subPath, text: "is \(shown); \(name) \(rule).")
        }
        return number
    }
}
