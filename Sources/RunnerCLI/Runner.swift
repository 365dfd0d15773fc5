import ArgumentParser
import Foundation
import RunnerEngine
import RunnerModel
import RunnerSpec
import Synchronization

/// The `runner` command line as a library: the executable is one call to ``main(registry:)``, and
/// a package of your own that depends on this product gets the whole `runner` (run, report,
/// verify, ...) with its own plugins.
public enum RunnerCommand {
    /// Runs the command line with `registry`'s tasks, losses and optimizers, then exits.
    ///
    /// `--version` is answered before parsing (the code commit is looked up only then). Everything
    /// written to standard output is checked when the process exits.
    ///
    /// - Parameter registry: the plugins every command uses (``PluginRegistry/standard`` for the
    ///   built-in ones, or a registry with your own added).
    public static func main(registry: PluginRegistry) -> Never {
        activeRegistry.withLock { $0 = registry }
        atexit { StandardOutput.checkAtExit() }
        if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
            let environment = RunEnvironment.current
            StandardOutput.write(
                "runner \(Runner.version) (code \(environment.codeVersion); \(environment.buildConfig); "
                    + "\(environment.toolchain))"
            )
            exit(0)
        }
        do {
            var command = try Runner.parseAsRoot()
            try command.run()
        } catch {
            // Help and --help-like requests print as argument-parser prints them; every error is one
            // line on stderr (a library error through ``failure(_:)``, a parse error with its message).
            let code = Runner.exitCode(for: error)
            guard code != .success, !(error is ExitCode) else { Runner.exit(withError: error) }
            let arguments = CommandLine.arguments.dropFirst()
            let names = Runner.configuration.subcommands.map { $0._commandName }
            let help = arguments.first.flatMap { names.contains($0) ? "runner \($0) --help" : nil } ?? "runner --help"
            let text = Runner.message(for: error)
            _ = failure(
                text.hasSuffix("?") ? "\(text) See \(help)." : "\(text); see \(help).",
                usage: code == .validationFailure)
            exit(code.rawValue)
        }
        exit(0)
    }

    /// The plugins of this process's command line (set once by ``main(registry:)``).
    static var registry: PluginRegistry { activeRegistry.withLock { $0 } }

    private static let activeRegistry = Mutex(PluginRegistry.standard)
}

/// The root command.
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
}
