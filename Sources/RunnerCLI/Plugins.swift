import ArgumentParser

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tasks, losses and optimizers, with their parameters, types, ranges and defaults."
    )

    func run() {
        StandardOutput.write(PluginsOutput.text(registry: RunnerCommand.registry), terminator: "")
    }
}
