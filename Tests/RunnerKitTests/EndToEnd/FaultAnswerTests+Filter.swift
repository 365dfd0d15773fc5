import Foundation
import Testing

/// `--where` nesting and size limits, and names in any script (issue 11, items 7, 18, 22).
extension FaultAnswerTests {
    static let overlongFilters: [(expression: String, limit: String)] = [
        (String(repeating: "(", count: 20_000) + "hiddenSize = 5" + String(repeating: ")", count: 20_000), "50 levels"),
        (String(repeating: "not ", count: 30_000) + "hiddenSize = 5", "50 levels"),
        (Array(repeating: "hiddenSize = 5", count: 6_001).joined(separator: " and "), "200 conditions"),
        ("seed in (" + (0..<1_001).map(String.init).joined(separator: ", ") + ")", "1000 values"),
    ]

    @Test func whereExpressionsPastTheLimitsAreRefusedNamingTheLimit() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            for (expression, limit) in Self.overlongFilters {
                for command in ["report", "plot"] {
                    let result = try RunnerCLI.run(
                        [command, "--db", "runs.sqlite", "--where", expression], in: directory)
                    #expect(result.status == 64, "\(command) \(limit): \(result.stderr.prefix(300))")
                    #expect(result.stderr.hasPrefix("error: --where '"))
                    #expect(result.stderr.contains(limit), "\(result.stderr.suffix(300))")
                    #expect(!result.stderr.contains("SQLite"))
                    #expect(result.stderr.split(separator: "\n").count == 1)
                }
            }
        }
    }

    @Test func whereExpressionsAtTheLimitsRunInSQLite() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            // 48 levels of nesting, 200 conditions, 1000 values.
            let conditions = Array(repeating: "hiddenSize = 5", count: 198).joined(separator: " and ")
            let deep =
                String(repeating: "not (not (", count: 12) + "hiddenSize = 5 or seed in ("
                + (0..<801).map(String.init).joined(separator: ", ") + ") and " + conditions
                + String(repeating: "))", count: 12)
            let result = try RunnerCLI.run(["report", "--db", "runs.sqlite", "--where", deep], in: directory)
            #expect(result.status == 0, "\(result.stderr.suffix(500))")
            #expect(result.stdout.contains(" (2 completed)"), "\(result.stdout.suffix(300))")
        }
    }

    @Test func aNonASCIINameInWhereIsReportedWhole() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            let result = try RunnerCLI.run(
                ["report", "--db", "runs.sqlite", "--where", "hïddenSize = 1"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr.contains("unknown column 'hïddenSize'; did you mean 'hiddenSize'?"), "\(result.stderr)")
        }
    }
}
