import Foundation
import GRDB
import RunnerSpec
import RunnerStore

/// A column that `--where`, `--group-by` and `--sort` may name: a config field (by the leaf name
/// of its path, `hiddenSize` for `model.hiddenSize`) or a result (`finalLoss`, `status`, ...).
public struct ReportColumn: Sendable, Hashable {
    /// What the column's values are, which decides how they are compared, shown and grouped.
    public enum ValueType: Sendable, Hashable {
        /// Whole numbers.
        case integer
        /// Reals (an integral value read from JSON is turned into a real).
        case real
        /// Text, and lists stored as JSON text.
        case text
    }

    /// The name users type, e.g. `hiddenSize` or `finalLoss`.
    public var name: String
    /// The config path (`model.hiddenSize`), or nil for a result column.
    public var path: String?
    /// The trusted SQL expression that reads the column from `runs`.
    public var sqlExpression: String
    /// What the values are.
    public var type: ValueType

    /// Creates a column.
    ///
    /// - Parameters:
    ///   - name: The name users type.
    ///   - path: The config path, or nil for a result column.
    ///   - sqlExpression: The trusted SQL that reads it; a primary expression (a column or a call).
    ///   - type: What the values are.
    public init(name: String, path: String?, sqlExpression: String, type: ValueType) {
        self.name = name
        self.path = path
        self.sqlExpression = sqlExpression
        self.type = type
    }

    /// The column as `--where` sees it.
    public var filterColumn: FilterColumn {
        type == .text ? .text(sqlExpression) : .number(sqlExpression)
    }

    /// A value read from SQLite in this column's type: integral reals of an integer column become
    /// integers, integers of a real column become reals, so that equal values group together.
    ///
    /// - Parameter value: The value as read.
    /// - Returns: The value in the column's type.
    public func normalized(_ value: SQLValue) -> SQLValue {
        switch (type, value) {
        case (.real, .integer(let integer)): return .real(Double(integer))
        case (.integer, .real(let real)) where real == real.rounded() && abs(real) < 9e15: return .integer(Int64(real))
        default: return value
        }
    }

    /// A value as a table cell.
    ///
    /// - Parameter value: The value.
    /// - Returns: An integer, number or text cell, or an empty one for NULL.
    public func cell(_ value: SQLValue) -> TableCell {
        Self.cell(value)
    }

    /// A value as a table cell: integers, numbers and text as such, NULL as an empty cell.
    package static func cell(_ value: SQLValue) -> TableCell {
        switch value {
        case .null: .empty
        case .integer(let integer): .integer(Int(integer))
        case .real(let real): .number(real)
        case .text(let text): .text(text)
        }
    }

    /// A value as text for reading: integers plainly, reals with four significant digits.
    ///
    /// - Parameter value: The value.
    /// - Returns: The text; `-` for NULL.
    public static func display(_ value: SQLValue) -> String {
        TableRenderer.readable(cell(value))
    }
}

/// The columns a results database offers to `--where`, `--group-by` and `--sort`.
///
/// Every config field the schema knows is offered by the leaf of its path (`hiddenSize`,
/// `learningRate`, `targets`, `period`, `targetLoss`, ...), read from its standard column, from the
/// column named after its path when a sweep added one, or else from the stored config JSON. When
/// two paths share a leaf (or a leaf is also a result column's name) both are offered by their full
/// path instead. `task` is also accepted for `task.plugin`.
public struct ReportColumnCatalog: Sendable {
    /// The columns by the name users type.
    public private(set) var columns: [String: ReportColumn] = [:]
    private var byPath: [String: ReportColumn] = [:]

    /// The result columns, in the order `--help` lists them.
    public static let resultColumns: [ReportColumn] = [
        ReportColumn(name: "id", path: nil, sqlExpression: runs(RunColumns.id.name), type: .text),
        ReportColumn(name: "status", path: nil, sqlExpression: runs(RunColumns.status.name), type: .text),
        ReportColumn(name: "finalLoss", path: nil, sqlExpression: runs(RunColumns.finalLoss.name), type: .real),
        ReportColumn(name: "bestLoss", path: nil, sqlExpression: runs(RunColumns.bestLoss.name), type: .real),
        ReportColumn(
            name: "bestIteration", path: nil, sqlExpression: runs(RunColumns.bestIteration.name), type: .integer),
        ReportColumn(
            name: "iterationsRun", path: nil, sqlExpression: runs(RunColumns.iterationsRun.name), type: .integer),
        ReportColumn(
            name: "targetReachedIteration", path: nil, sqlExpression: runs(RunColumns.targetReachedIteration.name),
            type: .integer),
        ReportColumn(name: "stopReason", path: nil, sqlExpression: runs(RunColumns.stopReason.name), type: .text),
        ReportColumn(name: "duration", path: nil, sqlExpression: runs(RunColumns.duration.name), type: .real),
        ReportColumn(
            name: "trainingSeconds", path: nil, sqlExpression: runs(RunColumns.trainingSeconds.name), type: .real),
        ReportColumn(name: "started", path: nil, sqlExpression: runs(RunColumns.started.name), type: .text),
        ReportColumn(name: "finished", path: nil, sqlExpression: runs(RunColumns.finished.name), type: .text),
        ReportColumn(name: "host", path: nil, sqlExpression: runs(RunColumns.host.name), type: .text),
        ReportColumn(name: "valLoss", path: nil, sqlExpression: runs(RunColumns.validationLoss.name), type: .real),
        ReportColumn(
            name: "valAccuracy", path: nil, sqlExpression: runs(RunColumns.validationAccuracy.name), type: .real),
        ReportColumn(name: "testLoss", path: nil, sqlExpression: runs(RunColumns.testLoss.name), type: .real),
        ReportColumn(name: "testAccuracy", path: nil, sqlExpression: runs(RunColumns.testAccuracy.name), type: .real),
    ]

