import Foundation
import RunnerModel

/// Renders a ``ReportTable`` as aligned text, Markdown, CSV or JSON.
///
/// Text-like formats (`table`, Markdown, HTML) print numbers for reading: losses as `1.23e-04`,
/// a mean and standard deviation as `1.23e-04 ± 5.6e-05`, other reals with four significant
/// digits, NaN as `nan` and missing values as `-`. Data formats (CSV, JSON) print every real in
/// Swift's shortest round-trip form so that parsing the output gives back the same bits.
///
/// In CSV and JSON, a column holding any ``TableCell/lossMeanStd(mean:std:)`` cell becomes two
/// fields: the mean under the column's name and the standard deviation under the name plus `_std`.
///
/// No format ends with a newline.
public enum TableRenderer {
    /// The width the `table` format fits into unless told otherwise.
    public static let defaultWidth = 100

    /// Renders `table` in `format`.
    ///
    /// - Parameters:
    ///   - table: The columns and rows.
    ///   - format: The output format.
    ///   - width: The maximum line width of the `table` format, in characters; text columns are
    ///     shortened with `…` to fit, numbers never. Ignored by the other formats.
    /// - Returns: The rendered text, without a trailing newline.
    public static func render(_ table: ReportTable, format: TableFormat, width: Int = defaultWidth) -> String {
        switch format {
        case .table: renderText(table, width: width)
        case .markdown: renderMarkdown(table)
        case .csv: renderCSV(table)
        case .json: renderJSON(table)
        }
    }

    // MARK: - table

    /// The gap between columns in the `table` format.
    package static let columnGap = 2
    /// The narrowest a text column is shortened to, `…` included.
    package static let minimumTextWidth = 4

    private static func renderText(_ table: ReportTable, width: Int) -> String {
        let columns = table.columns
        guard !columns.isEmpty else { return "" }
        let header = columns.map { singleLine($0.title) }
        let body = table.rows.indices.map { row in
            columns.indices.map { column in singleLine(readable(table.cell(row, column))) }
        }
        var widths = columns.indices.map { column in
            body.reduce(header[column].count) { max($0, $1[column].count) }
        }
        let natural = widths
        func total() -> Int { widths.reduce(0, +) + columnGap * (widths.count - 1) }
        // Shorten the widest text column one character at a time: fair and simple, and tables
        // are small.
        while total() > width {
            let candidates = columns.indices.filter {
                columns[$0].kind == .text && widths[$0] > min(minimumTextWidth, natural[$0])
            }
            guard let widest = candidates.max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }
        var lines: [String] = []
        func line(_ cells: [String]) -> String {
            let padded = columns.indices.map { column in
                pad(truncate(cells[column], to: widths[column]), to: widths[column], columns[column].resolvedAlignment)
            }
            return trimTrailingSpaces(padded.joined(separator: String(repeating: " ", count: columnGap)))
        }
        lines.append(line(header))
        lines.append(
            widths.map { String(repeating: "-", count: $0) }.joined(separator: String(repeating: " ", count: columnGap))
        )
        for cells in body { lines.append(line(cells)) }
        return lines.joined(separator: "\n")
    }

    // MARK: - markdown

