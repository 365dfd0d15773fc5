import ArgumentParser
import Foundation
import RunnerKit

@main
struct Runner: ParsableCommand {
    /// The release this code belongs to; `runner --version` adds the exact code it was built from.
    static let version = "0.5.0"

    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Train sweeps of small LSTMs, reproducibly, and report on them.",
        discussion: "runner --version prints the version, the code commit and the build.",
        subcommands: [
            Run.self, Report.self, Compare.self, Plot.self, Show.self, Verify.self, Export.self, Predict.self,
            Merge.self, Train.self, Plugins.self,
        ]
    )

    /// Handles `--version` before parsing (the code commit is looked up only then), else runs the
    /// command line; then checks that everything written to standard output got there.
    static func main() {
        atexit { StandardOutput.checkAtExit() }
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            let environment = RunEnvironment.current
            StandardOutput.write(
                "runner \(version) (code \(environment.codeVersion); \(environment.buildConfig); \(environment.toolchain))"
            )
            return
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // A command line that does not parse is bad input like any other: one line and exit
            // 64 (ArgumentParser would add the usage on two more). Help, --help and the exit codes
            // the commands throw go through ArgumentParser as before.
            guard !(error is ExitCode), exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let arguments = CommandLine.arguments.dropFirst()
            let names = configuration.subcommands.map { $0._commandName }
            let help = arguments.first.flatMap { names.contains($0) ? "runner \($0) --help" : nil } ?? "runner --help"
            let text = message(for: error)
            _ = failure(text.hasSuffix("?") ? "\(text) See \(help)." : "\(text); see \(help).", usage: true)
            exit(withError: ExitCode.validationFailure)
        }
    }
}
