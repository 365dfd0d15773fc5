import Foundation
import RunnerModel

/// The best objective so far against trial number, as SVG.
///
/// Over the trial number (linear x axis) it draws the best so far as one step line
/// (`<path class="best">`: flat until a trial improves it, then down), each trial's own objective
/// as a dot (`<circle class="trial">`, or `class="record"` for a trial that set a new best), and
/// each trial without an objective (pruned, failed, diverged, not finished) as a grey tick on the
/// bottom edge (`<line class="no-objective">`). Every mark has a `<title>` with the trial, its run
/// and its value or status. The y axis is log10 over whole decades when the objectives span a
/// factor of 10 or more (and are all positive), else linear.
public struct BestSoFarChart: Sendable {
    /// The plot title.
    public var title: String
    /// The sequence.
    public var bestSoFar: BestSoFar
    /// The x axis title.
    public var xAxisTitle: String
    /// The y axis title (`(log scale)` is added on a log axis).
    public var yAxisTitle: String
    /// The width of the SVG in pixels.
    public var width: Double
    /// The height of the SVG in pixels.
    public var height: Double

    /// Creates a chart.
    ///
    /// - Parameters:
    ///   - title: The plot title.
    ///   - bestSoFar: The sequence.
    ///   - xAxisTitle: The x axis title.
    ///   - yAxisTitle: The y axis title; nil for the sequence's objective words.
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    public init(
        title: String, bestSoFar: BestSoFar, xAxisTitle: String = "trial", yAxisTitle: String? = nil,
        width: Double = 900, height: Double = 500
    ) {
        self.title = title
        self.bestSoFar = bestSoFar
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle ?? bestSoFar.objectiveWords
        self.width = width
        self.height = height
    }

    /// The dot colour of a trial's objective, and of one that set a new best.
    package static let trialColor = SVG.palette[0]
    package static let recordColor = SVG.palette[3]
    /// The colour of the step line.
    package static let bestColor = SVG.palette[6]
    /// The colour of the ticks of trials without an objective.
    package static let missingColor = "#999999"

    /// The value axis: decades, or linear with its ticks and their spacing.
    enum ValueAxis {
        case decades(SVG.DecadeAxis)
        case linear(low: Double, high: Double, ticks: [Double], step: Double)

        /// The axis for objectives between `lowest` and `highest` (not finite: none).
        init(lowest: Double, highest: Double) {
            guard lowest.isFinite, highest.isFinite else {
                self = .decades(SVG.DecadeAxis(lowest: .infinity, highest: -.infinity))
                return
            }
            if lowest > 0, highest / lowest >= 10 {
                self = .decades(SVG.DecadeAxis(lowest: lowest, highest: highest))
                return
            }
            var low = lowest
            var high = highest
            if high - low <= Swift.max(abs(high), abs(low)) * 1e-9 {
                // One value (or equal ones): a band of 10% around it.
                let pad = low == 0 ? 1 : abs(low) * 0.1
                low -= pad
                high += pad
            }
            let step = SVG.niceTicks(low: low, high: high, target: 6).step
            low = (low / step).rounded(.down) * step
            high = (high / step).rounded(.up) * step
            // Losses are not negative: do not run the axis below zero for them.
            if lowest >= 0, low < 0 { low = 0 }
            self = .linear(
                low: low, high: high, ticks: SVG.niceTicks(low: low, high: high, target: 6).ticks, step: step)
        }

        /// Where `value` sits: 0 at the bottom, 1 at the top.
        func fraction(_ value: Double) -> Double {
            switch self {
            case .decades(let axis): axis.fraction(value)
            case .linear(let low, let high, _, _): (value - low) / (high - low)
            }
        }

        var isLogarithmic: Bool {
            if case .decades = self { return true }
            return false
        }
    }

    // MARK: - SVG

