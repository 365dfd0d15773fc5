import Foundation
import GRDB
import RunnerModel
import RunnerSpec
import RunnerStore

extension ReportQuery {
    /// Whether an experiment's spec makes it an adaptive search: `search.method` is `tpe`, or it
    /// sets `pruning` (as ``ExperimentSpec/isAdaptive``). Only the recorded spec text's top level is
    /// read, so a spec that no longer loads (a plugin this build lacks) still answers.
    ///
    /// - Parameter experiment: The experiment.
    /// - Returns: Whether its report and plots show the best-so-far by default.
    public static func isAdaptive(_ experiment: ExperimentRecord) -> Bool {
        guard case .object(let top)? = try? SpecLoader.decode(Data(experiment.specText.utf8), file: experiment.specFile)
        else { return false }
        if case .object(let search)? = top["search"], search["method"] == .string("tpe") { return true }
        if let pruning = top["pruning"], pruning != .null { return true }
        return false
    }

    /// Whether to show an experiment's best-so-far: as `option` says, or, when it says nothing,
    /// for adaptive searches (``isAdaptive(_:)``).
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - option: `--best-so-far` (true), `--no-best-so-far` (false), or nil.
    /// - Returns: Whether to show it.
    public static func showsBestSoFar(_ experiment: ExperimentRecord, option: Bool?) -> Bool {
        option ?? isAdaptive(experiment)
    }

    /// The best objective so far against trial number of an experiment's matching runs, in trial
    /// order (`experiment_runs.trial_index`; a run that several trials share, as when a search
    /// suggests a config again, is listed once, at its first trial).
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - filter: A `--where` filter; the trials keep their numbers.
    /// - Returns: The sequence.
    /// - Throws: ``ReportError`` `store`.
    public func bestSoFar(_ experiment: ExperimentRecord, filter: FilterExpression? = nil) throws(ReportError)
        -> BestSoFar
    {
        let (from, arguments) = Self.fromClause(experiment: experiment.name, filter: filter)
        let c = RunColumns.self
        do {
            return try store.read { db in
                let heldOut = try Self.hasHeldOutColumns(db)
                let sql =
                    "SELECT "
                    + [
                        #""experiment_runs"."trial_index""#, ReportColumnCatalog.runs(c.id.name),
                        ReportColumnCatalog.runs(c.status.name), ReportColumnCatalog.runs(c.finalLoss.name),
                        heldOut ? ReportColumnCatalog.runs(c.validationLoss.name) : "NULL",
                    ].joined(separator: ", ") + from + #" ORDER BY "experiment_runs"."trial_index", "runs"."id""#
                var trials: [BestSoFar.Trial] = []
                var validation = 0
                var final = 0
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(sqlValues: arguments))
                while let row = try cursor.next() {
                    let status = RunStatus(rawValue: row[2]) ?? .pending
                    let validationLoss: Double? = row[4]
                    let objective = RunRanking.objective(
                        status: status, finalLoss: row[3], validationLoss: validationLoss)
                    if objective != nil {
                        if validationLoss != nil { validation += 1 } else { final += 1 }
                    }
                    trials.append(
                        BestSoFar.Trial(
                            number: (row[0] as Int) + 1, runID: row[1], status: status, objective: objective))
                }
                let words =
                    validation > 0 && final > 0
                    ? "validation loss, else final loss"
                    : validation > 0 ? ReportMetric.validationLoss.words : ReportMetric.finalLoss.words
                return BestSoFar(trials, objectiveWords: words)
            }
        } catch {
            throw ReportError(error)
        }
    }
}
