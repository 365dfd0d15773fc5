import Foundation
import GRDB
import Testing

@testable import RunnerCLI
@testable import RunnerModel
@testable import RunnerReport
@testable import RunnerSpec
@testable import RunnerStore

/// A pruned sweep of six trials with hand-picked results, for the best-so-far tests:
///
/// | trial | status    | final loss | validation loss |
/// | ----- | --------- | ---------- | --------------- |
/// | 1     | completed | 0.4        |                 |
/// | 2     | pruned    | 0.001      |                 |
/// | 3     | completed | 0.02       |                 |
/// | 4     | diverged  |            |                 |
/// | 5     | completed | 0.3        |                 |
/// | 6     | failed    |            |                 |
///
/// The pruned trial's training loss at its rung is recorded, low, and must not count.
enum BestSoFarFixture {
    static let specText = """
        {
          "name": "halving",
          "description": "Known objectives for the best-so-far tests.",
          "task": { "plugin": "sequence", "inputSize": 3, "targets": [0.1, 0.2] },
          "model": { "hiddenSize": 4 },
          "training": { "iterations": 30, "learningRate": 0.1 },
          "seed": 0,
          "sweep": { "training.learningRate": { "random": 6, "logUniform": [0.01, 1] } },
          "pruning": { "method": "successive-halving", "minIterations": 5, "reduction": 3 }
        }
        """

    static let outcomes: [(status: RunStatus, finalLoss: Double?)] = [
        (.completed, 0.4), (.pruned, 0.001), (.completed, 0.02), (.diverged, nil), (.completed, 0.3), (.failed, nil),
    ]

    /// Registers the experiment (and the report fixture's) in a new database and writes the results.
    ///
    /// - Returns: The database and the run ids in trial order.
    static func make(in directory: URL) throws -> (ResultStore, [String]) {
        let store = try ReportFixture.make(in: directory)
        let spec = try SpecLoader().load(data: Data(specText.utf8), file: "halving.json")
        let trials = try spec.trials()
        #expect(trials.map(\.index) == Array(0..<6))
        try store.register(spec, trials: trials)
        try store.write { db in
            for (trial, outcome) in zip(trials, outcomes) {
                try db.execute(
                    sql: "UPDATE runs SET status = ?, final_loss = ? WHERE id = ?",
                    arguments: [outcome.status.rawValue, outcome.finalLoss, trial.runID])
            }
        }
        return (store, trials.map(\.runID))
    }
}

@Suite struct BestSoFarTests {
    static func trial(_ number: Int, _ status: RunStatus = .completed, _ objective: Double? = nil) -> BestSoFar.Trial {
        BestSoFar.Trial(number: number, runID: "run\(number)", status: status, objective: objective)
    }

    @Test func theBestImprovesOnlyOnAStrictlyLowerObjectiveAndTrialsWithoutOneKeepIt() {
        let sequence = BestSoFar([
            Self.trial(1, .pending), Self.trial(2, .completed, 0.5), Self.trial(3, .pruned),
            Self.trial(4, .completed, 0.7),
            Self.trial(5, .failed), Self.trial(6, .completed, 0.2), Self.trial(7, .diverged),
            Self.trial(8, .completed, 0.2), Self.trial(9, .completed, .nan), Self.trial(11, .completed, 0.1),
        ])
        #expect(sequence.points.map(\.best) == [nil, 0.5, 0.5, 0.5, 0.5, 0.2, 0.2, 0.2, 0.2, 0.1])
        #expect(sequence.points.map(\.bestTrial) == [nil, 2, 2, 2, 2, 6, 6, 6, 6, 11])
        #expect(sequence.points.map(\.bestRunID).last == "run11")
        // The tie at trial 8 leaves the best with trial 6; a NaN counts as no objective.
        #expect(sequence.points.filter(\.improved).map(\.trial.number) == [2, 6, 11])
        #expect(sequence.withoutObjective == [.pending: 1, .pruned: 1, .failed: 1, .diverged: 1, .completed: 1])
    }

