import ArgumentParser
import Foundation

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

    /// Runs the command, then checks that everything written to standard output got there.
    static func main() {
        atexit { StandardOutput.checkAtExit() }
        main(nil)
    }
}
