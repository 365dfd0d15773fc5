import Foundation
import GRDB

extension SQLValue {
    /// A value read from SQLite; a blob reads as text `(blob)`, it is never a column's value here.
    ///
    /// - Parameter value: GRDB's value.
    package init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let integer): self = .integer(integer)
        case .double(let real): self = .real(real)
        case .string(let text): self = .text(text)
        case .blob: self = .text("(blob)")
        }
    }

    /// The value to bind to a `?` placeholder.
    package var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .real(let real): real.databaseValue
        case .text(let text): text.databaseValue
        }
    }

    /// Orders values as `ORDER BY` does: NULL first, then numbers, then text.
    ///
    /// - Parameters:
    ///   - left: The first value.
    ///   - right: The second value.
    /// - Returns: Whether `left` sorts before `right`.
    package static func sortsBefore(_ left: SQLValue, _ right: SQLValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return false
        case (.null, _): return true
        case (_, .null): return false
        default: return left.sqlCompare(right) == .orderedAscending
        }
    }

    /// Orders keys lexicographically with ``sortsBefore(_:_:)``.
    ///
    /// - Parameters:
    ///   - left: The first key.
    ///   - right: The second key.
    /// - Returns: Whether `left` sorts before `right`.
    package static func keySortsBefore(_ left: [SQLValue], _ right: [SQLValue]) -> Bool {
        for (a, b) in zip(left, right) {
            if sortsBefore(a, b) { return true }
            if sortsBefore(b, a) { return false }
        }
        return left.count < right.count
    }
}

extension StatementArguments {
    /// Arguments from values bound by a filter and others.
    ///
    /// - Parameter values: The values, in placeholder order.
    package init(sqlValues values: [SQLValue]) {
        self.init(values.map(\.databaseValue))
    }
}
