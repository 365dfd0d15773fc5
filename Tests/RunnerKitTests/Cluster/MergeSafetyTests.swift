import Foundation
import GRDB
import RunnerModel
import RunnerSpec
import RunnerStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `runner merge` into databases that are in use, or are its own input under another name.
@Suite struct MergeSafetyTests {
    @Test func mergeRefusesADatabaseThatALiveRunIsTrainingInto() throws {
        try withTemporaryDirectory { directory in
            let spec = try tinySpec()
            let input = try makeStore("shard", in: directory)
            try runSweep(spec, into: input)
            // The output: the same sweep registered, and three runs claimed by a live process (this one).
            let output = try makeStore("out", in: directory)
            let trials = try spec.trials()
            try output.register(spec, trials: trials)
            let claimed = try output.claim(trials.prefix(3).map(\.runID), retryFailed: false)
            #expect(claimed.count == 3)

            let result = try RunnerCLI.run(["merge", output.path, input.path], in: directory)
            #expect(result.status == 1)
            #expect(
                result.stderr
                    == "error: \(output.path): 3 runs are being trained into this database by pid "
                    + "\(getpid()) on \(output.environment.host) (runner run); nothing was merged. Wait for that "
                    + "run to finish, then merge again.\n")
            #expect(try sqlite(output.path, "SELECT count(*) FROM runs WHERE status = 'running'") == "3")
            #expect(try sqlite(output.path, "SELECT count(*) FROM runs WHERE status = 'completed'") == "0")

            // Once the claims are gone (released, or their process dead), the merge goes through.
            try output.releaseClaims()
            let again = try RunnerCLI.run(["merge", output.path, input.path], in: directory)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try sqlite(output.path, "SELECT count(*) FROM runs WHERE status = 'completed'") == "10")
        }
    }

    @Test func mergingADatabaseIntoItselfThroughAHardLinkIsRefused() throws {
        try withTemporaryDirectory { directory in
            let output = try makeStore("out", in: directory)
            let alias = directory.appendingPathComponent("alias.sqlite").path
            #expect(link(output.path, alias) == 0)
            let result = try RunnerCLI.run(["merge", output.path, alias], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr
                    == "error: \(alias): is the output database itself (the same file as \(output.path)); give it "
                    + "once, as the first argument.\n")
        }
    }
}
