import Foundation
import Testing

@testable import RunnerCLI
@testable import RunnerReport

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses XML with Foundation's `XMLParser` and records every element with its attributes and text.
final class XMLElementCollector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []
    private(set) var parseError: (any Error)?

    /// Parses `text`; returns false (and keeps the error) when it is not well-formed.
    static func parse(_ text: String) -> XMLElementCollector {
        let collector = XMLElementCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        if !parser.parse() { collector.parseError = parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return collector
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        open.append(elements.count)
        elements.append(Element(name: elementName, attributes: attributeDict))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        open.removeLast()
    }

    func elements(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
    }
}

@Suite struct LossCurveChartTests {
    static func groups(count: Int, curves: Int, length: Int) -> [CurveGroup] {
        (0..<count).map { group in
            CurveGroup(
                label: "group \(group)",
                curves: (0..<curves).map { seed -> [Double] in
                    let scale: Double = (1 + Double(group)) * 0.5 * (1 + 0.05 * Double(seed))
                    return (0..<length).map { iteration -> Double in scale * exp(-Double(iteration) / 20) }
                })
        }
    }

    @Test func chartIsWellFormedSVGWithOneMeanAndOneBandPerGroup() throws {
        let chart = LossCurveChart(
            title: "Loss <by> group & seed", groups: Self.groups(count: 3, curves: 4, length: 50))
        let svg = chart.svg()
        let xml = XMLElementCollector.parse(svg)
        #expect(xml.parseError == nil)
        let root = try #require(xml.elements.first)
        #expect(root.name == "svg")
        #expect(root.attributes["width"] == "900")
        #expect(root.attributes["height"] == "500")
        #expect(root.attributes["viewBox"] == "0 0 900 500")
        #expect(root.attributes["font-family"] == "sans-serif")
        #expect(xml.elements[1].name == "title")
        #expect(xml.elements[1].text == "Loss <by> group & seed")
        #expect(xml.elements("path", class: "mean").count == 3)
        #expect(xml.elements("path", class: "band").count == 3)
        let texts = xml.elements("text").map(\.text)
        #expect(texts.contains("iteration"))
        #expect(texts.contains("loss (log scale)"))
        #expect(texts.contains("group 2"))
        #expect(texts.contains("1e-1"))
    }

    @Test func raggedNaNAndNonPositiveValuesAreSkippedAndLeaveGaps() {
        let group = CurveGroup(
            label: "odd",
            curves: [[1, .nan, 0.5, 0.25, -1, 0.1], [2, .nan, 1], [], [.infinity, .nan, 0]])
        let empty = CurveGroup(label: "empty", curves: [])
        let svg = LossCurveChart(title: "t", groups: [group, empty]).svg()
        let xml = XMLElementCollector.parse(svg)
        #expect(xml.parseError == nil)
        let means = xml.elements("path", class: "mean")
        #expect(means.count == 2)
        let d = means[0].attributes["d"] ?? ""
        // Iteration 1 is NaN in every curve and iteration 4 is negative: three segments.
        #expect(d.filter { $0 == "M" }.count == 3)
        #expect(!d.contains("nan") && !d.contains("inf"))
        #expect(means[1].attributes["d"] == "")
    }

    @Test func meanAndBandFollowTheMinMaxAndMeanOfEachIteration() {
        let envelope = LossCurveChart.envelope(of: [[1, 4], [3], [2, 8]], iterationCount: 2, binCount: 2)
        #expect(envelope.minimum == [1, 4])
        #expect(envelope.maximum == [3, 8])
        #expect(envelope.mean == [2, 6])
        #expect(envelope.count == [3, 2])
        let binned = LossCurveChart.envelope(of: [[1, 2, 3, 4]], iterationCount: 4, binCount: 2)
        #expect(binned.mean == [1.5, 3.5])
        #expect(binned.minimum == [1, 3])
    }

    @Test func fortyGroupsRenderWithAMoreEntryInTheLegend() throws {
        let svg = LossCurveChart(title: "many", groups: Self.groups(count: 40, curves: 3, length: 30)).svg()
        let xml = XMLElementCollector.parse(svg)
        #expect(xml.parseError == nil)
        #expect(xml.elements("path", class: "mean").count == 40)
        let more = xml.elements("text").first { $0.text.hasSuffix(" more") }
        #expect(more != nil)
        let legendLabels = xml.elements("text").filter { $0.text.hasPrefix("group ") }.count
        let moreText = try #require(more?.text)
        let hidden = Int(moreText.dropFirst().prefix { $0 != " " }) ?? 0
        #expect(legendLabels + hidden == 40)
    }

    @Test func tenThousandCurvesInFortyGroupsProduceACompactDocument() {
        let svg = LossCurveChart(title: "big", groups: Self.groups(count: 40, curves: 100, length: 100)).svg()
        let xml = XMLElementCollector.parse(svg)
        #expect(xml.parseError == nil)
        #expect(xml.elements("path", class: "mean").count == 40)
        // Paths grow with groups x iterations, not with the number of curves.
        #expect(svg.utf8.count < 200_000)
    }