    @Test func theObjectiveIsTheValidationLossWhereACompletedRunHasOneElseItsFinalLoss() {
        #expect(RunRanking.objective(status: .completed, finalLoss: 0.01, validationLoss: 0.3) == 0.3)
        #expect(RunRanking.objective(status: .completed, finalLoss: 0.2, validationLoss: nil) == 0.2)
        for status in [RunStatus.pruned, .diverged, .failed, .interrupted, .running, .pending] {
            #expect(RunRanking.objective(status: status, finalLoss: 0.001, validationLoss: 0.001) == nil)
        }
    }

    @Test func theSummaryHasTheMilestonesEveryImprovementAndTheLastTrial() {
        var trials = (1...25).map { Self.trial($0, .completed, 1) }
        for (number, objective) in [(3, 0.5), (7, 0.25), (13, 0.125)] { trials[number - 1].objective = objective }
        trials.remove(at: 9)  // no trial 10: the point at or before it, 9, stands for it
        #expect(BestSoFar(trials).summary.map(\.trial.number) == [1, 2, 3, 5, 7, 9, 13, 20, 25])
        #expect(BestSoFar([]).summary.isEmpty)

        // Every trial better than the one before: too many improvements, so only the milestones,
        // the last trial and the one that holds the best are left.
        let falling = (1...120).map { Self.trial($0, .completed, 1 / Double($0)) }
        #expect(BestSoFar(falling).summary.map(\.trial.number) == [1, 2, 5, 10, 20, 50, 100, 120])
        #expect([1, 2, 5, 9, 10, 20, 50, 99].map(BestSoFar.nextMilestone) == [2, 5, 10, 10, 20, 50, 100, 100])
    }

    // MARK: - From the database

    @Test func theQueryReadsTheTrialsInTrialOrderAndPrunedOnesNeverImprove() throws {
        try withTemporaryDirectory { directory in
            let (store, ids) = try BestSoFarFixture.make(in: directory)
            let query = try ReportQuery(store: store)
            let record = try query.experiments(["halving"])[0]
            #expect(ReportQuery.isAdaptive(record))
            #expect(try !ReportQuery.isAdaptive(query.experiments(["fixture"])[0]))

            let sequence = try query.bestSoFar(record)
            #expect(sequence.points.map(\.trial.runID) == ids)
            #expect(sequence.points.map(\.trial.number) == [1, 2, 3, 4, 5, 6])
            #expect(sequence.points.map(\.best) == [0.4, 0.4, 0.02, 0.02, 0.02, 0.02])
            #expect(sequence.points.map(\.bestRunID) == [ids[0], ids[0], ids[2], ids[2], ids[2], ids[2]])
            #expect(sequence.objectiveWords == "final loss")
            // A filter keeps the trials' numbers.
            let filtered = try query.bestSoFar(record, filter: query.filter("status != 'completed'"))
            #expect(filtered.points.map(\.trial.number) == [2, 4, 6])
            #expect(filtered.points.allSatisfy { $0.best == nil })

            // Validation losses rank first where runs have them.
            try store.write { db in
                try db.execute(sql: "UPDATE runs SET validation_loss = 0.5 WHERE id = ?", arguments: [ids[0]])
                try db.execute(sql: "UPDATE runs SET validation_loss = 0.01 WHERE id = ?", arguments: [ids[4]])
            }
            let mixed = try query.bestSoFar(record)
            #expect(mixed.points.map(\.best) == [0.5, 0.5, 0.02, 0.02, 0.01, 0.01])
            #expect(mixed.points.map(\.bestTrial) == [1, 1, 3, 3, 5, 5])
            #expect(mixed.objectiveWords == "validation loss, else final loss")
        }
    }

