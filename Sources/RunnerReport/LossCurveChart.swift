import Foundation

/// The loss curves of one configuration: one curve a seed.
public struct CurveGroup: Sendable, Hashable {
    /// The legend label, e.g. `hiddenSize=50, lr=0.1`.
    public var label: String
    /// One per-iteration loss curve per seed; lengths may differ (early stopping).
    public var curves: [[Double]]

    public init(label: String, curves: [[Double]]) {
        self.label = label
        self.curves = curves
    }
}

/// A line chart of loss curves on a log10 loss axis, as SVG.
///
/// Per group it draws the min–max band across the group's curves as one `<path class="band">`
/// and the per-iteration arithmetic mean as one `<path class="mean">`, both over the iterations
/// (0-based) on a linear x axis. Values that a log axis cannot show (zero, negative, NaN,
/// infinite) are skipped: they count towards neither the band nor the mean, and an iteration
/// where a group has none leaves a gap. Past the end of a shorter curve, the mean is over the
/// curves still running.
///
/// More iterations than ``maximumPoints`` are binned (each bin's min, max and mean over all its
/// values) so that the SVG stays small; the fast path is one pass over the data.
public struct LossCurveChart: Sendable {
    /// The plot title.
    public var title: String
    /// The groups, drawn in order with the palette's colours (cycling, then with dashes).
    public var groups: [CurveGroup]
    /// The x axis title.
    public var xAxisTitle: String
    /// The y axis title.
    public var yAxisTitle: String
    /// The width of the SVG in pixels.
    public var width: Double
    /// The height of the SVG in pixels.
    public var height: Double
    /// The iterations between two points of a curve: 1 for per-iteration training losses (the x
    /// axis counts points from 0), `evaluation.every` for validation passes (point `k` is at
    /// iteration `(k + 1) · spacing`, and the x axis is labelled in iterations).
    public var pointSpacing = 1

    /// The most points a path gets along the x axis before iterations are binned.
    public static let maximumPoints = 1000

    public init(
        title: String, groups: [CurveGroup], xAxisTitle: String = "iteration", yAxisTitle: String = "loss",
        width: Double = 900, height: Double = 500
    ) {
        self.title = title
        self.groups = groups
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.width = width
        self.height = height
    }

    // MARK: - Statistics per iteration

    /// Per-bin minimum, maximum and mean of one group's positive finite values.
    package struct Envelope {
        package var minimum: [Double]
        package var maximum: [Double]
        package var mean: [Double]
        /// The number of values in a bin; 0 leaves a gap.
        package var count: [Int]
    }

    /// The envelope of `curves` over `binCount` bins of `iterationCount` iterations.
    package static func envelope(of curves: [[Double]], iterationCount: Int, binCount: Int) -> Envelope {
        var minimum = [Double](repeating: .infinity, count: binCount)
        var maximum = [Double](repeating: -.infinity, count: binCount)
        var sum = [Double](repeating: 0, count: binCount)
        var count = [Int](repeating: 0, count: binCount)
        let binned = binCount < iterationCount
        for curve in curves {
            for (iteration, value) in curve.enumerated() where value > 0 && value.isFinite {
                let bin = binned ? iteration * binCount / iterationCount : iteration
                if value < minimum[bin] { minimum[bin] = value }
                if value > maximum[bin] { maximum[bin] = value }
                sum[bin] += value
                count[bin] += 1
            }
        }
        var mean = sum
        for bin in 0..<binCount where count[bin] > 0 { mean[bin] /= Double(count[bin]) }
        return Envelope(minimum: minimum, maximum: maximum, mean: mean, count: count)
    }

    // MARK: - SVG

