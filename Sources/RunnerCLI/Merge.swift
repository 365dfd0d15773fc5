import ArgumentParser
import Foundation
import RunnerFiles
import RunnerStore

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge results databases, such as the shards of a sweep, into one.",
        discussion: """
            OUTPUT is created when missing. Runs are matched by id: a finished result wins over a \
            pending, running or interrupted run; the same result twice is kept once; two different \
            results for one id are a conflict (exit 1, nothing merged). Checkpoint files are copied \
            into the checkpoints/ folder beside OUTPUT and verified. Merging again changes nothing.
            """
    )

    @Argument(help: "The database to merge into (created when missing).") var output: String
    @Argument(help: "The databases to merge, such as results/shard-*/runs.sqlite.") var inputs: [String] = []

    func run() throws {
        guard !inputs.isEmpty else {
            throw failure("give the databases to merge after \(output): runner merge OUTPUT INPUT...", usage: true)
        }
        do {
            // Check the inputs before creating the output, so a typo leaves no empty database behind.
            try ResultStore.refuseMergingIntoItself(output: output, inputs: inputs)
            for input in inputs {
                _ = try ResultStore(path: input, readOnly: true)
            }
            let store = try ResultStore(path: output)
            defer { store.checkpointLog() }
            let summary = try store.merge(inputs)
            for warning in summary.warnings {
                try? FileHandle.standardError.write(contentsOf: Data("warning: \(warning)\n".utf8))
            }
            StandardOutput.write(MergeOutput.text(summary: summary, output: output), terminator: "")
        } catch {
            throw failure(error)
        }
    }
}