    /// `"runs"."column"`.
    package static func runs(_ column: String) -> String {
        "\"runs\".\(column.quotedDatabaseIdentifier)"
    }

    /// Whether `text` is a dotted path of plain identifiers (`task.targets`), safe inside a JSON
    /// path literal.
    package static func isPlainPath(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty
            && parts.allSatisfy { part in
                guard let first = part.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
                return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            }
    }

    /// Builds the catalog for a database.
    ///
    /// - Parameters:
    ///   - schema: The config fields (with the plugins' parameters).
    ///   - pathColumns: The columns of `runs` named after a swept path, with the type of their
    ///     values (used when the schema no longer knows the path).
    public init(schema: ConfigSchema = ConfigSchema(), pathColumns: [String: ReportColumn.ValueType] = [:]) {
        var paths = Set(schema.allPaths)
        for path in pathColumns.keys where Self.isPlainPath(path) { paths.insert(path) }
        var byLeaf: [String: [String]] = [:]
        for path in paths {
            byLeaf[String(path.split(separator: ".").last ?? ""), default: []].append(path)
        }
        let resultNames = Set(Self.resultColumns.map(\.name))
        for column in Self.resultColumns { columns[column.name] = column }
        for path in paths.sorted() {
            let leaf = String(path.split(separator: ".").last ?? "")
            let name = (byLeaf[leaf]?.count == 1 && !resultNames.contains(leaf)) ? leaf : path
            let type: ReportColumn.ValueType
            switch schema.field(at: path)?.kind {
            case .integer?, .boolean?: type = .integer
            case .number?: type = .real
            case .numbers?, .choice?, .text?: type = .text
            case nil: type = pathColumns[path] ?? .text
            }
            let json = "json_extract(\(Self.runs("config")), '$.\(path)')"
            let sql: String
            if let standard = StoreSchema.standardColumns[path] {
                sql = Self.runs(standard)
            } else if pathColumns[path] != nil {
                // Runs registered by an experiment that did not sweep the path hold NULL there.
                sql = "coalesce(\(Self.runs(path)), \(json))"
            } else {
                sql = json
            }
            let column = ReportColumn(name: name, path: path, sqlExpression: sql, type: type)
            columns[name] = column
            byPath[path] = column
        }
        if columns["task"] == nil, let plugin = byPath["task.plugin"] {
            columns["task"] = plugin
        }
    }

    /// The column of a config path; one reading the stored config JSON when the catalog does not
    /// know the path.
    ///
    /// - Parameter path: A dotted config path such as `model.hiddenSize`.
    /// - Returns: The column.
    public func column(forPath path: String) -> ReportColumn {
        if let column = byPath[path] { return column }
        let safe = Self.isPlainPath(path) ? path : "_"
        return ReportColumn(
            name: path, path: path, sqlExpression: "json_extract(\(Self.runs("config")), '$.\(safe)')", type: .text)
    }

    /// The column a user named, exactly or, failing that, case-insensitively when only one matches.
    ///
    /// - Parameters:
    ///   - name: What the user typed.
    ///   - option: The option it was given to (`--group-by`), for the message.
    /// - Returns: The column.
    /// - Throws: ``ReportError`` `unknownColumn` with the nearest name as a hint.
    public func column(named name: String, option: String) throws(ReportError) -> ReportColumn {
        if let column = columns[name] { return column }
        if let column = byPath[name] { return column }
        let folded = columns.filter { $0.key.lowercased() == name.lowercased() }
        if folded.count == 1, let match = folded.first { return match.value }
        let hint = Suggestion.nearest(to: name, in: columns.keys).map { " Did you mean '\($0)'?" } ?? ""
        throw ReportError(
            .unknownColumn,
            "\(option): unknown column '\(name)'.\(hint) Known columns: \(columns.keys.sorted().joined(separator: ", "))."
        )
    }

    /// The columns as `--where` sees them.
    public var filterColumns: [String: FilterColumn] {
        columns.mapValues(\.filterColumn)
    }

    /// Parses a `--where` expression over these columns.
    ///
    /// - Parameter text: The expression.
    /// - Returns: The parsed filter.
    /// - Throws: ``ReportError`` `badFilter` naming the position and what was expected.
    public func filter(_ text: String) throws(ReportError) -> FilterExpression {
        do {
            return try FilterExpression.parse(text, columns: filterColumns)
        } catch {
            throw ReportError(error)
        }
    }
}