    @Test func theReportOfASearchShowsTheBestSoFarTableAndAGridSweepsOnlyWhenAsked() throws {
        try withTemporaryDirectory { directory in
            let (store, ids) = try BestSoFarFixture.make(in: directory)
            let query = try ReportQuery(store: store)
            let records = try query.experiments(["halving", "fixture"])
            let text = ReportOutput.text(try records.map { try query.report($0) }, format: .table)
            let expected = """
                best final loss so far by trial: improved at 2 of 6 trials; no objective: 1 pruned, 1 diverged, 1
                    failed
                trial      best  bestTrial  bestRun       thisTrial
                -----  --------  ---------  ------------  ---------
                    1  4.00e-01          1  \(ids[0])   4.00e-01
                    2  4.00e-01          1  \(ids[0])     pruned
                    3  2.00e-02          3  \(ids[2])   2.00e-02
                    5  2.00e-02          3  \(ids[2])   3.00e-01
                    6  2.00e-02          3  \(ids[2])     failed

                """
            #expect(text.contains("\n\n" + expected + "\nfixture: "), "\(text)")
            #expect(text.components(separatedBy: "so far by trial").count == 2, "not in the grid sweep's report")

            let asked = try query.report(records[1], options: ReportOptions(bestSoFar: true))
            #expect(asked.bestSoFar?.points.count == 12)
            #expect(ReportOutput.text([asked], format: .markdown).contains("| trial |     best | bestTrial |"))
            let refused = try query.report(records[0], options: ReportOptions(bestSoFar: false))
            #expect(refused.bestSoFar == nil)

            let json = ReportOutput.text(try records.map { try query.report($0) }, format: .json)
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            let bestSoFar = try #require(objects[0]["bestSoFar"] as? [String: Any])
            let trials = try #require(bestSoFar["trials"] as? [[String: Any]])
            #expect(trials.map { $0["trial"] as? Int } == [1, 2, 3, 4, 5, 6])
            #expect(trials.map { $0["best"] as? Double } == [0.4, 0.4, 0.02, 0.02, 0.02, 0.02])
            #expect(trials[1]["objective"] is NSNull)
            #expect(trials[1]["status"] as? String == "pruned")
            #expect(trials[4]["bestRun"] as? String == ids[2])
            #expect(objects[1]["bestSoFar"] is NSNull)
        }
    }

    @Test func runnerReportTakesBestSoFarAndNoBestSoFar() throws {
        try withTemporaryDirectory { directory in
            let (store, _) = try BestSoFarFixture.make(in: directory)
            let database = store.path
            let plain = try RunnerCLI.run(["report", "fixture", "--db", database], in: directory)
            #expect(plain.status == 0)
            #expect(!plain.stdout.contains("so far by trial"))
            let asked = try RunnerCLI.run(["report", "fixture", "--db", database, "--best-so-far"], in: directory)
            #expect(asked.stdout.contains("best final loss so far by trial: improved at"))
            let search = try RunnerCLI.run(["report", "halving", "--db", database], in: directory)
            #expect(search.stdout.contains("best final loss so far by trial: improved at 2 of 6 trials"))
            let refused = try RunnerCLI.run(["report", "halving", "--db", database, "--no-best-so-far"], in: directory)
            #expect(refused.status == 0)
            #expect(!refused.stdout.contains("so far by trial"))
        }
    }

    // MARK: - Chart

