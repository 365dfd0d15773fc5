import Foundation
import Testing

@testable import RunnerStore

/// End-to-end tests of `runner report`, `compare` and `plot`: they run the debug binary, which
/// `swift build` makes (`make test` builds it before testing), on a tiny sweep it trains first.
@Suite struct RunnerCLITests {
    /// `.build/debug/runner` under the package root (three folders above this file's folder).
    static let runner = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/runner").path

    static let spec = """
        {
          "name": "cli-tiny",
          "description": "A tiny sweep for the CLI tests.",
          "task": { "plugin": "sequence", "inputSize": 3, "targets": [-0.5, 0.2, 0.1, -0.5] },
          "model": { "hiddenSize": 4 },
          "training": { "iterations": 20, "learningRate": 0.1 },
          "stop": { "targetLoss": 0.05 },
          "seed": 0,
          "sweep": {
            "model.hiddenSize": [4, 6],
            "training.learningRate": [0.1, 0.5],
            "seed": { "range": [0, 3] }
          },
          "checkpoints": { "final": false }
        }
        """

    /// Runs `runner` with arguments.
    static func runner(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try #require(
            FileManager.default.isExecutableFile(atPath: runner), "no \(runner); run `swift build` before `swift test`")
        let result = try runProgram(runner, arguments)
        return (result.status, String(decoding: result.standardOutput, as: UTF8.self), result.standardError)
    }

    /// Trains the tiny sweep into a database in `directory`.
    static func trainedDatabase(in directory: URL) throws -> String {
        let specPath = directory.appendingPathComponent("cli-tiny.json").path
        try Data(spec.utf8).write(to: URL(fileURLWithPath: specPath))
        let database = directory.appendingPathComponent("runs.sqlite").path
        let run = try runner(["run", specPath, "--db", database, "--quiet", "--jobs", "2"])
        #expect(run.status == 0, "\(run.error)")
        return database
    }

    @Test func reportPlotAndCompareOnATrainedSweep() throws {
        try withTemporaryDirectory { directory in
            let database = try Self.trainedDatabase(in: directory)

            let report = try Self.runner(["report", "--db", database])
            #expect(report.status == 0, "\(report.error)")
            #expect(report.error.isEmpty)
            #expect(report.output.hasPrefix("cli-tiny: A tiny sweep for the CLI tests.\n  runs: 12 (12 completed)"))
            #expect(report.output.contains("hiddenSize  learningRate  n"))
            #expect(report.output.split(separator: "\n").allSatisfy { $0.count <= 100 })

            let json = try Self.runner(["report", "cli-tiny", "--db", database, "--format", "json", "--top", "2"])
            #expect(json.status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
            #expect((object?.first?["groups"] as? [Any])?.count == 2)

            let csv = try Self.runner(["report", "--db", database, "--format", "csv", "--where", "learningRate = 0.5"])
            #expect(csv.status == 0)
            let records = parseCSV(csv.output)
            #expect(records.count == 3)
            #expect(records.dropFirst().allSatisfy { $0[2] == "0.5" })

            let plotDirectory = directory.appendingPathComponent("plots").path
            let plot = try Self.runner(["plot", "cli-tiny", "--db", database, "--out", plotDirectory])
            #expect(plot.status == 0, "\(plot.error)")
            #expect(plot.output.split(separator: "\n").count == 2)
            for name in ["cli-tiny-curves.svg", "cli-tiny-heatmap.svg"] {
                let text = try String(contentsOfFile: plotDirectory + "/" + name, encoding: .utf8)
                #expect(XMLElementCollector.parse(text).parseError == nil)
            }

            let html = directory.appendingPathComponent("report.html").path
            let page = try Self.runner(["report", "--db", database, "--html", html])
            #expect(page.status == 0)
            #expect(page.output == "wrote \(html)\n")
            #expect(try String(contentsOfFile: html, encoding: .utf8).components(separatedBy: "<svg ").count == 3)

            let compare = try Self.runner([
                "compare", "--db", database, "--where", "learningRate = 0.1", "--where", "learningRate = 0.5",
            ])
            #expect(compare.status == 0, "\(compare.error)")
            #expect(compare.output.contains("*  training.learningRate  0.1"))
            #expect(compare.output.contains("Welch's t-test (two-sided)"))
            #expect(!compare.output.contains("\u{1B}["))
        }
    }

    struct UsageCase: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let usageCases: [UsageCase] = [
        UsageCase(
            arguments: ["report", "--where", "1; DROP TABLE runs"],
            message: "error: --where '1; DROP TABLE runs': at position 1: expected a column name"),
        UsageCase(
            arguments: ["report", "--where", "hiddenSize = 4; DROP TABLE runs --"],
            message: "error: --where 'hiddenSize = 4; DROP TABLE runs --': at position 15: expected 'and', 'or'"),
        UsageCase(
            arguments: ["report", "--where", "optimizer = 'sgd"],
            message: "at position 13: unterminated string starting with '"),
        UsageCase(
            arguments: ["report", "--where", "runs = 1"], message: "unknown column 'runs'"),
        UsageCase(
            arguments: ["report", "cli-tin"], message: "has no experiment \"cli-tin\". Did you mean \"cli-tiny\"?"),
        UsageCase(arguments: ["report", "--sort", "bogus"], message: "error: --sort: 'bogus' is not a column"),
        UsageCase(
            arguments: ["report", "--format", "xml"],
            message: "error: The value 'xml' is invalid for '--format <format>'. Please provide one of"),
        UsageCase(arguments: ["report", "--no-such-flag"], message: "error: Unknown option '--no-such-flag'"),
        UsageCase(arguments: ["plot", "--group-by", "nope"], message: "error: --group-by: unknown column 'nope'"),
        UsageCase(arguments: ["compare", "abc"], message: "error: give two run ids"),
        UsageCase(arguments: ["compare", "fffff", "eeeee"], message: "no run id starts with \"fffff\""),
    ]

    @Test func badInputExits64WithOneLineAndLeavesTheDatabaseAlone() throws {
        try withTemporaryDirectory { directory in
            let database = try Self.trainedDatabase(in: directory)
            let store = try ResultStore(path: database, readOnly: true)
            let before = try ReportFixture.snapshot(store)
            for usage in Self.usageCases {
                let result = try Self.runner(usage.arguments + ["--db", database])
                #expect(result.status == 64, "\(usage.arguments)")
                #expect(result.output.isEmpty)
                #expect(result.error.hasSuffix("\n"))
                #expect(result.error.dropLast().contains("\n") == false, "\(result.error)")
                #expect(result.error.contains(usage.message), "\(result.error)")
            }
            #expect(try ReportFixture.snapshot(store) == before)
            #expect(before["runs"] == 12)
            let missing = try Self.runner(["report", "--db", directory.appendingPathComponent("none.sqlite").path])
            #expect(missing.status == 64)
            #expect(missing.error.contains("does not exist"))
        }
    }
}
