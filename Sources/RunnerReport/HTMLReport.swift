import Foundation

/// A self-contained HTML report: a title, a generated-at line, then sections of paragraphs,
/// tables and inline SVG figures, with embedded CSS and no external resources.
public struct HTMLReport: Sendable {
    /// One block inside a section.
    public enum Block: Sendable {
        /// A paragraph of plain text (escaped).
        case paragraph(String)
        /// A table, formatted like ``TableRenderer``'s `table` format, numbers right-aligned.
        case table(ReportTable)
        /// An SVG figure, inserted verbatim (it must come from ``LossCurveChart`` or
        /// ``HeatmapChart`` or be otherwise trusted), with an optional caption (escaped).
        case figure(svg: String, caption: String?)
    }

    /// A section: a heading, an optional paragraph, then its blocks.
    public struct Section: Sendable {
        public var heading: String
        public var paragraph: String?
        public var blocks: [Block]

        public init(heading: String, paragraph: String? = nil, blocks: [Block] = []) {
            self.heading = heading
            self.paragraph = paragraph
            self.blocks = blocks
        }
    }

    /// The page title, also the `<h1>`.
    public var title: String
    /// When the report was generated; printed in UTC, ISO 8601.
    public var generatedAt: Date
    /// Who generated it, e.g. `lstm-runner 0.1.0`; printed after the date when given.
    public var generator: String?
    public var sections: [Section]

    public init(title: String, generatedAt: Date, generator: String? = nil, sections: [Section] = []) {
        self.title = title
        self.generatedAt = generatedAt
        self.generator = generator
        self.sections = sections
    }

    static let styleSheet = """
        body { font-family: sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
        h1 { font-size: 24px; margin-bottom: 4px; }
        h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        p.generated { color: #666; font-size: 13px; margin-top: 0; }
        table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
        th, td { padding: 3px 10px; border-bottom: 1px solid #e5e5e5; white-space: nowrap; }
        th { border-bottom: 2px solid #999; background: #f6f6f6; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.center, th.center { text-align: center; }
        td.text, th.text { text-align: left; }
        tbody tr:nth-child(even) { background: #fafafa; }
        figure { margin: 16px 0; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { color: #555; font-size: 13px; }
        """

    /// The page as HTML5 text.
    ///
    /// - Returns: The document, starting with `<!DOCTYPE html>`.
    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(Self.escape(title))</title>\n<style>\n\(Self.styleSheet)\n</style>\n</head>\n<body>\n"
        out += "<h1>\(Self.escape(title))</h1>\n"
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generated = "Generated \(formatter.string(from: generatedAt))"
        if let generator { generated += " by \(generator)" }
        out += "<p class=\"generated\">\(Self.escape(generated))</p>\n"
        for section in sections {
            out += "<section>\n<h2>\(Self.escape(section.heading))</h2>\n"
            if let paragraph = section.paragraph { out += "<p>\(Self.escape(paragraph))</p>\n" }
            for block in section.blocks {
                switch block {
                case .paragraph(let text):
                    out += "<p>\(Self.escape(text))</p>\n"
                case .table(let table):
                    out += Self.tableHTML(table)
                case .figure(let svg, let caption):
                    out += "<figure>\n\(svg)"
                    if !svg.hasSuffix("\n") { out += "\n" }
                    if let caption { out += "<figcaption>\(Self.escape(caption))</figcaption>\n" }
                    out += "</figure>\n"
                }
            }
            out += "</section>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    /// A `<table>` with a header row; cells formatted for reading as in the `table` format.
    ///
    /// - Parameter table: The table.
    /// - Returns: The HTML.
    package static func tableHTML(_ table: ReportTable) -> String {
        func alignmentClass(_ column: TableColumn) -> String {
            switch column.resolvedAlignment {
            case .left: "text"
            case .right: "num"
            case .center: "center"
            }
        }
        var out = "<table>\n<thead><tr>"
        for column in table.columns {
            out += "<th class=\"\(alignmentClass(column))\">\(escape(column.title))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in table.rows.indices {
            out += "<tr>"
            for (index, column) in table.columns.enumerated() {
                let text = TableRenderer.readable(table.cell(row, index))
                out += "<td class=\"\(alignmentClass(column))\">\(escape(text))</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        return out
    }

    /// Escapes text for HTML content and attribute values.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The text with `&`, `<`, `>`, `"` and `'` replaced by references.
    package static func escape(_ text: String) -> String {
        SVG.escape(text)
    }
}
