import ArgumentParser
import RunnerReport
import RunnerStore

/// `--db`, shared by every command that reads or writes a results database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The results database.") var path = ResultStore.defaultPath
}

extension TableFormat: ExpressibleByArgument {}

/// What `runner export` writes: a run's weights (npz, json) or an experiment's runs (csv, json).
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    case npz, json, csv
}