    /// The chart as an SVG document (UTF-8 text, no XML declaration, so it also inlines in HTML).
    ///
    /// - Returns: The SVG text.
    public func svg() -> String {
        let points = bestSoFar.points
        let objectives = points.compactMap(\.trial.objective)
        let axis = ValueAxis(lowest: objectives.min() ?? .infinity, highest: objectives.max() ?? -.infinity)
        let missing = points.filter { $0.trial.objective == nil }

        // Layout.
        let legendWidth = 200.0
        let area = SVG.PlotArea(width: width, height: height, legendWidth: legendWidth)
        let (left, right, top, bottom) = (area.left, area.right, area.top, area.bottom)
        let (plotWidth, plotHeight) = (area.width, area.height)
        // From trial 1 to the last, half a trial more at each end so that no dot sits on the frame.
        let firstTrial = 0.5
        let lastTrial = Double(max(points.last?.trial.number ?? 1, 1)) + 0.5
        func x(_ trial: Int) -> Double { left + (Double(trial) - firstTrial) / (lastTrial - firstTrial) * plotWidth }
        func y(_ value: Double) -> Double { bottom - axis.fraction(value) * plotHeight }

        var out = SVG.header(width: width, height: height, title: title)
        out += SVG.chartTitle(title, x: left + plotWidth / 2)

        // Grid and ticks.
        out += "<g class=\"axes\" font-size=\"11\" fill=\"#333333\">\n"
        switch axis {
        case .decades(let decades):
            out += decades.verticalTicks(left: left, right: right, y: y)
        case .linear(_, _, let ticks, let step):
            for tick in ticks {
                out += SVG.yTick(SVG.tickLabel(tick, step: step), y: y(tick), left: left, right: right)
            }
        }
        for tick in SVG.niceTicks(low: firstTrial, high: lastTrial, target: 8, minimumStep: 1).ticks {
            out += SVG.xTick(String(Int(tick)), x: x(Int(tick)), top: top, bottom: bottom)
        }
        out += SVG.frame(left: left, top: top, width: plotWidth, height: plotHeight)
        out += "</g>\n"
        out += SVG.axisTitles(
            x: xAxisTitle, y: yAxisTitle + (axis.isLogarithmic ? " (log scale)" : ""), left: left, top: top,
            plotWidth: plotWidth, plotHeight: plotHeight, height: height)

        // Data: the trials without an objective, the step line, then the dots on top.
        out += "<g class=\"data\">\n"
        for point in missing {
            let position = x(point.trial.number)
            out += "<line class=\"no-objective\" x1=\"\(SVG.number(position))\" y1=\"\(SVG.number(bottom - 8))\" "
            out += "x2=\"\(SVG.number(position))\" y2=\"\(SVG.number(bottom))\" stroke=\"\(Self.missingColor)\" "
            out += "stroke-width=\"1.5\"><title>\(SVG.escape(Self.label(point)))</title></line>\n"
        }
        if let start = points.firstIndex(where: { $0.best != nil }), let first = points[start].best {
            out += "<path class=\"best\" fill=\"none\" stroke=\"\(Self.bestColor)\" stroke-width=\"1.6\" d=\"M"
            SVG.appendNumber(x(points[start].trial.number), to: &out)
            out += ","
            SVG.appendNumber(y(first), to: &out)
            var current = first
            for point in points[(start + 1)...] {
                guard let best = point.best, best != current else { continue }
                out += "H"
                SVG.appendNumber(x(point.trial.number), to: &out)
                out += "V"
                SVG.appendNumber(y(best), to: &out)
                current = best
            }
            out += "H"
            SVG.appendNumber(x(points[points.count - 1].trial.number), to: &out)
            out += "\"><title>best \(SVG.escape(bestSoFar.objectiveWords)) so far</title></path>\n"
        }
        for point in points {
            guard let objective = point.trial.objective else { continue }
            let record = point.improved
            out += "<circle class=\"\(record ? "record" : "trial")\" cx=\"\(SVG.number(x(point.trial.number)))\" "
            out += "cy=\"\(SVG.number(y(objective)))\" r=\"\(record ? "4" : "3")\" "
            out += "fill=\"\(record ? Self.recordColor : Self.trialColor)\" fill-opacity=\"\(record ? "1" : "0.5")\">"
            out += "<title>\(SVG.escape(Self.label(point)))</title></circle>\n"
        }
        if objectives.isEmpty {
            out += SVG.text(
                "no trial has an objective yet", x: left + plotWidth / 2, y: top + plotHeight / 2, anchor: "middle",
                attributes: "fill=\"#555555\"")
        }
        out += "</g>\n"

        out += legend(x: right + 16, top: top, hasMissing: !missing.isEmpty)
        out += "</svg>\n"
        return out
    }

    /// A mark's tooltip: `trial 7 (run 4f139313af2c): 1.2345e-03`, or its status.
    static func label(_ point: BestSoFar.Point) -> String {
        "trial \(point.trial.number) (run \(point.trial.runID)): "
            + (point.trial.objective.map { TableRenderer.formatLoss($0, digits: 4) } ?? point.trial.status.rawValue)
            + (point.improved ? ", a new best" : "")
    }

    /// The legend: the line, the two dots and, when there are any, the ticks.
    private func legend(x: Double, top: Double, hasMissing: Bool) -> String {
        var out = "<g class=\"legend\">\n"
        var rowY = top
        out += SVG.line(x1: x, y1: rowY + 8, x2: x + 22, y2: rowY + 8, stroke: Self.bestColor, width: 1.6)
        out += SVG.text("best so far", x: x + 28, y: rowY + 12)
        rowY += 18
        for (color, opacity, text) in [
            (Self.trialColor, "0.5", "a trial's objective"), (Self.recordColor, "1", "a trial that set a new best"),
        ] {
            out += "<circle cx=\"\(SVG.number(x + 11))\" cy=\"\(SVG.number(rowY + 8))\" r=\"3.5\" fill=\"\(color)\" "
            out += "fill-opacity=\"\(opacity)\"/>\n"
            out += SVG.text(text, x: x + 28, y: rowY + 12)
            rowY += 18
        }
        if hasMissing {
            out += SVG.line(x1: x + 11, y1: rowY + 3, x2: x + 11, y2: rowY + 13, stroke: Self.missingColor, width: 1.5)
            out += SVG.text("a trial without one", x: x + 28, y: rowY + 12)
        }
        out += "</g>\n"
        return out
    }
}