    /// The chart as an SVG document (UTF-8 text, no XML declaration, so it also inlines in HTML).
    ///
    /// - Returns: The SVG text.
    public func svg() -> String {
        let iterationCount = max(1, groups.lazy.flatMap { $0.curves }.map(\.count).max() ?? 1)
        let binCount = min(iterationCount, Self.maximumPoints)
        let envelopes = groups.map { Self.envelope(of: $0.curves, iterationCount: iterationCount, binCount: binCount) }

        // Decades of the y axis.
        var lowest = Double.infinity
        var highest = -Double.infinity
        for envelope in envelopes {
            for bin in 0..<binCount where envelope.count[bin] > 0 {
                lowest = min(lowest, envelope.minimum[bin])
                highest = max(highest, envelope.maximum[bin])
            }
        }
        let axis = SVG.DecadeAxis(lowest: lowest, highest: highest)

        // Layout.
        let fontSize = 12.0
        let longestLabel = groups.map { min($0.label.count, Self.legendLabelLimit) }.max() ?? 0
        let legendWidth = groups.isEmpty ? 0 : min(max(Double(longestLabel) * fontSize * 0.6 + 40, 110), 280)
        let area = SVG.PlotArea(width: width, height: height, legendWidth: legendWidth)
        let (left, right, top, bottom) = (area.left, area.right, area.top, area.bottom)
        let (plotWidth, plotHeight) = (area.width, area.height)
        let xMax = Double(max(iterationCount - 1, 1))
        func x(_ iteration: Double) -> Double { left + iteration / xMax * plotWidth }
        func y(_ value: Double) -> Double { bottom - axis.fraction(value) * plotHeight }
        func binIteration(_ bin: Int) -> Double {
            binCount < iterationCount
                ? (Double(bin) + 0.5) * Double(iterationCount) / Double(binCount) - 0.5 : Double(bin)
        }

        var out = SVG.header(width: width, height: height, title: title)
        out += SVG.chartTitle(title, x: left + plotWidth / 2)

        // Grid and ticks.
        out += "<g class=\"axes\" font-size=\"11\" fill=\"#333333\">\n"
        out += axis.verticalTicks(left: left, right: right, y: y)
        let spacing = Double(max(pointSpacing, 1))
        // Point k is at iteration (k + 1) · spacing when the spacing is not 1.
        let xTicks =
            pointSpacing > 1
            ? SVG.niceTicks(low: spacing, high: (xMax + 1) * spacing, target: 8, minimumStep: 1).ticks
            : SVG.niceTicks(low: 0, high: xMax, target: 8, minimumStep: 1).ticks
        for tick in xTicks {
            let position = pointSpacing > 1 ? x(tick / spacing - 1) : x(tick)
            out += SVG.xTick(String(Int(tick)), x: position, top: top, bottom: bottom)
        }
        out += SVG.frame(left: left, top: top, width: plotWidth, height: plotHeight)
        out += "</g>\n"
        out += SVG.axisTitles(
            x: xAxisTitle, y: yAxisTitle + " (log scale)", left: left, top: top, plotWidth: plotWidth,
            plotHeight: plotHeight, height: height)

        // Data: all bands first, then the means on top.
        out += "<g class=\"data\">\n"
        for (index, envelope) in envelopes.enumerated() {
            let color = SVG.palette[index % SVG.palette.count]
            out += "<path class=\"band\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\" d=\""
            var start = 0
            while start < binCount {
                guard envelope.count[start] > 0 else {
                    start += 1
                    continue
                }
                var end = start
                while end + 1 < binCount, envelope.count[end + 1] > 0 { end += 1 }
                out += "M"
                for bin in start...end {
                    if bin > start { out += "L" }
                    SVG.appendNumber(x(binIteration(bin)), to: &out)
                    out += ","
                    SVG.appendNumber(y(envelope.maximum[bin]), to: &out)
                }
                for bin in stride(from: end, through: start, by: -1) {
                    out += "L"
                    SVG.appendNumber(x(binIteration(bin)), to: &out)
                    out += ","
                    SVG.appendNumber(y(envelope.minimum[bin]), to: &out)
                }
                out += "Z"
                start = end + 1
            }
            out += "\"/>\n"
        }
        for (index, envelope) in envelopes.enumerated() {
            let color = SVG.palette[index % SVG.palette.count]
            out += "<path class=\"mean\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\""
            out += " stroke-linejoin=\"round\"\(Self.dashAttribute(index)) d=\""
            var penDown = false
            for bin in 0..<binCount {
                guard envelope.count[bin] > 0 else {
                    penDown = false
                    continue
                }
                out += penDown ? "L" : "M"
                penDown = true
                SVG.appendNumber(x(binIteration(bin)), to: &out)
                out += ","
                SVG.appendNumber(y(envelope.mean[bin]), to: &out)
            }
            out += "\"><title>\(SVG.escape(groups[index].label))</title></path>\n"
        }
        out += "</g>\n"

        out += legend(x: right + 16, top: top, bottom: bottom)
        out += "</svg>\n"
        return out
    }

    /// Labels longer than this are shortened with `…` in the legend.
    package static let legendLabelLimit = 40

    private static func dashAttribute(_ index: Int) -> String {
        let cycle = (index / SVG.palette.count) % SVG.dashes.count
        guard let dash = SVG.dashes[cycle] else { return "" }
        return " stroke-dasharray=\"\(dash)\""
    }

    /// The legend: a swatch and a label a row; `+N more` when the rows run out.
    private func legend(x: Double, top: Double, bottom: Double) -> String {
        guard !groups.isEmpty else { return "" }
        let rowHeight = 18.0
        let rows = max(1, Int((bottom - top) / rowHeight))
        let shown = groups.count <= rows ? groups.count : rows - 1
        let characters = max(4, Int((width - x - 34) / (12 * 0.6)))
        var out = "<g class=\"legend\">\n"
        for index in 0..<shown {
            let color = SVG.palette[index % SVG.palette.count]
            let rowY = top + Double(index) * rowHeight
            out += "<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(rowY + 3))\" width=\"22\" height=\"10\" "
            out += "fill=\"\(color)\" fill-opacity=\"0.18\"/>\n"
            out += "<line x1=\"\(SVG.number(x))\" y1=\"\(SVG.number(rowY + 8))\" x2=\"\(SVG.number(x + 22))\" "
            out +=
                "y2=\"\(SVG.number(rowY + 8))\" stroke=\"\(color)\" stroke-width=\"1.6\"\(Self.dashAttribute(index))/>\n"
            let label = SVG.shorten(groups[index].label, to: min(characters, Self.legendLabelLimit))
            out += SVG.text(label, x: x + 28, y: rowY + 12)
        }
        if shown < groups.count {
            let rowY = top + Double(shown) * rowHeight
            out += SVG.text("+\(groups.count - shown) more", x: x + 28, y: rowY + 12, attributes: "fill=\"#555555\"")
        }
        out += "</g>\n"
        return out
    }
}
