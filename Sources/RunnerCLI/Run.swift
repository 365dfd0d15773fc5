import ArgumentParser
import Foundation
import RunnerEngine
import RunnerModel
import RunnerSpec
import RunnerStore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the trials of one or more experiment specs into the results database.",
        discussion: """
            Runs already completed in the database are skipped (same config, same run id), \
            interrupted ones are run again. ^C (SIGINT), SIGTERM, SIGHUP, SIGUSR1/2 stop handing \
            out trials and let the running ones end cleanly as interrupted (exit 128 + the \
            signal: 130 for ^C, 143 for SIGTERM); a second signal exits at once. A full disk \
            stops the sweep with one line (exit 1); running the same command again finishes it.
            """
    )

    @Argument(help: "Spec files (.json or .plist).") var specs: [String]
    @Option(help: "Parallel workers (default: the number of active processors).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @OptionGroup var database: DatabaseOptions
    @Option(
        help:
            "Run only shard I of N (I/N), or take it from slurm (SLURM_ARRAY_TASK_ID/COUNT) or k8s/N (JOB_COMPLETION_INDEX)."
    )
    var shard: String?
    @Flag(help: "Also rerun failed and diverged runs.") var retryFailed = false
    @Flag(help: "Print the trials and the swept axes; run nothing.") var dryRun = false
    @Flag(help: "Allow grids of more than 1,000,000 trials.") var force = false
    @Flag(help: "No progress line.") var quiet = false

    func run() throws {
        guard jobs >= 1 else { throw failure("--jobs is \(jobs); give at least 1.", usage: true) }
        ProcessTuning.reuseFreedMemory()
        // The code version (git) is looked up while the specs load; the store waits for it.
        if !dryRun { RunEnvironment.prefetch() }
        let loader = SpecLoader(schema: ConfigSchema(registry: RunnerCommand.registry))
        var loaded: [ExperimentSpec] = []
        var names: Set<String> = []
        for path in specs {
            do {
                let spec = try loader.load(path: path, force: force)
                guard names.insert(spec.name).inserted else {
                    throw failure(
                        "\(path): name \"\(spec.name)\" is used by another spec given; names must differ.", usage: true)
                }
                loaded.append(spec)
            } catch {
                throw failure(error)
            }
        }
        var selected: Shard?
        if let shard {
            do {
                selected = try Shard.parse(shard)
            } catch {
                throw failure(error, usage: true)
            }
        }
        do {
            try SearchRunner.refuseUnsupported(loaded, shard: selected, retryFailed: retryFailed)
        } catch {
            throw failure(error, usage: true)
        }
        if dryRun {
            // Run references in model.init are looked up in the database, when there is one.
            let existing =
                FileManager.default.fileExists(atPath: database.path)
                ? try? ResultStore(path: database.path, readOnly: true) : nil
            for spec in loaded {
                do {
                    let trials = try spec.trials()
                    let shown = try PlannedTrial.resolvingInit(
                        selected.map { $0.select(trials) } ?? trials, store: existing,
                        registry: RunnerCommand.registry, file: spec.file)
                    StandardOutput.write(DryRunOutput.text(spec: spec, trials: shown, shard: selected), terminator: "")
                } catch {
                    throw failure(error, usage: true)
                }
            }
            return
        }
        // Every trial config is validated before the database is opened (and created).
        let planned: [(spec: ExperimentSpec, trials: [PlannedTrial])]
        do {
            planned = try SweepRunner.plan(loaded, shard: selected)
            try SweepRunner.checkMemory(planned, jobs: jobs)
        } catch {
            throw failure(error, usage: true)
        }
        let store: ResultStore
        do {
            store = try ResultStore(path: database.path)
        } catch  where error.code == .diskFull {
            throw failure("\(error); free some space, then run the same command again.", usage: false)
        } catch {
            throw failure(error)
        }
        // However the sweep ends, the database file alone holds what was recorded.
        defer { store.checkpointLog() }
        let interrupt = InterruptHandler(
            message: "interrupted: no new trials; letting running ones stop (^C again to exit now)")
        defer { interrupt.remove() }
        let options = SweepRunner.Options(jobs: jobs, shard: selected, retryFailed: retryFailed)
        // Adaptive searches run after the plain sweeps, each in its rounds (SearchRunner).
        let plain = planned.filter { !$0.spec.isAdaptive }
        let runner = SweepRunner(
            specs: plain.map(\.spec), store: store, options: options, registry: RunnerCommand.registry, planned: plain)
        let quiet = self.quiet
        var outcome = SweepRunner.Outcome.none
        do {
            let progress: (Int) -> ProgressReporter? = { total in quiet ? nil : ProgressReporter(total: total) }
            if !plain.isEmpty {
                outcome = try runner.run(stop: interrupt.flag, progress: progress)
            }
            for spec in loaded where spec.isAdaptive {
                guard !interrupt.flag.isSet, outcome.storageFailure == nil else { break }
                let search = SearchRunner(spec: spec, store: store, options: options, registry: RunnerCommand.registry)
                var searched = try search.run(stop: interrupt.flag, progress: progress)
                // Another experiment: its trials add to the others'.
                outcome.trials += searched.trials
                searched.trials = 0
                outcome.add(searched, alreadyCounted: 0)
            }
        } catch let error as SpecError {
            throw failure(error, usage: true)
        } catch let error as StoreError where error.code == .diskFull {
            throw failure("\(error); free some space, then run the same command again.", usage: false)
        } catch {
            throw failure(error)
        }
        if let storageFailure = outcome.storageFailure {
            // The summary reads the database, which may fail too: the failure line comes regardless.
            if let summary = try? RunSummaryOutput.text(
                outcome: outcome, experiments: loaded.map(\.name), store: store, jobs: jobs)
            {
                StandardOutput.write(summary, terminator: "")
            }
            throw failure(storageFailure, usage: false)
        }
        StandardOutput.write(
            try RunSummaryOutput.text(outcome: outcome, experiments: loaded.map(\.name), store: store, jobs: jobs),
            terminator: "")
        if outcome.interrupted {
            try? FileHandle.standardError.write(
                contentsOf: Data("interrupted: run the same command again to finish the sweep\n".utf8))
            throw ExitCode(interrupt.exitStatus)
        }
        if !outcome.errors.isEmpty {
            throw ExitCode(1)
        }
    }
}