    @Test func labelsAreEscaped() {
        let svg = LossCurveChart(
            title: "<script>alert(1)</script>", groups: [CurveGroup(label: "a<b & \"c\"", curves: [[1, 0.5]])]
        ).svg()
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("a&lt;b &amp; &quot;c&quot;"))
        #expect(XMLElementCollector.parse(svg).parseError == nil)
    }

    @Test func coordinatesAreRoundedToTwoDecimals() {
        #expect(SVG.number(12.3456) == "12.35")
        #expect(SVG.number(-0.001) == "0")
        #expect(SVG.number(-3.1) == "-3.1")
        #expect(SVG.number(7.05) == "7.05")
        #expect(SVG.number(100) == "100")
    }

    @Test func niceTicksUseOneTwoFiveSteps() {
        #expect(SVG.niceTicks(low: 0, high: 99, target: 8, minimumStep: 1).ticks == [0, 20, 40, 60, 80])
        #expect(SVG.niceTicks(low: 0, high: 3, target: 8, minimumStep: 1).ticks == [0, 1, 2, 3])
        #expect(SVG.niceTicks(low: 0, high: 1000, target: 5).step == 200)
    }
}

@Suite struct HeatmapChartTests {
    static let values: [[Double?]] = [
        [1e-4, 2e-4, nil, 5e-3, 1e-2],
        [3e-4, .nan, 8e-4, 2e-2, nil],
        [1e-1, 2e-1, 4e-1, 1, 2],
        [nil, nil, 0, 7e-3, 3e-3],
    ]

    static func chart(_ values: [[Double?]] = values) -> HeatmapChart {
        HeatmapChart(
            title: "Final loss", xLabels: ["0.001", "0.01", "0.1", "1", "10"],
            yLabels: ["25", "50", "100", "<200>"], values: values, xAxisTitle: "learning rate",
            yAxisTitle: "hidden size", valueTitle: "final loss")
    }

    @Test func heatmapHasOneRectPerNonNilCellWithATooltip() throws {
        let svg = Self.chart().svg()
        let xml = XMLElementCollector.parse(svg)
        #expect(xml.parseError == nil)
        let cells = xml.elements("rect", class: "cell")
        #expect(cells.count == Self.values.joined().compactMap { $0 }.count)
        let root = try #require(xml.elements.first)
        #expect(root.attributes["viewBox"] != nil)
        let titles = xml.elements("title").map(\.text)
        #expect(titles.contains("Final loss"))
        #expect(titles.contains("25, 0.001: 1.0000e-04"))
        #expect(titles.contains("<200>, 1: 7.0000e-03"))
        let texts = xml.elements("text").map(\.text)
        #expect(texts.contains("learning rate"))
        #expect(texts.contains("hidden size"))
        #expect(texts.contains("1e-4"))
    }

    @Test func lowValuesAreDarkAndInvalidValuesGrey() {
        let xml = XMLElementCollector.parse(Self.chart().svg())
        let fills = xml.elements("rect", class: "cell").map { $0.attributes["fill"] ?? "" }
        #expect(fills.first == "#440154")
        #expect(fills.contains("#fde725"))
        #expect(fills.filter { $0 == HeatmapChart.invalidColor }.count == 2)
    }

    @Test func constantAndEmptyGridsStillRender() {
        for values: [[Double?]] in [[[1e-3, 1e-3]], [[nil, nil]], []] {
            let svg = HeatmapChart(
                title: "t", xLabels: ["a", "b"], yLabels: ["r"], values: values, xAxisTitle: "x", yAxisTitle: "y"
            ).svg()
            #expect(XMLElementCollector.parse(svg).parseError == nil)
        }
    }

    @Test func logTicksPickDecadesOrFinerSteps() {
        #expect(HeatmapChart.logTicks(logLow: -4, logHigh: -1) == [1e-4, 1e-3, 1e-2, 1e-1])
        #expect(HeatmapChart.logTicks(logLow: -3, logHigh: log10(6e-3)).count == 3)
        #expect(HeatmapChart.logTicks(logLow: log10(2.1), logHigh: log10(2.9)).count == 2)
    }
}

@Suite struct HTMLReportTests {
    @Test func reportEscapesTextAndEmbedsFiguresInline() throws {
        let table = ReportTable(
            columns: [TableColumn("<script>label</script>"), TableColumn("loss", kind: .loss)],
            rows: [[.text("<script>alert('x')</script>"), .lossMeanStd(mean: 1e-3, std: 2e-4)]])
        let figure = LossCurveChart(title: "curves", groups: [CurveGroup(label: "<script>", curves: [[1, 0.1]])]).svg()
        let report = HTMLReport(
            title: "Report <script>", generatedAt: Date(timeIntervalSince1970: 0), generator: "lstm-runner test",
            sections: [
                HTMLReport.Section(
                    heading: "Results & <script>", paragraph: "Lower is <better>",
                    blocks: [.table(table), .figure(svg: figure, caption: "Loss <curves>"), .paragraph("end")])
            ])
        let html = report.html()
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("Generated 1970-01-01T00:00:00Z by lstm-runner test"))
        #expect(html.contains("<td class=\"num\">1.00e-03 ± 2.0e-04</td>"))
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for external in ["<link", "src=", "href=", "@import", "url("] { #expect(!html.contains(external)) }
    }
}