    private static func renderMarkdown(_ table: ReportTable) -> String {
        let columns = table.columns
        guard !columns.isEmpty else { return "" }
        func escape(_ text: String) -> String {
            singleLine(text).replacingOccurrences(of: "|", with: "\\|")
        }
        let header = columns.map { escape($0.title) }
        let body = table.rows.indices.map { row in
            columns.indices.map { column in escape(readable(table.cell(row, column))) }
        }
        let widths = columns.indices.map { column in
            body.reduce(max(3, header[column].count)) { max($0, $1[column].count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = columns.indices.map { pad(cells[$0], to: widths[$0], columns[$0].resolvedAlignment) }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let rule = columns.indices.map { column -> String in
            let width = widths[column]
            switch columns[column].resolvedAlignment {
            case .left: return ":" + String(repeating: "-", count: width - 1)
            case .right: return String(repeating: "-", count: width - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: width - 2) + ":"
            }
        }
        var lines = [line(header), "| " + rule.joined(separator: " | ") + " |"]
        for cells in body { lines.append(line(cells)) }
        return lines.joined(separator: "\n")
    }

    // MARK: - csv

    /// A field of the data formats: one column, or the `_std` companion of a mean/std column.
    private struct DataField {
        var column: Int
        var name: String
        var isStandardDeviation: Bool
    }

    private static func dataFields(_ table: ReportTable, name: (TableColumn) -> String) -> [DataField] {
        var fields: [DataField] = []
        for (index, column) in table.columns.enumerated() {
            fields.append(DataField(column: index, name: name(column), isStandardDeviation: false))
            let hasStandardDeviation = table.rows.indices.contains { row in
                if case .lossMeanStd = table.cell(row, index) { return true }
                return false
            }
            if hasStandardDeviation {
                fields.append(DataField(column: index, name: name(column) + "_std", isStandardDeviation: true))
            }
        }
        return fields
    }

    /// The raw value of a field: a number, a string, or nil for no value.
    private enum RawValue {
        case integer(Int)
        case real(Double)
        case text(String)
    }

    private static func raw(_ cell: TableCell, standardDeviation: Bool) -> RawValue? {
        switch (cell, standardDeviation) {
        case (.lossMeanStd(_, let std), true): std.map { .real($0) }
        case (_, true): nil
        case (.text(let text), false): .text(text)
        case (.integer(let value), false): .integer(value)
        case (.number(let value), false), (.loss(let value), false), (.lossMeanStd(let value, _), false): .real(value)
        case (.empty, false): nil
        }
    }

    private static func renderCSV(_ table: ReportTable) -> String {
        let fields = dataFields(table) { $0.title }
        var lines = [fields.map { csvQuote($0.name) }.joined(separator: ",")]
        for row in table.rows.indices {
            let values = fields.map { field -> String in
                switch raw(table.cell(row, field.column), standardDeviation: field.isStandardDeviation) {
                case .integer(let value)?: String(value)
                case .real(let value)?: "\(value)"
                case .text(let text)?: csvQuote(text)
                case nil: ""
                }
            }
            lines.append(values.joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// Quotes a CSV field when RFC 4180 requires it (a comma, a quote or a line break), doubling
    /// the quotes inside.
    ///
    /// - Parameter field: The raw field.
    /// - Returns: The field as written.
    package static func csvQuote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - json

    private static func renderJSON(_ table: ReportTable) -> String {
        let fields = dataFields(table) { $0.jsonKey }
        guard !table.rows.isEmpty else { return "[]" }
        var lines: [String] = []
        for row in table.rows.indices {
            let members = fields.map { field -> String in
                let value: String
                switch raw(table.cell(row, field.column), standardDeviation: field.isStandardDeviation) {
                case .integer(let integer)?: value = String(integer)
                case .real(let real)?: value = real.isFinite ? "\(real)" : "null"
                case .text(let text)?: value = jsonString(text)
                case nil: value = "null"
                }
                return jsonString(field.name) + ": " + value
            }
            lines.append("  {" + members.joined(separator: ", ") + "}")
        }
        return "[\n" + lines.joined(separator: ",\n") + "\n]"
    }

    /// A JSON string literal for `text`.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The quoted, escaped literal.
    package static func jsonString(_ text: String) -> String {
        ConfigValue.string(text).canonicalJSON
    }

    // MARK: - Readable numbers

    /// A cell as text for reading: the `table`, Markdown and HTML formats.
    ///
    /// - Parameter cell: The cell.
    /// - Returns: `1.23e-04` for a loss, `1.23e-04 ± 5.6e-05` for a mean and standard deviation,
    ///   four significant digits for other reals, `-` for an empty cell.
    package static func readable(_ cell: TableCell) -> String {
        switch cell {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): formatNumber(value)
        case .loss(let value): formatLoss(value)
        case .lossMeanStd(let mean, let std?): formatLoss(mean) + " ± " + formatLoss(std, digits: 1)
        case .lossMeanStd(let mean, nil): formatLoss(mean)
        case .empty: "-"
        }
    }

    private static func nonFinite(_ value: Double) -> String? {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return nil
    }

    /// A loss in scientific form: `1.23e-04` (`digits` after the point).
    ///
    /// - Parameters:
    ///   - value: The loss.
    ///   - digits: The digits after the decimal point.
    /// - Returns: The text; `nan`, `inf` or `-inf` for non-finite values.
    package static func formatLoss(_ value: Double, digits: Int = 2) -> String {
        if let text = nonFinite(value) { return text }
        return String(format: "%.\(digits)e", value)
    }

    /// A real with four significant digits, without trailing zeros: `0.03162`, `100`, `1.5`;
    /// scientific form outside [1e-3, 1e6).
    ///
    /// - Parameter value: The number.
    /// - Returns: The text; `nan`, `inf` or `-inf` for non-finite values.
    package static func formatNumber(_ value: Double) -> String {
        if let text = nonFinite(value) { return text }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        guard magnitude >= 1e-3, magnitude < 1e6 else { return String(format: "%.2e", value) }
        let decimals = max(0, 3 - Int(log10(magnitude).rounded(.down)))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    // MARK: - Helpers

    private static func singleLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }

    package static func truncate(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + "…"
    }

    private static func pad(_ text: String, to width: Int, _ alignment: TableColumn.Alignment) -> String {
        let missing = width - text.count
        guard missing > 0 else { return text }
        switch alignment {
        case .left: return text + String(repeating: " ", count: missing)
        case .right: return String(repeating: " ", count: missing) + text
        case .center:
            let left = missing / 2
            return String(repeating: " ", count: left) + text + String(repeating: " ", count: missing - left)
        }
    }

    private static func trimTrailingSpaces(_ text: String) -> String {
        var text = text
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
