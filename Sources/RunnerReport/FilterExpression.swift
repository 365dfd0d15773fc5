import Foundation

/// A column that a `--where` expression may name, with the SQL that reads it.
public struct FilterColumn: Sendable, Hashable {
    /// What a column holds, which decides the values it may be compared with.
    public enum Kind: Sendable, Hashable {
        /// Integers and reals; compared with numbers, `true` (1) and `false` (0).
        case number
        /// Text; compared with quoted strings.
        case text
    }

    /// The SQL expression pasted into the clause, e.g. `"runs"."hidden_size"` or
    /// `json_extract("runs"."config", '$.model.hiddenSize')`.
    ///
    /// The caller owns and trusts this text; it must be a primary expression (a column reference or
    /// a function call) so that it binds tighter than the comparison around it.
    public var sqlExpression: String
    /// What the column holds.
    public var kind: Kind

    public init(sqlExpression: String, kind: Kind) {
        self.sqlExpression = sqlExpression
        self.kind = kind
    }

    /// A number column read by `sqlExpression`.
    ///
    /// - Parameter sqlExpression: The trusted SQL that reads the column.
    /// - Returns: The column.
    public static func number(_ sqlExpression: String) -> FilterColumn {
        FilterColumn(sqlExpression: sqlExpression, kind: .number)
    }

    /// A text column read by `sqlExpression`.
    ///
    /// - Parameter sqlExpression: The trusted SQL that reads the column.
    /// - Returns: The column.
    public static func text(_ sqlExpression: String) -> FilterColumn {
        FilterColumn(sqlExpression: sqlExpression, kind: .text)
    }
}

/// Why a `--where` expression was rejected.
///
/// The message quotes the expression, names the 1-based character position and says what was
/// expected: `--where 'hiddenSize >= ': at position 15: expected a number or a quoted string, found
/// the end`.
public struct FilterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// The expression is empty or a token is not what the grammar allows there.
        case unexpectedToken
        /// A name that is not among the allowed columns.
        case unknownColumn
        /// A text column compared with a number or a number column with a string.
        case typeMismatch
        /// A quoted string without its closing quote.
        case unterminatedString
        /// A number such as `1e` or `12abc`.
        case malformedNumber
        /// Nested too deeply, or too long (see ``FilterExpression/maximumDepth`` and the other limits).
        case tooComplex
    }

    /// The kind of failure.
    public var code: Code
    /// The expression as the user typed it.
    public var expression: String
    /// The 1-based character position of the failure; `expression.count + 1` for its end.
    public var position: Int
    /// What failed, without the expression and position.
    public var detail: String

    public init(code: Code, expression: String, position: Int, detail: String) {
        self.code = code
        self.expression = expression
        self.position = position
        self.detail = detail
    }

    /// One line: the expression (line breaks and tabs shown as spaces, so positions still count
    /// right), the position and the detail.
    public var message: String {
        let shown = String(expression.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        return "--where '\(shown)': at position \(position): \(detail)"
    }

    public var description: String { message }
}

/// A parsed `--where` filter over a fixed set of allowed columns.
///
/// Grammar (keywords case-insensitive):
/// ```
/// expr  := or
/// or    := and ('or' and)*
/// and   := not ('and' not)*
/// not   := 'not' not | cmp | '(' expr ')'
/// cmp   := IDENT OP value | IDENT 'in' '(' value (',' value)* ')' | IDENT 'between' value 'and' value
/// OP    := = | == | != | <> | < | <= | > | >=
/// value := number | 'single' or "double" quoted string ('' or "" inside) | true | false
/// ```
/// Values never reach SQL text: ``sql()`` binds each one to a `?` placeholder, and names resolve
/// only to the SQL that the caller registered for them in `columns`.
public struct FilterExpression: Sendable, Equatable {
    /// A comparison operator.
    public enum Operator: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "<>"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// A resolved column: the name the user typed (canonical spelling) and its definition.
    package struct ColumnReference: Sendable, Equatable {
        package var name: String
        package var column: FilterColumn
    }

    package indirect enum Node: Sendable, Equatable {
        case comparison(ColumnReference, Operator, SQLValue)
        case membership(ColumnReference, [SQLValue])
        case range(ColumnReference, low: SQLValue, high: SQLValue)
        case not(Node)
        case and([Node])
        case or([Node])
    }

    package let root: Node

    // MARK: - Limits

    /// How deeply parentheses and `not` may nest.
    public static let maximumDepth = 50
    /// The most comparisons (`=`, `in`, `between`, ...) an expression may have.
    public static let maximumConditions = 200
    /// The most values an expression may compare with (each becomes one SQL parameter).
    public static let maximumValues = 1000

    package init(root: Node) {
        self.root = root
    }

    /// Parses `text` against the columns a caller allows.
    ///
    /// A name matches a column exactly or, failing that, case-insensitively when only one column
    /// matches that way.
    ///
    /// - Parameters:
    ///   - text: The expression, e.g. `hiddenSize >= 50 and optimizer in ('sgd', 'adam')`.
    ///   - columns: The allowed names and the SQL that reads each.
    /// - Returns: The parsed expression.
    /// - Throws: ``FilterError`` naming the position and what was expected there.
    public static func parse(_ text: String, columns: [String: FilterColumn]) throws(FilterError) -> FilterExpression {
        var parser = try FilterParser(text: text, columns: columns)
        return FilterExpression(root: try parser.parseAll())
    }

    // MARK: - SQL

