import RunnerModel

/// The declaration of one config field or plugin parameter: its name, type, valid range,
/// default and a one-line help text.
///
/// Spec validation and `runner plugins` are generated from these (the README's lists of fields
/// are written by hand; `runner plugins` is the complete one).
public struct ParameterSpec: Sendable {
    /// The kind of value and what range is valid.
    public enum Kind: Sendable {
        /// A whole number in a closed range.
        case integer(ClosedRange<Int>)
        /// A finite double within the bounds.
        case number(NumberBounds)
        /// A non-empty list of finite doubles, each within the bounds.
        case numbers(NumberBounds)
        /// One of the given names.
        case choice([String])
        /// A name of the user's (a run id, a file path).
        case text
        /// `true` or `false`.
        case boolean
    }

    /// Whether the field must be given.
    public enum Requirement: Sendable {
        /// The field may be left out; it then takes this value.
        case defaulted(ParameterValue)
        /// The field may be left out; it then takes this value, and at this value the canonical
        /// config leaves it out: a field added after runs were recorded, whose default reproduces
        /// what those runs computed, so that their configs keep their run ids.
        case implied(ParameterValue)
        /// The field may be left out; it then has no value.
        case optional
        /// The field must be given.
        case required
    }

    /// The key in the spec's section.
    public var name: String
    /// The kind and valid range.
    public var kind: Kind
    /// The default, or whether the field may be missing.
    public var requirement: Requirement
    /// One line of help.
    public var help: String

    /// Declares a parameter.
    public init(_ name: String, _ kind: Kind, _ requirement: Requirement, help: String) {
        self.name = name
        self.kind = kind
        self.requirement = requirement
        self.help = help
    }

    /// The type as `runner plugins` prints it (`integer >= 1`, `number > 0`, `sgd|momentum|adam`).
    public var typeDescription: String {
        switch kind {
        case .integer(let range):
            if range.upperBound == Int.max {
                return range.lowerBound == Int.min ? "integer" : "integer >= \(range.lowerBound)"
            }
            return "integer in [\(range.lowerBound), \(range.upperBound)]"
        case .number(let bounds):
            return bounds.isUnbounded ? "number" : "number \(bounds)"
        case .numbers(let bounds):
            return bounds.isUnbounded ? "list of numbers" : "list of numbers, each \(bounds)"
        case .choice(let names):
            return names.joined(separator: "|")
        case .text:
            return "text"
        case .boolean:
            return "true|false"
        }
    }

    /// The default as `runner plugins` prints it.
    public var defaultDescription: String {
        switch requirement {
        case .defaulted(let value), .implied(let value): value.description
        case .optional: "(none)"
        case .required: "(required)"
        }
    }
}

/// Bounds on a double: each end open, closed or absent. Values must also be finite.
public struct NumberBounds: Sendable, Equatable, CustomStringConvertible {
    /// The lower end, if any.
    public var lower: Double?
    /// Whether the lower end is allowed.
    public var lowerInclusive: Bool
    /// The upper end, if any.
    public var upper: Double?
    /// Whether the upper end is allowed.
    public var upperInclusive: Bool

    /// Any finite double.
    public static let any = NumberBounds(lower: nil, lowerInclusive: false, upper: nil, upperInclusive: false)
    /// `> 0`.
    public static let positive = NumberBounds(lower: 0, lowerInclusive: false, upper: nil, upperInclusive: false)
    /// `>= 0`.
    public static let nonNegative = NumberBounds(lower: 0, lowerInclusive: true, upper: nil, upperInclusive: false)

    /// `[lower, upper)` style bounds.
    public static func range(_ lower: Double, _ upper: Double, upperInclusive: Bool = false) -> NumberBounds {
        NumberBounds(lower: lower, lowerInclusive: true, upper: upper, upperInclusive: upperInclusive)
    }

    /// Whether there are no bounds at all.
    public var isUnbounded: Bool { lower == nil && upper == nil }

    /// Whether `value` is finite and within the bounds.
    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, upperInclusive ? value > upper : value >= upper { return false }
        return true
    }

    /// A bound as people write it: `0`, `1`, `0.5`, `1e-08`.
    package static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    /// `> 0`, `>= 0`, `in [0, 1)`, ...
    public var description: String {
        switch (lower, upper) {
        case (nil, nil): "finite"
        case (let lower?, nil): "\(lowerInclusive ? ">=" : ">") \(Self.format(lower))"
        case (nil, let upper?): "\(upperInclusive ? "<=" : "<") \(Self.format(upper))"
        case (let lower?, let upper?):
            "in \(lowerInclusive ? "[" : "(")\(Self.format(lower)), \(Self.format(upper))\(upperInclusive ? "]" : ")")"
        }
    }
}
