import Foundation
import GRDB
import Testing

@testable import RunnerFiles
@testable import RunnerStore

/// Errors keep their cause: the message is for people, the cause for code.
@Suite struct StoreErrorTests {
    @Test func anSQLiteFailureKeepsGRDBsErrorWithItsResultCode() throws {
        try withTemporaryDirectory { directory in
            let store = try ResultStore(path: directory.appendingPathComponent("runs.sqlite").path)
            do throws(StoreError) {
                try store.write { db in try db.execute(sql: "INSERT INTO no_such_table VALUES (1)") }
                Issue.record("the statement should have failed")
            } catch {
                #expect(error.code == .sqlite)
                let cause = try #require(error.underlying as? DatabaseError)
                #expect(cause.resultCode == .SQLITE_ERROR)
                #expect(cause.message?.contains("no_such_table") == true)
                #expect(error.description.contains("no such table: no_such_table"))
            }
        }
    }

    @Test func aCheckpointThatCannotBeWrittenKeepsTheFileError() throws {
        try withTemporaryDirectory { directory in
            let blocker = directory.appendingPathComponent("file")
            try Data("x".utf8).write(to: blocker)
            let checkpoint = try CheckpointTests.makeCheckpoint()
            // A file where the folder should be: the write fails below it.
            #expect {
                try checkpoint.write(to: blocker.appendingPathComponent("sub/x.ckpt.gz"))
            } throws: { error in
                guard let error = error as? CheckpointError else { return false }
                return error.code == .io && error.underlying is AtomicFileError
            }
        }
    }
}
