import ArgumentParser
import RunnerEngine
import RunnerSpec
import RunnerStore

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a finished run's predictions next to its targets, from its final weights."
    )

    @Argument(help: "A run id, or any unique prefix of one.") var runID: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        do {
            let store = try ResultStore(path: database.path, readOnly: true)
            let record = try store.run(runID)
            let final = try RunMaterializer(store: store, registry: RunnerCommand.registry).final(of: record)
            StandardOutput.write(
                try PredictOutput.text(runID: record.id, final: final, registry: RunnerCommand.registry), terminator: ""
            )
        } catch {
            throw failure(error)
        }
    }
}
