import Foundation

/// A value bound to a `?` placeholder or read from a result row, in SQLite's storage classes.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value as a Double when it is a number (integer or real), else nil.
    public var numberValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        case .null, .text: nil
        }
    }
}

// MARK: - SQL comparison semantics

extension SQLValue {
    /// Compares two values the way SQLite does without collation or affinity conversions.
    ///
    /// NULL compares as unknown (nil). Numbers compare numerically, integer against real included;
    /// text compares bytewise on UTF-8 (SQLite's BINARY collation); any number is less than any text.
    ///
    /// - Parameter other: The right-hand operand.
    /// - Returns: The ordering, or nil when either side is NULL or a NaN is involved.
    package func sqlCompare(_ other: SQLValue) -> ComparisonResult? {
        switch (self, other) {
        case (.null, _), (_, .null):
            return nil
        case (.integer(let left), .integer(let right)):
            return left < right ? .orderedAscending : (left == right ? .orderedSame : .orderedDescending)
        case (.text(let left), .text(let right)):
            if left.utf8.elementsEqual(right.utf8) { return .orderedSame }
            return left.utf8.lexicographicallyPrecedes(right.utf8) ? .orderedAscending : .orderedDescending
        case (.text, _):
            return .orderedDescending
        case (_, .text):
            return .orderedAscending
        default:
            // Mixed integer/real or real/real. SQLite stores NaN as NULL, so NaN is unknown.
            guard let left = numberValue, let right = other.numberValue, !left.isNaN, !right.isNaN else {
                return nil
            }
            return left < right ? .orderedAscending : (left == right ? .orderedSame : .orderedDescending)
        }
    }
}
