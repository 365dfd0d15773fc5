import Foundation

/// A grid of values coloured by log10(value) on a viridis scale, as SVG.
///
/// Typical use: final loss over two swept parameters (learning rate across, hidden size down).
/// Each non-nil cell is one `<rect>` with a `<title>` tooltip; the value is printed inside when the
/// cell is large enough. A cell whose value is not positive and finite (a diverged run's NaN, say)
/// is grey. A colour bar with ticks on the right explains the colours; dark is low.
public struct HeatmapChart: Sendable {
    /// The plot title.
    public var title: String
    /// The column labels, left to right.
    public var xLabels: [String]
    /// The row labels, top to bottom.
    public var yLabels: [String]
    /// `values[row][column]`, `[yLabels.count][xLabels.count]`; nil is no data (no rect).
    public var values: [[Double?]]
    /// The x axis title.
    public var xAxisTitle: String
    /// The y axis title.
    public var yAxisTitle: String
    /// What the colours measure, shown over the colour bar.
    public var valueTitle: String

    public init(
        title: String, xLabels: [String], yLabels: [String], values: [[Double?]], xAxisTitle: String,
        yAxisTitle: String, valueTitle: String = "loss"
    ) {
        self.title = title
        self.xLabels = xLabels
        self.yLabels = yLabels
        self.values = values
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.valueTitle = valueTitle
    }

    /// Labels longer than this are shortened with `…`.
    package static let labelLimit = 24
    /// The colour of a cell that the log scale cannot place.
    package static let invalidColor = "#bdbdbd"

    private func value(_ row: Int, _ column: Int) -> Double? {
        guard row < values.count, column < values[row].count else { return nil }
        return values[row][column]
    }

    // MARK: - SVG

    /// The chart as an SVG document (UTF-8 text, no XML declaration, so it also inlines in HTML).
    ///
    /// - Returns: The SVG text.
    public func svg() -> String {
        let columns = max(xLabels.count, values.map(\.count).max() ?? 0)
        let rows = max(yLabels.count, values.count)
        let xTexts = (0..<columns).map { SVG.shorten($0 < xLabels.count ? xLabels[$0] : "", to: Self.labelLimit) }
        let yTexts = (0..<rows).map { SVG.shorten($0 < yLabels.count ? yLabels[$0] : "", to: Self.labelLimit) }

        // Colour domain in log10.
        var logLow = Double.infinity
        var logHigh = -Double.infinity
        for row in 0..<rows {
            for column in 0..<columns {
                if let value = value(row, column), value > 0, value.isFinite {
                    logLow = min(logLow, log10(value))
                    logHigh = max(logHigh, log10(value))
                }
            }
        }
        if !logLow.isFinite {
            logLow = -1
            logHigh = 0
        }
        if logHigh - logLow < 1e-9 {
            logLow -= 0.5
            logHigh += 0.5
        }
        func fraction(_ value: Double) -> Double { (log10(value) - logLow) / (logHigh - logLow) }

        // Layout.
        let fontSize = 11.0
        let cellWidth = min(90, max(30, 600 / Double(max(columns, 1))))
        let cellHeight = min(44, max(18, 360 / Double(max(rows, 1))))
        let widestX = xTexts.map { SVG.textWidth($0, fontSize: fontSize) }.max() ?? 0
        let rotateX = widestX > cellWidth - 6
        let widestY = yTexts.map { SVG.textWidth($0, fontSize: fontSize) }.max() ?? 0
        // Rotated x labels hang down and to the left of their column's centre: keep the first inside.
        let left = max(40 + widestY + 10, rotateX ? widestX * 0.71 - cellWidth / 2 + 8 : 0)
        let top = 48.0
        let gridWidth = cellWidth * Double(columns)
        let gridHeight = cellHeight * Double(rows)
        let xLabelDepth = rotateX ? widestX * 0.71 + 12 : 18
        let barHeight = max(gridHeight, 160)
        let barX = left + gridWidth + 30
        let barWidth = 16.0
        let width = (barX + barWidth + 70).rounded(.up)
        let height = (top + max(gridHeight + xLabelDepth + 36, barHeight + 20)).rounded(.up)

        var out = SVG.header(width: width, height: height, title: title)
        out += SVG.chartTitle(title, x: width / 2)

        // Cells.
        let showValues = cellWidth >= 44 && cellHeight >= 16
        out += "<g class=\"cells\" font-size=\"10\">\n"
        for row in 0..<rows {
            for column in 0..<columns {
                guard let value = value(row, column) else { continue }
                let x = left + Double(column) * cellWidth
                let y = top + Double(row) * cellHeight
                let valid = value > 0 && value.isFinite
                let color = valid ? SVG.viridisColor(fraction(value)) : nil
                let fill = color?.hex ?? Self.invalidColor
                out += "<rect class=\"cell\" x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" "
                out += "width=\"\(SVG.number(cellWidth))\" height=\"\(SVG.number(cellHeight))\" fill=\"\(fill)\" "
                out += "stroke=\"#ffffff\" stroke-width=\"1\">"
                let tooltip = "\(yTexts[row]), \(xTexts[column]): \(TableRenderer.formatLoss(value, digits: 4))"
                out += "<title>\(SVG.escape(tooltip))</title></rect>\n"
                if showValues {
                    let ink = (color?.luminance ?? 1) > 0.25 ? "#000000" : "#ffffff"
                    out += SVG.text(
                        SVG.compact(value), x: x + cellWidth / 2, y: y + cellHeight / 2 + 3.5, anchor: "middle",
                        attributes: "fill=\"\(ink)\" pointer-events=\"none\""
                    )
                }
            }
        }
        out += "</g>\n"

        // Axis labels and titles.
        out += "<g class=\"labels\" font-size=\"11\" fill=\"#333333\">\n"
        for (row, label) in yTexts.enumerated() {
            out += SVG.text(label, x: left - 6, y: top + (Double(row) + 0.5) * cellHeight + 4, anchor: "end")
        }
        let labelY = top + gridHeight + 14
        for (column, label) in xTexts.enumerated() {
            let x = left + (Double(column) + 0.5) * cellWidth
            if rotateX {
                out += SVG.text(
                    label, x: x, y: labelY, anchor: "end",
                    attributes: "transform=\"rotate(-45 \(SVG.number(x)) \(SVG.number(labelY)))\""
                )
            } else {
                out += SVG.text(label, x: x, y: labelY, anchor: "middle")
            }
        }
        out += "</g>\n"
        out += SVG.text(
            xAxisTitle, x: left + gridWidth / 2, y: top + gridHeight + xLabelDepth + 22, anchor: "middle",
            attributes: "font-size=\"13\""
        )
        let yTitleX = max(18, left - widestY - 24)
        let yTitleY = top + gridHeight / 2
        out += SVG.text(
            yAxisTitle, x: yTitleX, y: yTitleY, anchor: "middle",
            attributes: "font-size=\"13\" transform=\"rotate(-90 \(SVG.number(yTitleX)) \(SVG.number(yTitleY)))\""
        )

        out += colorBar(x: barX, top: top, width: barWidth, height: barHeight, logLow: logLow, logHigh: logHigh)
        out += "</svg>\n"
        return out
    }

