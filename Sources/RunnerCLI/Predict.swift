import ArgumentParser
import RunnerEngine
import RunnerSpec
import RunnerStore

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a finished run's predictions next to its targets, from its final weights."
    )

    @Argument(help: "A run id, or any unique prefix of one.") var runID: String
    @Option(help: "The results database.") var db = ResultStore.defaultPath

    func run() throws {
        do {
            let store = try ResultStore(path: db, readOnly: true)
            let record = try store.run(runID)
            let final = try RunMaterializer(store: store, registry: RunnerCommand.registry).final(of: record)
            StandardOutput.write(
                PredictOutput.text(runID: record.id, final: final, registry: RunnerCommand.registry), terminator: "")
        } catch let error as StoreError {
            throw failure(error, usage: error.isUsageError)
        } catch let error as SpecError {
            throw failure(error, usage: true)
        } catch {
            throw failure("\(error)", usage: false)
        }
    }
}
