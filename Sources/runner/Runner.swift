import ArgumentParser

@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Train sweeps of small LSTMs, reproducibly, and report on them.",
        subcommands: [
            Run.self, Train.self, Show.self, Export.self, Predict.self, Verify.self, Merge.self, Plugins.self,
        ]
    )
}
