import Foundation
import GRDB
import LSTMCore
import Synchronization
import Testing

@testable import RunnerEngine
@testable import RunnerModel
@testable import RunnerSpec
@testable import RunnerStore

/// The sweep runner's small helpers: claims taken ahead of the workers, the heartbeat timer and
/// the progress line.
@Suite struct SweepHelpersTests {
    // MARK: - ClaimAhead

    @Test func claimAheadAsksForTheNextChunkOnceAndHandsOutWhatItWon() throws {
        let order = ["a", "b", "c", "d", "e"]
        let claims = ClaimAhead(order: order, chunk: 2)
        let asked = Mutex([[String]]())
        let claim: ([String]) throws -> Set<String> = { ids in
            asked.withLock { $0.append(ids) }
            return Set(ids)
        }
        #expect(try claims.take("a", claim: claim))
        #expect(try claims.take("b", claim: claim))  // held since "a"'s claim: no new transaction
        #expect(try claims.take("c", claim: claim))
        #expect(asked.withLock { $0 } == [["a", "b"], ["c", "d"]])
        #expect(try claims.take("e", claim: claim))
        #expect(asked.withLock { $0 } == [["a", "b"], ["c", "d"], ["e"]])
    }

    @Test func claimAheadNeverAsksTwiceForARunAnotherProcessWon() throws {
        let claims = ClaimAhead(order: ["a", "b", "c"], chunk: 3)
        var calls = 0
        let claim: ([String]) throws -> Set<String> = { ids in
            calls += 1
            return Set(ids).subtracting(["b"])  // "b" is held elsewhere
        }
        #expect(try claims.take("a", claim: claim))
        #expect(try !claims.take("b", claim: claim))
        #expect(try claims.take("c", claim: claim))
        #expect(try !claims.take("a", claim: claim))  // handed out once only
        #expect(calls == 1)
    }

    @Test func claimAheadPassesOnTheStoresError() {
        struct Refused: Error {}
        let claims = ClaimAhead(order: ["a", "b"], chunk: 2)
        #expect(throws: Refused.self) { try claims.take("a") { _ in throw Refused() } }
    }

    // MARK: - Heartbeat

    @Test func theHeartbeatRefreshesThisProcesssRunningRunsOnly() throws {
        try withTemporaryDirectory { directory in
            _ = try StoreTests.sweep(tinySpec(sweep: #"{"seed": [0, 1]}"#), in: directory)
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            let ids = try store.runs(ofExperiment: "tiny").map(\.id)
            let old = "2000-01-01T00:00:00.000Z"
            try store.write { db in
                try db.execute(
                    sql:
                        "UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat = ? WHERE id = ?",
                    arguments: [store.environment.host, store.ownerPID, old, ids[0]])
                try db.execute(
                    sql:
                        "UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat = ? WHERE id = ?",
                    arguments: [store.environment.host, store.ownerPID + 1, old, ids[1]])
            }
            let heartbeat = Heartbeat(store: store, every: .milliseconds(10))
            defer { heartbeat.stop() }
            func beat(_ id: String) throws -> String? {
                try store.read { db in
                    try String.fetchOne(db, sql: "SELECT heartbeat FROM runs WHERE id = ?", arguments: [id])
                }
            }
            // Polls (no timing is asserted): the timer's first beat is due after 10 ms.
            var polls = 0
            while try beat(ids[0]) == old, polls < 500 {
                Thread.sleep(forTimeInterval: 0.01)
                polls += 1
            }
            #expect(try beat(ids[0]) != old)
            #expect(try beat(ids[1]) == old)
        }
    }

    // MARK: - ProgressReporter

    static func result(bestLoss: Double?) throws -> TrialResult {
        let spec = try SpecLoader().load(data: Data(tinySpec(iterations: 1).utf8), file: "tiny.json")
        let planned = try #require(try spec.trials().first)
        var result = try Trial(config: planned.config).run()
        result.bestLoss = bestLoss
        return result
    }

    @Test func offATerminalProgressPrintsPlainLinesAndTheLastOneOnce() throws {
        let lines = Mutex([String]())
        let reporter = ProgressReporter(total: 3, terminal: false, interval: .seconds(3600)) { text in
            lines.withLock { $0.append(text) }
        }
        reporter.finished(try Self.result(bestLoss: 0.5))
        reporter.finished(try Self.result(bestLoss: 0.25))
        #expect(lines.withLock { $0 }.isEmpty)  // not due yet
        reporter.finished(try Self.result(bestLoss: 0.75))
        reporter.finish()
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        #expect(written[0].hasPrefix("progress: 3/3 trials  "))
        #expect(written[0].hasSuffix("best 2.500e-01\n"))
    }

    @Test func onATerminalProgressRedrawsOneLineAndEndsIt() throws {
        let lines = Mutex([String]())
        let reporter = ProgressReporter(total: 2, terminal: true) { text in lines.withLock { $0.append(text) } }
        reporter.finished(try Self.result(bestLoss: nil))
        reporter.finished(try Self.result(bestLoss: nil))
        reporter.finish()
        let written = lines.withLock { $0 }
        #expect(written.first?.hasPrefix("\r[") == true)
        #expect(written.dropLast().last?.contains("[########################] 2/2") == true)
        #expect(written.dropLast().last?.contains("best -") == true)
        #expect(written.last == "\n")
    }

    @Test func durationsPrintAsMinutesAndHours() {
        #expect(ProgressReporter.duration(65) == "1:05")
        #expect(ProgressReporter.duration(7387) == "2:03:07")
        #expect(ProgressReporter.duration(0.4) == "0:00")
    }
}
