import Foundation
import Testing

@testable import RunnerReport

@Suite struct TableRendererTests {
    static let sample = ReportTable(
        columns: [
            TableColumn("configuration"),
            TableColumn("hidden", kind: .integer),
            TableColumn("lr", kind: .number, key: "learningRate"),
            TableColumn("final loss", kind: .loss, key: "finalLoss"),
            TableColumn("over seeds", kind: .loss, key: "seeds"),
        ],
        rows: [
            [
                .text("sgd, tanh"), .integer(50), .number(0.1), .loss(1.234e-4),
                .lossMeanStd(mean: 1.234e-4, std: 5.6e-5),
            ],
            [
                .text("adam \"fast\""), .integer(100), .number(0.031623), .loss(.nan),
                .lossMeanStd(mean: 2e-3, std: nil),
            ],
            [.text("diverged"), .integer(25), .number(1.0), .empty, .empty],
        ])

    struct GoldenCase: Sendable, CustomTestStringConvertible {
        var format: TableFormat
        var expected: String
        var testDescription: String { format.rawValue }
    }

    static let goldenCases: [GoldenCase] = [
        GoldenCase(
            format: .table,
            expected: """
                configuration  hidden       lr  final loss          over seeds
                -------------  ------  -------  ----------  ------------------
                sgd, tanh          50      0.1    1.23e-04  1.23e-04 ± 5.6e-05
                adam "fast"       100  0.03162         nan            2.00e-03
                diverged           25        1           -                   -
                """),
        GoldenCase(
            format: .markdown,
            expected: """
                | configuration | hidden |      lr | final loss |         over seeds |
                | :------------ | -----: | ------: | ---------: | -----------------: |
                | sgd, tanh     |     50 |     0.1 |   1.23e-04 | 1.23e-04 ± 5.6e-05 |
                | adam "fast"   |    100 | 0.03162 |        nan |           2.00e-03 |
                | diverged      |     25 |       1 |          - |                  - |
                """),
        GoldenCase(
            format: .csv,
            expected: #"""
                configuration,hidden,lr,final loss,over seeds,over seeds_std
                "sgd, tanh",50,0.1,0.0001234,0.0001234,5.6e-05
                "adam ""fast""",100,0.031623,nan,0.002,
                diverged,25,1.0,,,
                """#),
        GoldenCase(
            format: .json,
            expected: """
                [
                  {"configuration": "sgd, tanh", "hidden": 50, "learningRate": 0.1, "finalLoss": 0.0001234, \
                "seeds": 0.0001234, "seeds_std": 5.6e-05},
                  {"configuration": "adam \\"fast\\"", "hidden": 100, "learningRate": 0.031623, "finalLoss": null, \
                "seeds": 0.002, "seeds_std": null},
                  {"configuration": "diverged", "hidden": 25, "learningRate": 1.0, "finalLoss": null, "seeds": null, \
                "seeds_std": null}
                ]
                """),
    ]

    @Test(arguments: goldenCases)
    func sampleTableRendersToGoldenText(_ golden: GoldenCase) {
        #expect(TableRenderer.render(Self.sample, format: golden.format) == golden.expected)
    }

    // MARK: - Width

    static let wideTable = ReportTable(
        columns: [
            TableColumn("experiment"), TableColumn("configuration"), TableColumn("seeds", kind: .integer),
            TableColumn("final loss", kind: .loss),
        ],
        rows: [
            [
                .text("seed-toy-with-a-long-name"),
                .text("hiddenSize=200, learningRate=0.031622776601683794, optimizer=adam, cellOutput=tanh"),
                .integer(12_345_678), .lossMeanStd(mean: 1.5e-7, std: 2.5e-8),
            ],
            [.text("short"), .text("x"), .integer(1), .loss(0.25)],
        ])

    @Test(arguments: [100, 80, 60, 45])
    func tableFitsTheWidthByShorteningTextOnly(_ width: Int) {
        let text = TableRenderer.render(Self.wideTable, format: .table, width: width)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        for line in lines { #expect(line.count <= width, "\(line)") }
        #expect(text.contains("12345678"))
        #expect(text.contains("1.50e-07 ± 2.5e-08"))
        #expect(text.contains("…"))
    }

    @Test func numbersAreNeverShortenedEvenWhenTheWidthCannotBeMet() {
        let text = TableRenderer.render(Self.wideTable, format: .table, width: 10)
        #expect(text.contains("12345678"))
        #expect(text.contains("1.50e-07 ± 2.5e-08"))
        #expect(text.contains("exp…"))
    }

    @Test func readableNumbersUseFourSignificantDigits() {
        #expect(TableRenderer.formatNumber(0.031622776601683794) == "0.03162")
        #expect(TableRenderer.formatNumber(100) == "100")
        #expect(TableRenderer.formatNumber(-1.5) == "-1.5")
        #expect(TableRenderer.formatNumber(123_456.7) == "123457")
        #expect(TableRenderer.formatNumber(1e-5) == "1.00e-05")
        #expect(TableRenderer.formatNumber(.infinity) == "inf")
        #expect(TableRenderer.formatLoss(.nan) == "nan")
    }

    // MARK: - CSV

    static let awkwardNumbers: [Double] = [
        0.1 + 0.2, 1e-300, .leastNonzeroMagnitude, 123_456_789.123_456_78, -0.0, .pi, 1.0 / 3, 6.02214076e23, .nan,
        .infinity,
    ]

    @Test func csvRoundTripsTextAndFullPrecisionNumbers() throws {
        let texts = ["plain", "comma, inside", "quote \" inside", "line\nbreak", "", " spaced "]
        let rows: [[TableCell]] = Self.awkwardNumbers.enumerated().map { index, value in
            [
                .text(texts[index % texts.count]), .integer(index - 3), .number(value),
                .lossMeanStd(mean: value, std: 1 / value),
            ]
        }
        let table = ReportTable(
            columns: [
                TableColumn("name, quoted"), TableColumn("index", kind: .integer), TableColumn("value", kind: .number),
                TableColumn("loss", kind: .loss),
            ], rows: rows)
        let records = parseCSV(TableRenderer.render(table, format: .csv))
        #expect(records.first == ["name, quoted", "index", "value", "loss", "loss_std"])
        #expect(records.count == rows.count + 1)
        for (index, value) in Self.awkwardNumbers.enumerated() {
            let record = records[index + 1]
            #expect(record[0] == texts[index % texts.count])
            #expect(Int(record[1]) == index - 3)
            let parsed = try #require(Double(record[2]))
            #expect(parsed.bitPattern == value.bitPattern || (parsed.isNaN && value.isNaN), "\(record[2])")
            let std = try #require(Double(record[4]))
            #expect(std.bitPattern == (1 / value).bitPattern || (std.isNaN && value.isNaN))
        }
    }

    // MARK: - JSON

    @Test func jsonParsesWithNumbersAsNumbersAndNonFiniteAsNull() throws {
        let table = ReportTable(
            columns: [
                TableColumn("name"), TableColumn("n", kind: .integer), TableColumn("x", kind: .number),
                TableColumn("loss", kind: .loss, key: "finalLoss"),
            ],
            rows: [
                [.text("tab\tand \"quote\" and \u{1}"), .integer(-4), .number(0.1), .loss(.nan)],
                [.text("ünïcødé ±"), .integer(7), .number(.infinity), .lossMeanStd(mean: 2.5e-5, std: 1e-6)],
                [.empty, .empty, .number(-1e-300), .empty],
            ])
        let data = Data(TableRenderer.render(table, format: .json).utf8)
        let objects = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(objects.count == 3)
        #expect(objects[0]["name"] as? String == "tab\tand \"quote\" and \u{1}")
        #expect(objects[0]["n"] as? Int == -4)
        #expect(objects[0]["x"] as? Double == 0.1)
        #expect(objects[0]["finalLoss"] is NSNull)
        #expect(objects[0]["finalLoss_std"] is NSNull)
        #expect(objects[1]["name"] as? String == "ünïcødé ±")
        #expect(objects[1]["x"] is NSNull)
        #expect(objects[1]["finalLoss"] as? Double == 2.5e-5)
        #expect(objects[1]["finalLoss_std"] as? Double == 1e-6)
        #expect(objects[2]["name"] is NSNull)
        #expect(objects[2]["x"] as? Double == -1e-300)
    }

    @Test func emptyTableRendersHeaderOnlyOrAnEmptyArray() {
        let table = ReportTable(columns: [TableColumn("a"), TableColumn("b", kind: .integer)], rows: [])
        #expect(TableRenderer.render(table, format: .table) == "a  b\n-  -")
        #expect(TableRenderer.render(table, format: .csv) == "a,b")
        #expect(TableRenderer.render(table, format: .json) == "[]")
    }
}
