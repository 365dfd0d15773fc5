import ArgumentParser

@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Train sweeps of small LSTMs, reproducibly, and report on them.",
        subcommands: [
            Run.self, Report.self, Compare.self, Plot.self, Show.self, Verify.self, Export.self, Predict.self,
            Merge.self, Train.self, Plugins.self,
        ]
    )
}
