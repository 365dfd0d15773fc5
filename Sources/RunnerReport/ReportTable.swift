import Foundation

/// A column of a report table.
public struct TableColumn: Sendable, Hashable {
    /// What a column holds; decides the default alignment and whether it may be shortened.
    public enum Kind: Sendable, Hashable {
        /// Free text; left-aligned; the only kind shortened with `…` to fit a width.
        case text
        /// Whole numbers, printed plainly.
        case integer
        /// Real numbers, printed with four significant digits in the `table` format.
        case number
        /// Losses, printed in scientific form (`1.23e-04`) in the `table` format.
        case loss
    }

    /// Horizontal alignment in the `table`, `markdown` and HTML renderings.
    public enum Alignment: Sendable, Hashable {
        case left
        case right
        case center
    }

    /// The header shown above the column, also the CSV header and the default JSON key.
    public var title: String
    /// The JSON key; `title` when nil.
    public var key: String?
    /// What the column holds.
    public var kind: Kind
    /// The alignment; right for numbers and left for text when nil.
    public var alignment: Alignment?

    public init(_ title: String, kind: Kind = .text, key: String? = nil, alignment: Alignment? = nil) {
        self.title = title
        self.key = key
        self.kind = kind
        self.alignment = alignment
    }

    /// The alignment in effect.
    public var resolvedAlignment: Alignment {
        if let alignment { return alignment }
        return kind == .text ? .left : .right
    }

    /// The key of the column's values in JSON output.
    public var jsonKey: String { key ?? title }
}

/// One cell of a report table.
///
/// Named `TableCell` rather than `Cell` so that it cannot be confused with an LSTM cell.
public enum TableCell: Sendable, Hashable {
    case text(String)
    case integer(Int)
    case number(Double)
    case loss(Double)
    /// A loss aggregated over seeds; `std` is nil for a single value.
    case lossMeanStd(mean: Double, std: Double?)
    /// Missing, or a diverged run's loss: `-` in text formats, empty in CSV, null in JSON.
    case empty
}

/// A table to render: columns and rows of cells, one cell a column.
///
/// Not named `Table`: GRDB, which RunnerKit also imports, declares a `Table` type.
public struct ReportTable: Sendable, Hashable {
    public var columns: [TableColumn]
    /// Rows of cells; a short row is padded with ``TableCell/empty``, extra cells are ignored.
    public var rows: [[TableCell]]

    public init(columns: [TableColumn], rows: [[TableCell]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The cell at `row`, `column`, or ``TableCell/empty`` when the row is short.
    ///
    /// - Parameters:
    ///   - row: The row index.
    ///   - column: The column index.
    /// - Returns: The cell.
    package func cell(_ row: Int, _ column: Int) -> TableCell {
        let cells = rows[row]
        return column < cells.count ? cells[column] : .empty
    }
}

/// The output formats of ``TableRenderer``.
public enum TableFormat: String, Sendable, CaseIterable {
    /// Aligned monospace text with a header rule, fitted to a width.
    case table
    /// A GitHub-flavoured Markdown table.
    case markdown
    /// RFC 4180 CSV with full-precision numbers.
    case csv
    /// A JSON array of objects.
    case json
}
