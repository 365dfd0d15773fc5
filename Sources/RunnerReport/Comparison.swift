import Foundation
import GRDB
import RunnerModel
import RunnerStore

/// One side of a comparison: a run (with the other seeds of its config) or the runs a `--where`
/// expression selects.
public struct ComparisonSide: Sendable {
    /// How the side is named: `run 3f2a1c5d9e01` or `--where 'learningRate = 0.1'`.
    public var label: String
    /// The runs whose configs are shown.
    public var runIDs: [String]
    /// Per config path, the distinct values (as text) among the runs.
    public var values: [String: Set<String>]
    /// What the loss statistics are over, e.g. `5 runs of this config (seeds 0-4)`.
    public var scope: String
    /// The finite metric values (``metric``) of the completed runs the statistics are over.
    public var finalLosses: [Double]
    /// What ``finalLosses`` holds: validation losses where the runs have them, else final losses.
    public var metric: ReportMetric = .finalLoss
    /// The runs the statistics are over that diverged.
    public var diverged: Int
    /// The runs the statistics are over.
    public var statisticRunIDs: Set<String>

    /// The summary of ``finalLosses``.
    public var summary: SampleSummary { SampleSummary(finalLosses) }
}

/// Two runs or two groups of runs side by side: their configs and their final losses.
public struct Comparison: Sendable {
    /// The first side.
    public var a: ComparisonSide
    /// The second side.
    public var b: ComparisonSide
    /// Every config path of either side, in canonical order.
    public var paths: [String]
    /// Welch's t-test of A's final losses against B's, when each side has two or more.
    public var test: WelchTTestResult?
    /// Runs counted on both sides.
    public var overlap: Int

    /// Builds a comparison of two sides.
    ///
    /// - Parameters:
    ///   - a: The first side.
    ///   - b: The second side.
    public init(a: ComparisonSide, b: ComparisonSide) {
        self.a = a
        self.b = b
        paths = Set(a.values.keys).union(b.values.keys).sorted()
        test = Statistics.welchTTest(a.finalLosses, b.finalLosses)
        overlap = a.statisticRunIDs.intersection(b.statisticRunIDs).count
    }

    /// Whether the sides' values of a path differ.
    ///
    /// - Parameter path: A config path.
    /// - Returns: True when the sets of values differ.
    public func differs(_ path: String) -> Bool {
        (a.values[path] ?? ["(none)"]) != (b.values[path] ?? ["(none)"])
    }

    /// A config's values by dotted path: text values bare, numbers and lists as canonical JSON.
    ///
    /// - Parameter json: A run's canonical config JSON.
    /// - Returns: The flattened values; empty when the JSON does not parse.
    public static func flatten(configJSON json: String) -> [String: String] {
        guard let tree = try? JSONDecoder().decode(ConfigValue.self, from: Data(json.utf8)) else { return [:] }
        var values: [String: String] = [:]
        func visit(_ value: ConfigValue, _ path: String) {
            switch value {
            case .object(let fields):
                for (key, field) in fields { visit(field, path.isEmpty ? key : path + "." + key) }
            case .string(let text):
                values[path] = text
            default:
                values[path] = value.canonicalJSON
            }
        }
        visit(tree, "")
        return values
    }
}

extension ReportQuery {
    /// Compares two runs: their configs, and the final losses of every run sharing each one's
    /// config but the seed.
    ///
    /// - Parameters:
    ///   - first: A run id or unique prefix.
    ///   - second: Another.
    /// - Returns: The comparison.
    /// - Throws: ``ReportError`` `store` (a usage error for an unknown or ambiguous id).
    public func compareRuns(_ first: String, _ second: String) throws(ReportError) -> Comparison {
        Comparison(a: try runSide(first), b: try runSide(second))
    }

