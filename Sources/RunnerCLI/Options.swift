import ArgumentParser
import RunnerReport
import RunnerSpec
import RunnerStore

/// `--db`, shared by every command that reads or writes a results database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The results database.") var path = ResultStore.defaultPath

    /// The database opened for reading, with report queries that know the command line's plugins.
    func reportQuery() throws -> ReportQuery {
        let store = try ResultStore(path: path, readOnly: true)
        return try ReportQuery(store: store, schema: ConfigSchema(registry: RunnerCommand.registry))
    }

    /// The experiments `names` (every one when empty), or `nil` after saying there are none yet.
    func experiments(_ names: [String], in query: ReportQuery) throws -> [ExperimentRecord]? {
        let records = try query.experiments(names)
        guard !records.isEmpty else {
            StandardOutput.write("\(path) has no experiments yet; run one with `runner run SPEC`.")
            return nil
        }
        return records
    }
}

extension TableFormat: ExpressibleByArgument {}

/// What `runner export` writes: a run's weights (npz, json) or an experiment's runs (csv, json).
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case npz, json, csv
}
