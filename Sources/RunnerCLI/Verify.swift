import ArgumentParser
import Foundation
import RunnerEngine
import RunnerModel
import RunnerStore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train recorded runs again and check that they give the same bits.",
        discussion: """
            Re-trains each run from its recorded config through the same code path and compares \
            every iteration's loss and the final checkpoint's payload digest. Prints per run \
            `identical`, or the first iteration whose loss differs with both values. Outcomes \
            are recorded in the verifications table (see runner show). A run of a pruned sweep \
            also reproduces its metric at every rung it passed (a pruned run is trained to its \
            rung); an adaptive search (tpe, pruning) named as a whole, without --sample, is then \
            replayed decision by decision from what was reproduced: each round's suggestions, or \
            each rung's decisions, against those recorded. Exit 0 when all are identical, 1 \
            otherwise; 128 + the signal's number when a signal (^C, SIGTERM) stopped it before \
            every run was verified.
            """
    )

    @Argument(help: "An experiment name, or a run id (any unique prefix).") var target: String
    @Option(help: "Verify at most this many runs of an experiment (a fixed random sample).") var sample: Int?
    @Option(help: "Parallel workers.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        guard jobs >= 1 else { throw failure("--jobs is \(jobs); give at least 1.", usage: true) }
        ProcessTuning.reuseFreedMemory()
        if let sample, sample < 1 { throw failure("--sample is \(sample); give at least 1.", usage: true) }
        let outcomes: [Verifier.Outcome]
        let requested: Int
        let stoppedBy: Int32?
        var replay: Verifier.SearchReplay?
        do {
            let store = try ResultStore(path: database.path)
            let verifier = Verifier(store: store, registry: RunnerCommand.registry)
            let runs = try verifier.runs(for: target, sample: sample)
            requested = runs.count
            // A search named as a whole is replayed once its runs are reproduced.
            let search = sample == nil ? try verifier.adaptiveSpec(target) : nil
            let interrupt = InterruptHandler(message: "interrupted: finishing the runs being verified")
            defer { interrupt.remove() }
            outcomes = try verifier.verify(
                runs, jobs: jobs, stop: interrupt.flag, rungs: try verifier.rungChecks(for: runs))
            stoppedBy = interrupt.interrupted ? interrupt.exitStatus : nil
            if let search, sample == nil, outcomes.count == requested {
                replay = try verifier.replay(search, outcomes: outcomes)
            }
        } catch {
            throw failure(error)
        }
        for outcome in outcomes {
            StandardOutput.write("\(outcome.runID)  \(outcome.outcome.rawValue)  \(outcome.detail)")
        }
        let identical = outcomes.filter(\.isIdentical).count
        StandardOutput.write("\(identical) of \(outcomes.count) run\(outcomes.count == 1 ? "" : "s") identical")
        if let replay {
            for line in replay.differences {
                StandardOutput.write("search: \(line)")
            }
            if let skipped = replay.skipped {
                StandardOutput.write("search: not replayed: \(skipped)")
            } else {
                let same = replay.checked - replay.differences.count
                StandardOutput.write("search: \(max(0, same)) of \(replay.checked) \(replay.kind) replayed identical")
            }
        }
        if let stoppedBy, outcomes.count < requested {
            // Not a verdict on the runs it did not reach: the signal's status, as runner run exits.
            try? FileHandle.standardError.write(
                contentsOf: Data(
                    "interrupted: \(outcomes.count) of the \(requested) runs verified; run the same command again\n"
                        .utf8))
            throw ExitCode(stoppedBy)
        }
        if identical != outcomes.count || replay?.differences.isEmpty == false { throw ExitCode(1) }
    }
}
