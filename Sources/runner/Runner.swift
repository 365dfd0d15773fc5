import ArgumentParser

@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Train sweeps of small LSTMs, reproducibly, and report on them.",
        subcommands: [Run.self, Train.self, Show.self, Report.self, Compare.self, Plot.self, Plugins.self]
    )
}
