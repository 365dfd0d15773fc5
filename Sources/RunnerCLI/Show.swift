import ArgumentParser
import RunnerStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one run: config, status, timings, losses, checkpoint, environment, verifications."
    )

    @Argument(help: "A run id, or any unique prefix of one.") var runID: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        do {
            let store = try ResultStore(path: database.path, readOnly: true)
            let record = try store.run(runID)
            StandardOutput.write(
                ShowOutput.text(
                    run: record,
                    curve: try store.curve(record.id),
                    verifications: try store.verifications(of: record.id),
                    evaluations: try store.evaluations(record.id),
                    // Databases before schema 4 have no rungs table.
                    rungs: (try? store.rungs(of: [record.id]))?[record.id] ?? [],
                    store: store
                ),
                terminator: ""
            )
        } catch {
            throw failure(error)
        }
    }
}