    /// A vertical colour bar (low at the bottom) of stacked slices, with ticks at 1, 2, 5 x 10^k or
    /// decades, and the value title above it.
    private func colorBar(x: Double, top: Double, width: Double, height: Double, logLow: Double, logHigh: Double)
        -> String
    {
        let slices = 48
        let sliceHeight = height / Double(slices)
        var out = "<g class=\"colorbar\" font-size=\"10\" fill=\"#333333\" shape-rendering=\"crispEdges\">\n"
        out += SVG.text(valueTitle, x: x + width / 2, y: top - 8, anchor: "middle", attributes: "font-size=\"11\"")
        for slice in 0..<slices {
            let fraction = (Double(slice) + 0.5) / Double(slices)
            let y = top + height - Double(slice + 1) * sliceHeight
            out += "<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(width))\" "
            out += "height=\"\(SVG.number(sliceHeight + 0.5))\" fill=\"\(SVG.viridisColor(fraction).hex)\"/>\n"
        }
        out += "<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(width))\" "
        out += "height=\"\(SVG.number(height))\" fill=\"none\" stroke=\"#333333\"/>\n"
        for tick in Self.logTicks(logLow: logLow, logHigh: logHigh) {
            let y = top + height - (log10(tick) - logLow) / (logHigh - logLow) * height
            out += SVG.line(x1: x + width, y1: y, x2: x + width + 4, y2: y, stroke: "#333333")
            out += SVG.text(SVG.compact(tick), x: x + width + 7, y: y + 3.5)
        }
        out += "</g>\n"
        return out
    }

    /// Tick values inside `10^logLow ... 10^logHigh`: decades when the range spans several,
    /// else 1, 2 and 5 times powers of ten, else every digit; the ends when fewer than two fit.
    ///
    /// - Parameters:
    ///   - logLow: log10 of the lower end.
    ///   - logHigh: log10 of the upper end.
    /// - Returns: The tick values, ascending.
    package static func logTicks(logLow: Double, logHigh: Double) -> [Double] {
        let span = logHigh - logLow
        let multiples: [Double] = span >= 2 ? [1] : span >= 0.7 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let decadeStep = span > 8 ? Int((span / 8).rounded(.up)) : 1
        var ticks: [Double] = []
        let tolerance = 1e-9
        for exponent in Int(logLow.rounded(.down))...Int(logHigh.rounded(.up)) {
            guard exponent.isMultiple(of: decadeStep) else { continue }
            for multiple in multiples {
                let value = multiple * pow(10, Double(exponent))
                let position = log10(value)
                if position >= logLow - tolerance, position <= logHigh + tolerance { ticks.append(value) }
            }
        }
        if ticks.count < 2 {
            ticks = [pow(10, logLow), pow(10, logHigh)]
        }
        return ticks
    }
}