    /// The expression as SQL with `?` placeholders and the values to bind to them, in order.
    ///
    /// The clause is parenthesized when its top level is an AND or OR, so it can be joined to other
    /// conditions with `AND` as is.
    ///
    /// - Returns: The clause, e.g. `("runs"."hidden_size" >= ? AND "runs"."optimizer" IN (?, ?))`,
    ///   and its arguments.
    public func sql() -> (clause: String, arguments: [SQLValue]) {
        var arguments: [SQLValue] = []
        var clause = Self.render(root, arguments: &arguments)
        switch root {
        case .and, .or: clause = "(" + clause + ")"
        default: break
        }
        return (clause, arguments)
    }

    private static func render(_ node: Node, arguments: inout [SQLValue]) -> String {
        switch node {
        case .comparison(let reference, let op, let value):
            arguments.append(value)
            return "\(reference.column.sqlExpression) \(op.rawValue) ?"
        case .membership(let reference, let values):
            arguments.append(contentsOf: values)
            let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
            return "\(reference.column.sqlExpression) IN (\(placeholders))"
        case .range(let reference, let low, let high):
            arguments.append(low)
            arguments.append(high)
            return "\(reference.column.sqlExpression) BETWEEN ? AND ?"
        case .not(let inner):
            switch inner {
            case .and, .or: return "NOT (" + render(inner, arguments: &arguments) + ")"
            default: return "NOT " + render(inner, arguments: &arguments)  // NOT binds looser than =, IN, BETWEEN
            }
        case .and(let children):
            return deepestFirst(children).map { child in
                if case .or = child { return "(" + render(child, arguments: &arguments) + ")" }
                return render(child, arguments: &arguments)
            }.joined(separator: " AND ")
        case .or(let children):
            return deepestFirst(children).map { render($0, arguments: &arguments) }.joined(separator: " OR ")
        }
    }

    /// The operands of an AND or OR, the most deeply nested first (stable otherwise).
    ///
    /// SQLite's parser keeps every unfinished operator on a fixed stack of 100 entries: an operand
    /// written after `x AND (` holds three while it is parsed, one written first holds one (its
    /// `(`). AND and OR are commutative in SQL's three-valued logic, so the order changes nothing
    /// but that, and it keeps every expression within ``maximumDepth`` inside SQLite's stack.
    private static func deepestFirst(_ children: [Node]) -> [Node] {
        let depths = children.map(nesting)
        guard depths.contains(where: { $0 > 0 }) else { return children }
        return children.indices.sorted { depths[$0] != depths[$1] ? depths[$0] > depths[$1] : $0 < $1 }.map {
            children[$0]
        }
    }

    /// How many NOT, AND and OR levels a node nests.
    private static func nesting(_ node: Node) -> Int {
        switch node {
        case .comparison, .membership, .range: 0
        case .not(let inner): 1 + nesting(inner)
        case .and(let children), .or(let children): 1 + (children.map(nesting).max() ?? 0)
        }
    }

    // MARK: - In-memory evaluation

    /// Whether a row passes the filter, evaluated in Swift with SQL semantics.
    ///
    /// A missing name reads as NULL. Comparisons with NULL are unknown, NOT of unknown is unknown,
    /// AND/OR use three-valued logic, and a row passes only when the result is true, as in a WHERE
    /// clause. Numbers compare numerically (integer with real), text bytewise on UTF-8.
    ///
    /// - Parameter row: Values keyed by the column names given to ``parse(_:columns:)``.
    /// - Returns: True when the WHERE clause would keep the row.
    public func matches(_ row: [String: SQLValue]) -> Bool {
        Self.evaluate(root, row: row) == true
    }

    /// The names of the columns the expression reads.
    public var referencedColumns: Set<String> {
        var names: Set<String> = []
        Self.collectColumns(root, into: &names)
        return names
    }

    private static func collectColumns(_ node: Node, into names: inout Set<String>) {
        switch node {
        case .comparison(let reference, _, _), .membership(let reference, _), .range(let reference, _, _):
            names.insert(reference.name)
        case .not(let inner):
            collectColumns(inner, into: &names)
        case .and(let children), .or(let children):
            for child in children { collectColumns(child, into: &names) }
        }
    }

    private static func evaluate(_ node: Node, row: [String: SQLValue]) -> Bool? {
        switch node {
        case .comparison(let reference, let op, let value):
            let left = row[reference.name] ?? .null
            return compare(left, op, value)
        case .membership(let reference, let values):
            let left = row[reference.name] ?? .null
            var sawUnknown = false
            for value in values {
                switch left.sqlCompare(value) {
                case .orderedSame?: return true
                case nil: sawUnknown = true
                default: break
                }
            }
            return sawUnknown ? nil : false
        case .range(let reference, let low, let high):
            let left = row[reference.name] ?? .null
            return and3(compare(left, .greaterOrEqual, low), compare(left, .lessOrEqual, high))
        case .not(let inner):
            return evaluate(inner, row: row).map { !$0 }
        case .and(let children):
            var result: Bool? = true
            for child in children { result = and3(result, evaluate(child, row: row)) }
            return result
        case .or(let children):
            var result: Bool? = false
            for child in children { result = or3(result, evaluate(child, row: row)) }
            return result
        }
    }

    private static func compare(_ left: SQLValue, _ op: Operator, _ right: SQLValue) -> Bool? {
        guard let order = left.sqlCompare(right) else { return nil }
        switch op {
        case .equal: return order == .orderedSame
        case .notEqual: return order != .orderedSame
        case .less: return order == .orderedAscending
        case .lessOrEqual: return order != .orderedDescending
        case .greater: return order == .orderedDescending
        case .greaterOrEqual: return order != .orderedAscending
        }
    }

    private static func and3(_ left: Bool?, _ right: Bool?) -> Bool? {
        if left == false || right == false { return false }
        if left == nil || right == nil { return nil }
        return true
    }

    private static func or3(_ left: Bool?, _ right: Bool?) -> Bool? {
        if left == true || right == true { return true }
        if left == nil || right == nil { return nil }
        return false
    }
}