    @Test func theChartHasADotPerObjectiveATickPerTrialWithoutOneAndTheStepLine() throws {
        try withTemporaryDirectory { directory in
            let (store, ids) = try BestSoFarFixture.make(in: directory)
            let query = try ReportQuery(store: store)
            let plots = try query.plots(try query.experiments(["halving"])[0])
            let written = try plots.write(to: directory.appendingPathComponent("plots"))
            #expect(written.map(\.lastPathComponent).contains("halving-best-so-far.svg"))
            #expect(plots.bestSoFarNote?.contains("1 diverged, 1 failed, 1 pruned trials have no objective") == true)
            let svg = try #require(plots.bestSoFar).svg()
            let chart = XMLElementCollector.parse(svg)
            #expect(chart.parseError == nil)

            // The layout: the plot from x 72 to 684 over trials 0.5 to 6.5, y 48 to 448 over the
            // decades 1e-2 to 1 (the objectives span 0.02 to 0.4, a factor of 20).
            func x(_ trial: Double) -> Double { 72 + (trial - 0.5) / 6 * 612 }
            func y(_ value: Double) -> Double { 448 - (log10(value) + 2) / 2 * 400 }
            func position(_ element: XMLElementCollector.Element) -> (Double, Double) {
                (Double(element.attributes["cx"] ?? "") ?? .nan, Double(element.attributes["cy"] ?? "") ?? .nan)
            }
            // The tooltip of each element of a kind: the <title> inside it, the element after it.
            func titles(_ name: String, _ className: String) -> [String] {
                chart.elements.indices.filter {
                    chart.elements[$0].name == name && chart.elements[$0].attributes["class"] == className
                }.map { index in chart.elements[index + 1].name == "title" ? chart.elements[index + 1].text : "" }
            }
            let records = chart.elements("circle", class: "record")
            let others = chart.elements("circle", class: "trial")
            #expect(
                titles("circle", "record") == [
                    "trial 1 (run \(ids[0])): 4.0000e-01, a new best",
                    "trial 3 (run \(ids[2])): 2.0000e-02, a new best",
                ])
            #expect(titles("circle", "trial") == ["trial 5 (run \(ids[4])): 3.0000e-01"])
            for (element, (trial, value)) in zip(records + others, [(1.0, 0.4), (3, 0.02), (5, 0.3)]) {
                let (cx, cy) = position(element)
                #expect(abs(cx - x(trial)) < 0.006 && abs(cy - y(value)) < 0.006, "\(element)")
            }
            #expect(
                titles("line", "no-objective") == [
                    "trial 2 (run \(ids[1])): pruned", "trial 4 (run \(ids[3])): diverged",
                    "trial 6 (run \(ids[5])): failed",
                ])
            let line = try #require(chart.elements("path", class: "best").first)
            let expected =
                "M\(SVG.number(x(1))),\(SVG.number(y(0.4)))H\(SVG.number(x(3)))V\(SVG.number(y(0.02)))"
                + "H\(SVG.number(x(6)))"
            #expect(line.attributes["d"] == expected)
            #expect(chart.elements("text").map(\.text).contains("final loss (log scale)"))
            #expect(chart.elements("text").map(\.text).contains("1e-2"))
        }
    }

    @Test func objectivesWithinAFactorOfTenGetALinearAxis() {
        let chart = BestSoFarChart(
            title: "narrow",
            bestSoFar: BestSoFar(
                [Self.trial(1, .completed, 0.19), Self.trial(2, .completed, 0.185)],
                objectiveWords: "validation loss"))
        let parsed = XMLElementCollector.parse(chart.svg())
        let texts = parsed.elements("text").map(\.text)
        #expect(texts.contains("validation loss"))
        #expect(!texts.contains { $0.contains("log scale") })
        #expect(texts.contains("0.186") && texts.contains("0.19"), "\(texts)")
        #expect(parsed.elements("circle", class: "record").count == 2)
        #expect(parsed.elements("line", class: "no-objective").isEmpty)
        let empty = XMLElementCollector.parse(
            BestSoFarChart(title: "none", bestSoFar: BestSoFar([Self.trial(1, .pruned)])).svg())
        #expect(empty.parseError == nil)
        #expect(empty.elements("path", class: "best").isEmpty)
        #expect(empty.elements("text").map(\.text).contains("no trial has an objective yet"))
    }

    @Test func tickLabelsHaveTheDigitsTheirStepNeeds() {
        #expect(SVG.tickLabel(0.185, step: 0.005) == "0.185")
        #expect(SVG.tickLabel(1.25e-7, step: 5e-10) == "1.25e-7")
        #expect(SVG.tickLabel(40, step: 10) == "40")
        #expect(SVG.tickLabel(1e-17, step: 0.1) == "0")
    }

    @Test func theHTMLPageOfASearchHoldsTheBestSoFarTableAndChart() throws {
        try withTemporaryDirectory { directory in
            let (store, _) = try BestSoFarFixture.make(in: directory)
            let query = try ReportQuery(store: store)
            let records = try query.experiments(["halving"])
            let html = ReportHTMLOutput.page(
                try records.map { try query.report($0) }, plots: try records.map { try query.plots($0) },
                database: "runs.sqlite"
            ).html()
            #expect(html.contains("<p>best final loss so far by trial: improved at 2 of 6 trials"))
            #expect(html.contains("<th class=\"num\">bestTrial</th>"))
            #expect(html.contains("<path class=\"best\""))
            #expect(html.components(separatedBy: "<table>").count == 3)
        }
    }
}
