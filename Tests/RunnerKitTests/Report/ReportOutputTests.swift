import Foundation
import Testing

@testable import RunnerCLI
@testable import RunnerReport

/// Splits RFC 4180 CSV into records of fields (quotes doubled inside quoted fields).
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text)[...]
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" {
                    field.append("\"")
                    characters.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                field.append(character)
            }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            record.append(field)
            field = ""
        } else if character == "\n" {
            record.append(field)
            records.append(record)
            record = []
            field = ""
        } else {
            field.append(character)
        }
    }
    if !field.isEmpty || !record.isEmpty {
        record.append(field)
        records.append(record)
    }
    return records
}

@Suite struct ReportOutputTests {
    static func reports(_ options: ReportOptions = ReportOptions()) throws -> [ExperimentReport] {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            return try query.experiments(["fixture", "flat"]).map { try query.report($0, options: options) }
        }
    }

    @Test func csvRoundTripsEveryValue() throws {
        let reports = try Self.reports()
        let text = ReportOutput.text(reports, format: .csv)
        let records = parseCSV(text)
        let header = try #require(records.first)
        #expect(
            header == [
                "experiment", "hiddenSize", "learningRate", "n", "finalLoss", "finalLoss_std", "min", "median",
                "diverged", "reachedAt",
            ])
        #expect(records.count == 1 + 4 + 1)
        #expect(records.allSatisfy { $0.count == header.count })
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        for (record, group) in zip(records.dropFirst(), reports[0].groups) {
            #expect(record[column["experiment"] ?? 0] == "fixture")
            #expect(Int(record[column["hiddenSize"] ?? 0]).map { SQLValue.integer(Int64($0)) } == group.key[0])
            #expect(Double(record[column["learningRate"] ?? 0]).map(SQLValue.real) == group.key[1])
            #expect(Int(record[column["n"] ?? 0]) == group.finalLoss.count)
            #expect(Double(record[column["finalLoss"] ?? 0]) == group.finalLoss.mean)
            #expect(Double(record[column["finalLoss_std"] ?? 0]) == group.finalLoss.standardDeviation)
            #expect(Double(record[column["median"] ?? 0]) == group.finalLoss.median)
            #expect(Int(record[column["diverged"] ?? 0]) == group.diverged)
            #expect(Double(record[column["reachedAt"] ?? 0]) == group.reachedAt)
        }
        let flat = try #require(records.last)
        #expect(flat[0] == "flat")
        #expect(flat[column["hiddenSize"] ?? 0] == "")
    }

    @Test func jsonParsesWithTheSummaryAndTheGroups() throws {
        let reports = try Self.reports(ReportOptions(filter: "status != 'pending'"))
        let text = ReportOutput.text(reports, format: .json)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let experiments = try #require(object as? [[String: Any]])
        #expect(experiments.count == 2)
        let fixture = experiments[0]
        #expect(fixture["experiment"] as? String == "fixture")
        #expect(fixture["filter"] as? String == "status != 'pending'")
        #expect(fixture["runs"] as? Int == 12)
        #expect(fixture["matched"] as? Int == 11)
        #expect((fixture["statuses"] as? [String: Int]) == ["completed": 9, "diverged": 1, "failed": 1])
        let best = try #require(fixture["best"] as? [String: Any])
        #expect(best["finalLoss"] as? Double == 0.05)
        #expect((best["values"] as? [String: Any])?["learningRate"] as? Double == 0.5)
        #expect(fixture["groupBy"] as? [String] == ["hiddenSize", "learningRate"])
        let groups = try #require(fixture["groups"] as? [[String: Any]])
        #expect(groups.count == 4)
        #expect(groups[0]["finalLoss"] as? Double == 0.05)
        #expect(groups[0]["finalLoss_std"] is NSNull)
        #expect(groups[0]["reachedAt"] as? Double == 3)
        #expect((experiments[1]["targetLoss"] as? [Double])?.isEmpty == true)
    }

    @Test func tableFitsOneHundredColumnsAndPrintsLossesInScientificForm() throws {
        let reports = try Self.reports(
            ReportOptions(groupBy: ["hiddenSize", "learningRate", "targets", "inputSize", "cellOutput", "optimizer"]))
        let text = ReportOutput.text(reports, format: .table)
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines.map(\.count).max() ?? 0)")
        #expect(text.contains("2.33e+00 ± 1.5e+00"))
        #expect(text.contains("5.00e-02"))
        #expect(text.contains("  runs: 12 (9 completed, 1 diverged, 1 failed, 1 pending)"))
        #expect(text.contains("  best: run "))
        #expect(text.contains("target loss 0.15: reached by 3 of 12 runs"))
        // Numbers are right-aligned: the n column of every row ends where its header ends.
        let defaultText = ReportOutput.text(try Self.reports(), format: .table)
        let table = defaultText.split(separator: "\n").drop { !$0.hasPrefix("hiddenSize") }
        let header = try #require(table.first)
        let end = try #require(header.range(of: "  n  ")).lowerBound.utf16Offset(in: header) + 3
        for row in table.dropFirst(2).prefix(4) {
            #expect(Array(row)[end - 1] != " ")
            #expect(Array(row)[end] == " ")
        }
    }

    @Test func markdownHasAHeadingAndATable() throws {
        let text = ReportOutput.text(try Self.reports(), format: .markdown)
        #expect(text.hasPrefix("## fixture\n\nKnown final losses for the report tests.\n\n- runs: 12"))
        #expect(text.contains("| hiddenSize | learningRate |   n |"))
        #expect(text.contains("## flat"))
    }

    @Test func htmlPageHoldsTablesAndPlotsInline() throws {
        try withTemporaryDirectory { directory in
            let query = try ReportQuery(store: try ReportFixture.make(in: directory))
            let records = try query.experiments([])
            let reports = try records.map { try query.report($0) }
            let plots = try records.map { try query.plots($0) }
            let html = ReportHTMLOutput.page(reports, plots: plots, database: "runs.sqlite").html()
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.components(separatedBy: "<table>").count == 3)
            // fixture: one curve chart and a heatmap; flat: one curve chart and a note.
            #expect(html.components(separatedBy: "<svg ").count == 4)
            #expect(html.contains("No heatmap: the experiment sweeps fewer than two parameters"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"))
        }
    }
}
