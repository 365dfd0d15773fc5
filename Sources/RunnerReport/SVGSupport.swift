import Foundation

/// Small pieces shared by the SVG charts: escaping, fast coordinate printing, ticks and colours.
package enum SVG {

    // MARK: - Text

    /// Escapes text for XML character data and attribute values (`&`, `<`, `>`, `"`, `'`).
    ///
    /// Control characters other than tab and line breaks, which XML 1.0 forbids, become spaces.
    ///
    /// - Parameter text: Any text.
    /// - Returns: The escaped text.
    package static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Shortens `text` to `maximum` characters, ending with `…` when cut.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - maximum: The most characters to keep, `…` included.
    /// - Returns: The text, shortened if needed.
    package static func shorten(_ text: String, to maximum: Int) -> String {
        TableRenderer.truncate(text, to: max(1, maximum))
    }

    /// An estimate of the width of `text` in pixels in a sans-serif font of size `fontSize`.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - fontSize: The font size in pixels.
    /// - Returns: About 0.6 em a character.
    package static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    // MARK: - Numbers

    /// Appends `value` rounded to two decimals, without trailing zeros, and without going
    /// through `String(format:)` (which is slow on Linux).
    ///
    /// - Parameters:
    ///   - value: The coordinate.
    ///   - output: The string to append to.
    package static func appendNumber(_ value: Double, to output: inout String) {
        let scaled = (value * 100).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else {
            output += "0"
            return
        }
        var hundredths = Int(scaled)
        if hundredths < 0 {
            output += "-"
            hundredths = -hundredths
        }
        output += String(hundredths / 100)
        let fraction = hundredths % 100
        if fraction != 0 {
            output += "."
            if fraction < 10 {
                output += "0"
                output += String(fraction)
            } else if fraction.isMultiple(of: 10) {
                output += String(fraction / 10)
            } else {
                output += String(fraction)
            }
        }
    }

    /// `value` rounded to two decimals, as ``appendNumber(_:to:)`` prints it.
    ///
    /// - Parameter value: The coordinate.
    /// - Returns: The text.
    package static func number(_ value: Double) -> String {
        var text = ""
        appendNumber(value, to: &text)
        return text
    }

    /// Ticks at 1, 2 or 5 times a power of ten that cover `low...high` with about `target` steps.
    ///
    /// - Parameters:
    ///   - low: The lower end of the domain.
    ///   - high: The upper end of the domain, >= `low`.
    ///   - target: The number of intervals wanted.
    ///   - minimumStep: The smallest step allowed (1 for iterations).
    /// - Returns: The ticks inside the domain, ascending, and the step.
    package static func niceTicks(low: Double, high: Double, target: Int, minimumStep: Double = 0) -> (
        ticks: [Double], step: Double
    ) {
        let span = max(high - low, 1e-12)
        let rough = span / Double(max(1, target))
        let power = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        let step = max(nice * power, minimumStep)
        var ticks: [Double] = []
        var index = (low / step).rounded(.up)
        while index * step <= high + step * 1e-9 {
            ticks.append(index * step)
            index += 1
        }
        return (ticks, step)
    }

    /// A decade label: `1` for 10^0, else `1e-4`, `1e2`.
    ///
    /// - Parameter exponent: The power of ten.
    /// - Returns: The label.
    package static func decadeLabel(_ exponent: Int) -> String {
        exponent == 0 ? "1" : "1e\(exponent)"
    }

    /// A short scientific form with two significant digits: `1.2e-4`, `3e2`, `1`.
    ///
    /// - Parameter value: A number.
    /// - Returns: The text; `nan`, `inf` or `-inf` for non-finite values.
    package static func compact(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let parts = String(format: "%.1e", value).split(separator: "e")
        guard parts.count == 2, let exponent = Int(parts[1]) else { return "\(value)" }
        var mantissa = String(parts[0])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        return exponent == 0 ? mantissa : mantissa + "e" + String(exponent)
    }

    /// A tick label for a linear axis whose ticks are `step` apart: enough significant digits to
    /// tell neighbouring ticks apart, in `%g` form with a short exponent (`0.185`, `1.25e-7`, `40`).
    ///
    /// - Parameters:
    ///   - value: The tick's value.
    ///   - step: The distance between ticks, > 0.
    /// - Returns: The label.
    package static func tickLabel(_ value: Double, step: Double) -> String {
        if abs(value) < step * 1e-9 { return "0" }
        let exponent = Int(log10(abs(value)).rounded(.down))
        var digits = max(1, exponent - Int(log10(step).rounded(.down)) + 1)
        // Whole numbers below a million in full, not as `4e1`.
        if exponent >= 0 && exponent < 6 { digits = max(digits, exponent + 1) }
        var text = String(format: "%.\(min(digits, 15))g", value)
        for (long, short) in [("e-0", "e-"), ("e+0", "e"), ("e+", "e")] {
            text = text.replacingOccurrences(of: long, with: short)
        }
        return text
    }

    // MARK: - Axes

    /// Where a chart with a legend on its right draws its plot: 72 points from the left, 48 from
    /// the top, 52 above the bottom, and the legend's width plus 16 from the right (the plot at
    /// least 10 points each way).
    package struct PlotArea {
        package let left = 72.0
        package let top = 48.0
        package let right: Double
        package let bottom: Double

        /// The plot area of a chart of this size.
        package init(width: Double, height: Double, legendWidth: Double) {
            right = width - legendWidth - 16
            bottom = height - 52
        }

        /// The plot's width.
        package var width: Double { max(right - left, 10) }
        /// The plot's height.
        package var height: Double { max(bottom - top, 10) }
    }

    /// A log10 value axis over whole decades: those of the data (at least one), labelled every
    /// `decadeStep` decades so that about eight labels fit, both ends aligned to the step.
    package struct DecadeAxis: Equatable {
        /// The power of ten at the low end.
        package var lowDecade: Int
        /// The power of ten at the high end, > `lowDecade`.
        package var highDecade: Int
        /// The decades between two labels.
        package var decadeStep: Int

        /// The axis that covers `lowest...highest`.
        ///
        /// - Parameters:
        ///   - lowest: The smallest positive value shown; not finite for none (the axis is then
        ///     1e-3 to 1).
        ///   - highest: The largest.
        package init(lowest: Double, highest: Double) {
            var low = lowest.isFinite ? Int(log10(lowest).rounded(.down)) : -3
            var high = highest.isFinite ? Int(log10(highest).rounded(.up)) : 0
            if high <= low { high = low + 1 }
            let step = max(1, (high - low + 7) / 8)
            // Align the ends to the label step so that both ends get a label.
            low = Int((Double(low) / Double(step)).rounded(.down)) * step
            high = Int((Double(high) / Double(step)).rounded(.up)) * step
            lowDecade = low
            highDecade = high
            decadeStep = step
        }

        /// Where `value` sits along the axis: 0 at `10^lowDecade`, 1 at `10^highDecade`.
        ///
        /// - Parameter value: A positive value.
        /// - Returns: The fraction.
        package func fraction(_ value: Double) -> Double {
            (log10(value) - Double(lowDecade)) / Double(highDecade - lowDecade)
        }

        /// The ticks of a vertical axis at `left`: a labelled tick and a grid line to `right` at
        /// every `decadeStep`-th decade, a short tick at the other decades, and minor ticks at 2..9
        /// times each decade when every decade is labelled and they are at most six.
        ///
        /// - Parameters:
        ///   - left: The axis's x.
        ///   - right: Where the grid lines end.
        ///   - y: The y of a value.
        /// - Returns: The elements.
        package func verticalTicks(left: Double, right: Double, y: (Double) -> Double) -> String {
            var out = ""
            for exponent in stride(from: lowDecade, through: highDecade, by: 1) {
                let position = y(pow(10, Double(exponent)))
                if (exponent - lowDecade) % decadeStep == 0 {
                    out += SVG.yTick(SVG.decadeLabel(exponent), y: position, left: left, right: right)
                } else {
                    out += SVG.line(x1: left - 3, y1: position, x2: left, y2: position, stroke: "#333333")
                }
                if decadeStep == 1, highDecade - lowDecade <= 6, exponent < highDecade {
                    for multiple in 2...9 {
                        let minor = y(Double(multiple) * pow(10, Double(exponent)))
                        out += SVG.line(x1: left - 3, y1: minor, x2: left, y2: minor, stroke: "#777777")
                    }
                }
            }
            return out
        }
    }

    /// One labelled tick of a vertical axis at `left`, with its grid line to `right`.
    ///
    /// - Parameters:
    ///   - label: The label, right-aligned left of the tick.
    ///   - y: The tick's y.
    ///   - left: The axis's x.
    ///   - right: Where the grid line ends.
    /// - Returns: The elements.
    package static func yTick(_ label: String, y: Double, left: Double, right: Double) -> String {
        line(x1: left, y1: y, x2: right, y2: y, stroke: "#e3e3e3")
            + line(x1: left - 5, y1: y, x2: left, y2: y, stroke: "#333333")
            + text(label, x: left - 8, y: y + 4, anchor: "end")
    }

    /// One labelled tick of a horizontal axis at `bottom`, with its grid line up to `top`.
    ///
    /// - Parameters:
    ///   - label: The label, centred under the tick.
    ///   - x: The tick's x.
    ///   - top: Where the grid line ends.
    ///   - bottom: The axis's y.
    /// - Returns: The elements.
    package static func xTick(_ label: String, x: Double, top: Double, bottom: Double) -> String {
        line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#eeeeee")
            + line(x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: "#333333")
            + text(label, x: x, y: bottom + 18, anchor: "middle")
    }

    /// The plot area's outline.
    ///
    /// - Parameters:
    ///   - left: Its left edge.
    ///   - top: Its top edge.
    ///   - width: Its width.
    ///   - height: Its height.
    /// - Returns: The `<rect>`.
    package static func frame(left: Double, top: Double, width: Double, height: Double) -> String {
        "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(width))\" "
            + "height=\"\(number(height))\" fill=\"none\" stroke=\"#333333\"/>\n"
    }

    /// The chart's title, bold, centred at `x` above the plot.
    ///
    /// - Parameters:
    ///   - title: The title.
    ///   - x: Its centre.
    /// - Returns: The `<text>`.
    package static func chartTitle(_ title: String, x: Double) -> String {
        text(title, x: x, y: 26, anchor: "middle", attributes: "font-size=\"16\" font-weight=\"bold\"")
    }

    /// The axis titles: `x` centred under the plot, `y` turned up the left side.
    ///
    /// - Parameters:
    ///   - x: The x axis title.
    ///   - y: The y axis title.
    ///   - left: The plot's left edge.
    ///   - top: The plot's top edge.
    ///   - plotWidth: The plot's width.
    ///   - plotHeight: The plot's height.
    ///   - height: The document's height.
    /// - Returns: The two `<text>` elements.
    package static func axisTitles(
        x: String, y: String, left: Double, top: Double, plotWidth: Double, plotHeight: Double, height: Double
    ) -> String {
        let yTitleX = 18.0
        let yTitleY = top + plotHeight / 2
        return text(x, x: left + plotWidth / 2, y: height - 14, anchor: "middle", attributes: "font-size=\"13\"")
            + text(
                y, x: yTitleX, y: yTitleY, anchor: "middle",
                attributes: "font-size=\"13\" transform=\"rotate(-90 \(number(yTitleX)) \(number(yTitleY)))\"")
    }

    // MARK: - Colours

    /// The Okabe–Ito colour-blind-friendly palette, yellow last because it is faint on white.
    package static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
    ]

    /// Dash patterns that tell groups apart once the palette repeats.
    package static let dashes: [String?] = [nil, "6 3", "2 2", "8 3 2 3"]

    /// An RGB colour with components in 0...1.
    package struct Color: Equatable {
        package var red: Double
        package var green: Double
        package var blue: Double

        package init(red: Double, green: Double, blue: Double) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        package init(hex: UInt32) {
            red = Double((hex >> 16) & 0xFF) / 255
            green = Double((hex >> 8) & 0xFF) / 255
            blue = Double(hex & 0xFF) / 255
        }

        /// `#rrggbb`.
        package var hex: String {
            func component(_ value: Double) -> String {
                let byte = Int((min(max(value, 0), 1) * 255).rounded())
                let text = String(byte, radix: 16)
                return byte < 16 ? "0" + text : text
            }
            return "#" + component(red) + component(green) + component(blue)
        }

        /// Relative luminance (sRGB, WCAG), to pick black or white text on top.
        package var luminance: Double {
            func linear(_ value: Double) -> Double {
                value <= 0.039_28 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
            }
            return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
        }
    }

    /// Nine stops of matplotlib's viridis map, perceptually uniform and colour-blind friendly.
    package static let viridis: [Color] = [
        0x44_0154, 0x47_2D7B, 0x3B_528B, 0x2C_728E, 0x21_918C, 0x28_AE80, 0x5E_C962, 0xAD_DC30, 0xFD_E725,
    ].map { Color(hex: $0) }

    /// The viridis colour at `fraction` (0 = dark purple, 1 = yellow), interpolated linearly in RGB
    /// between the stops.
    ///
    /// - Parameter fraction: The position on the scale; clamped to 0...1.
    /// - Returns: The colour.
    package static func viridisColor(_ fraction: Double) -> Color {
        let clamped = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
        let scaled = clamped * Double(viridis.count - 1)
        let index = min(Int(scaled), viridis.count - 2)
        let t = scaled - Double(index)
        let a = viridis[index]
        let b = viridis[index + 1]
        return Color(
            red: a.red + (b.red - a.red) * t,
            green: a.green + (b.green - a.green) * t,
            blue: a.blue + (b.blue - a.blue) * t
        )
    }

    // MARK: - Document

    /// The opening `<svg>` tag with size, viewBox and font, the `<title>` and a white background.
    ///
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    ///   - title: The accessible title.
    /// - Returns: The start of the document; close it with `</svg>`.
    package static func header(width: Double, height: Double, title: String) -> String {
        let w = number(width)
        let h = number(height)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" \
            font-family="sans-serif" font-size="12" role="img">
            <title>\(escape(title))</title>
            <rect x="0" y="0" width="\(w)" height="\(h)" fill="#ffffff"/>

            """
    }

    /// A `<text>` element.
    ///
    /// - Parameters:
    ///   - content: The text, escaped here.
    ///   - x: The anchor x.
    ///   - y: The baseline y.
    ///   - anchor: `start`, `middle` or `end`.
    ///   - attributes: Extra attributes, already escaped, e.g. `font-size="10"`.
    /// - Returns: The element and a newline.
    package static func text(_ content: String, x: Double, y: Double, anchor: String = "start", attributes: String = "")
        -> String
    {
        let extra = attributes.isEmpty ? "" : " " + attributes
        return
            "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\"\(extra)>\(escape(content))</text>\n"
    }

    /// A `<line>` element.
    ///
    /// - Parameters:
    ///   - x1: The start x.
    ///   - y1: The start y.
    ///   - x2: The end x.
    ///   - y2: The end y.
    ///   - stroke: The stroke colour.
    ///   - width: The stroke width.
    /// - Returns: The element and a newline.
    package static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1)
        -> String
    {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(number(width))\"/>\n"
    }
}