    private func runSide(_ prefix: String) throws(ReportError) -> ComparisonSide {
        let run: RunRecord
        do {
            run = try store.run(prefix)
        } catch {
            throw ReportError(error)
        }
        let values = Comparison.flatten(configJSON: run.configJSON).mapValues { Set([$0]) }
        let siblings: [Row]
        do {
            siblings = try store.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, seed, status, \(RunColumns.finalLoss.name),
                            \(try Self.validationColumn(db)) AS \(RunColumns.validationLoss.name) FROM runs
                        WHERE json_remove(config, '$.seed') = json_remove(?, '$.seed') ORDER BY seed
                        """,
                    arguments: [run.configJSON])
            }
        } catch {
            throw ReportError(error)
        }
        let (metric, losses, diverged) = Self.statistics(of: siblings)
        var ids: Set<String> = []
        for row in siblings {
            ids.insert(row["id"])
        }
        let seeds = siblings.map { $0["seed"] as Int }
        return ComparisonSide(
            label: "run \(run.id)",
            runIDs: [run.id],
            values: values,
            scope: "\(siblings.count) run\(siblings.count == 1 ? "" : "s") of its config (\(Self.seedList(seeds)))",
            finalLosses: losses,
            metric: metric,
            diverged: diverged,
            statisticRunIDs: ids
        )
    }

    /// Compares the runs two `--where` expressions select.
    ///
    /// - Parameters:
    ///   - first: The first expression.
    ///   - second: The second expression.
    ///   - experiments: Restrict both sides to the runs of these experiments (none: every run).
    /// - Returns: The comparison.
    /// - Throws: ``ReportError`` `badFilter`, `unknownExperiment`, or `nothingSelected` when an
    ///   expression selects no run.
    public func compareGroups(_ first: String, _ second: String, experiments: [String] = []) throws(ReportError)
        -> Comparison
    {
        // Checks the names (an unknown one is an error); none means every run.
        let restricted = experiments.isEmpty ? [] : try self.experiments(experiments).map(\.name)
        return Comparison(
            a: try groupSide(first, experiments: restricted), b: try groupSide(second, experiments: restricted))
    }

    private func groupSide(_ text: String, experiments: [String]) throws(ReportError) -> ComparisonSide {
        guard let filter = try filter(text) else {
            throw ReportError(.badFilter, "--where is empty; give an expression such as 'learningRate = 0.1'.")
        }
        var (clause, arguments) = filter.sql()
        if !experiments.isEmpty {
            clause +=
                #" AND "runs"."id" IN (SELECT "run_id" FROM "experiment_runs" WHERE "experiment" IN ("#
                + Array(repeating: "?", count: experiments.count).joined(separator: ", ") + "))"
            arguments += experiments.map { .text($0) }
        }
        let rows: [Row]
        do {
            rows = try store.read { db in
                let sql =
                    #"SELECT "runs"."id", "runs"."config", "runs"."status", "#
                    + ReportColumnCatalog.runs(RunColumns.finalLoss.name) + ", " + (try Self.validationColumn(db))
                    + " AS \(RunColumns.validationLoss.name)" + #" FROM "runs" WHERE "#
                    + clause + #" ORDER BY "runs"."id""#
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(sqlValues: arguments))
            }
        } catch {
            throw ReportError(error)
        }
        guard !rows.isEmpty else {
            let scope = experiments.isEmpty ? "" : " in " + experiments.joined(separator: ", ")
            throw ReportError(
                .nothingSelected,
                "--where '\(text)' selects no run\(scope); `runner report` shows the values there are.")
        }
        var values: [String: Set<String>] = [:]
        let (metric, losses, diverged) = Self.statistics(of: rows)
        var ids: [String] = []
        var configs: Set<String> = []
        var holders: [String: Int] = [:]
        var unseeded: Set<[String: String]> = []
        var seeds: [Int] = []
        for row in rows {
            let id: String = row["id"]
            ids.append(id)
            let json: String = row["config"]
            if configs.insert(json).inserted {
                var flat = Comparison.flatten(configJSON: json)
                for (path, value) in flat {
                    values[path, default: []].insert(value)
                    holders[path, default: 0] += 1
                }
                if let seed = flat.removeValue(forKey: "seed").flatMap({ Int($0) }) { seeds.append(seed) }
                unseeded.insert(flat)
            }
        }
        // A path some configs lack (a plugin's parameter) shows as "(none)" for those.
        for (path, count) in holders where count < configs.count {
            values[path, default: []].insert("(none)")
        }
        return ComparisonSide(
            label: "--where '\(text)'",
            runIDs: ids,
            values: values,
            scope:
                "\(rows.count) run\(rows.count == 1 ? "" : "s") (\(unseeded.count) config\(unseeded.count == 1 ? "" : "s"), "
                + "\(Self.seedList(seeds)))",
            finalLosses: losses,
            metric: metric,
            diverged: diverged,
            statisticRunIDs: Set(ids)
        )
    }

    /// Seeds as `seed 3`, `seeds 0-4` or `seeds 0, 2, 7`.
    static func seedList(_ seeds: [Int]) -> String {
        let sorted = Array(Set(seeds)).sorted()
        guard let first = sorted.first, let last = sorted.last else { return "no seeds" }
        if sorted.count == 1 { return "seed \(first)" }
        if last - first + 1 == sorted.count { return "seeds \(first)-\(last)" }
        if sorted.count <= 6 { return "seeds " + sorted.map(String.init).joined(separator: ", ") }
        return "\(sorted.count) seeds"
    }
}

extension ReportQuery {
    /// `"runs"."validation_loss"`, or `NULL` in a database of schema 2 opened read-only.
    static func validationColumn(_ db: Database) throws -> String {
        try db.columns(in: "runs").contains { $0.name == RunColumns.validationLoss.name }
            ? ReportColumnCatalog.runs(RunColumns.validationLoss.name) : "NULL"
    }

    /// What a side's statistics are over: the metric (the validation loss when any of the rows
    /// has one, as the report ranks), the finite metric values of the completed rows, and how
    /// many rows diverged.
    static func statistics(of rows: [Row]) -> (metric: ReportMetric, losses: [Double], diverged: Int) {
        let metric: ReportMetric =
            rows.contains { ($0[RunColumns.validationLoss.name] as Double?) != nil } ? .validationLoss : .finalLoss
        let column = (metric == .validationLoss ? RunColumns.validationLoss : RunColumns.finalLoss).name
        var losses: [Double] = []
        var diverged = 0
        for row in rows {
            switch RunStatus(rawValue: row["status"]) {
            case .completed?:
                if let loss = row[column] as Double?, loss.isFinite { losses.append(loss) }
            case .diverged?:
                diverged += 1
            default:
                break
            }
        }
        return (metric, losses, diverged)
    }
}
