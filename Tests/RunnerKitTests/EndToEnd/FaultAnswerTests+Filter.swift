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

    /// Shapes within the limits whose SQL nests deepest: SQLite's parser (a fixed stack of 100
    /// entries) must not overflow on any of them.
    static var deepFiltersWithinTheLimits: [String] {
        var alternating = "seed = 1"
        for level in 0..<49 { alternating = "seed = 0 \(level % 2 == 0 ? "or" : "and") (\(alternating))" }
        var negatedConjunctions = "seed = 1"
        for _ in 0..<24 { negatedConjunctions = "seed = 0 or not (seed = 1 and \(negatedConjunctions))" }
        return [
            String(repeating: "not ", count: 50) + "seed = 1",
            String(repeating: "not (", count: 25) + "seed = 1" + String(repeating: ")", count: 25),
            alternating,
            negatedConjunctions,
        ]
    }

    @Test func whereExpressionsNestedToTheLimitRunInSQLite() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            for expression in Self.deepFiltersWithinTheLimits {
                for arguments in [
                    ["report", "--where", expression], ["plot", "tiny", "--out", "plots", "--where", expression],
                    ["compare", "--where", expression, "--where", "seed = 0"],
                ] {
                    let result = try RunnerCLI.run(arguments + ["--db", "runs.sqlite"], in: directory)
                    #expect(
                        result.status == 0, "\(arguments[0]) \(expression.prefix(40)): \(result.stderr.prefix(200))")
                    #expect(!result.stderr.contains("SQLite"))
                }
            }
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
