import Foundation
import GRDB
import Testing

@testable import RunnerStore

/// `--db` paths that are not lstm-runner databases, and databases that cannot be written.
@Suite struct ForeignDatabaseTests {
    static func spec(in directory: URL) throws -> String {
        try writeSpec(tinySpec(), in: directory)
    }

    @Test func aDeviceIsRefusedAsADatabase() throws {
        try withTemporaryDirectory { directory in
            for command in [["report"], ["run", try Self.spec(in: directory)]] {
                let result = try RunnerCLI.run(command + ["--db", "/dev/null"], in: directory)
                #expect(result.status == 64)
                #expect(
                    result.stderr
                        == "error: /dev/null: is a character device, not a database file; give a results database "
                        + "such as results/runs.sqlite.\n")
            }
        }
    }

    @Test func aTruncatedDatabaseIsSaidToBeDamagedWithoutSQL() throws {
        try withTemporaryDirectory { directory in
            try FaultAnswerTests.tinyDatabase(directory)
            let whole = try Data(contentsOf: directory.appendingPathComponent("runs.sqlite"))
            try whole.prefix(8192).write(to: directory.appendingPathComponent("cut.sqlite"))
            for command in [["report"], ["run", try Self.spec(in: directory)], ["show", "0"]] {
                let result = try RunnerCLI.run(command + ["--db", "cut.sqlite"], in: directory)
                #expect(result.status == 1)
                #expect(
                    result.stderr.hasPrefix("error: cut.sqlite: is damaged (database disk image is malformed); "),
                    "\(command[0]): \(result.stderr)")
                #expect(!result.stderr.contains("while executing"))
                #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            }
        }
    }

    /// What `runner run` and `runner merge` recorded is in the `.sqlite` file itself when they
    /// exit, not only in its `-wal` file: a copy of the file alone (cp, scp) holds every run.
    @Test func theDatabaseFileAloneHoldsTheResultsOnceRunOrMergeExits() throws {
        try withTemporaryDirectory { directory in
            try FaultAnswerTests.tinyDatabase(directory)
            let merged = try RunnerCLI.run(["merge", "merged.sqlite", "runs.sqlite"], in: directory)
            try #require(merged.status == 0, "\(merged.stderr)")
            let copies = directory.appendingPathComponent("copies")
            try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true)
            for name in ["runs.sqlite", "merged.sqlite"] {
                try FileManager.default.copyItem(
                    at: directory.appendingPathComponent(name), to: copies.appendingPathComponent(name))
                let report = try RunnerCLI.run(["report", "--db", "copies/\(name)"], in: directory)
                #expect(report.status == 0, "\(name): \(report.stderr)")
                #expect(report.stdout.contains("runs: 2 (2 completed)"), "\(name): \(report.stdout)")
            }
        }
    }

    @Test func anEmptyDatabasePathIsAUsageError() throws {
        try withTemporaryDirectory { directory in
            for command in [["report"], ["run", try Self.spec(in: directory)]] {
                let result = try RunnerCLI.run(command + ["--db", ""], in: directory)
                #expect(result.status == 64)
                #expect(result.stderr == "error: --db: is empty; give a database file such as results/runs.sqlite.\n")
            }
        }
    }

    @Test func anEmptyFileIsRefusedForReadingAndBecomesADatabaseForRunning() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("empty.sqlite").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let report = try RunnerCLI.run(["report", "--db", path], in: directory)
            #expect(report.status == 64)
            #expect(report.stderr.hasPrefix("error: \(path): holds no results (an empty database); run an experiment"))
            let run = try RunnerCLI.run(["run", try Self.spec(in: directory), "--db", path, "--quiet"], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
        }
    }

    @Test(arguments: ["CREATE TABLE notes (body TEXT)", "PRAGMA application_id = 42"])
    func anotherProgramsDatabaseIsRefusedAndLeftAlone(sql: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("other.sqlite").path
            try sqlite(path, sql + "; CREATE TABLE IF NOT EXISTS data (x)")
            let before = try dump(path)
            for command in [["report"], ["show", "abc"], ["run", try Self.spec(in: directory)]] {
                let result = try RunnerCLI.run(command + ["--db", path], in: directory)
                #expect(result.status == 64, "\(command[0]): \(result.stderr)")
                #expect(
                    result.stderr.hasPrefix("error: \(path): is another program's SQLite database ("),
                    "\(result.stderr)")
                #expect(
                    result.stderr.hasSuffix(
                        "not an lstm-runner results database; give a results database or a new file name.\n"))
            }
            #expect(try dump(path) == before, "nothing added to the other program's file")
        }
    }

    @Test func newDatabasesCarryTheApplicationIDAndOldOnesAreRecognisedByTheirTables() throws {
        try withTemporaryDirectory { directory in
            let fresh = directory.appendingPathComponent("new.sqlite").path
            _ = try ResultStore(path: fresh)
            #expect(try sqlite(fresh, "PRAGMA application_id") == "\(ResultStore.applicationID)")
            // A database from before the stamp: our tables, application_id 0.
            let old = directory.appendingPathComponent("old.sqlite").path
            let queue = try DatabaseQueue(path: old)
            try queue.write { db in try StoreSchema.migrate(db, file: old) }
            try queue.close()
            _ = try ResultStore(path: old, readOnly: true)
            #expect(try sqlite(old, "PRAGMA application_id") == "0", "reading changes nothing")
            _ = try ResultStore(path: old)
            #expect(try sqlite(old, "PRAGMA application_id") == "\(ResultStore.applicationID)")
        }
    }
}

/// Read-only media: `chattr +i` makes files and folders unwritable even for root (a chmod does
/// not), as a read-only mount does. Skipped where the file system or the user cannot set it.
enum Immutable {
    /// Whether `chattr +i` works here.
    static let isAvailable: Bool = {
        guard
            (try? withTemporaryDirectory { directory -> Bool in
                let probe = directory.appendingPathComponent("probe")
                guard FileManager.default.createFile(atPath: probe.path, contents: Data()),
                    (try? runProgram("chattr", ["+i", probe.path]))?.status == 0
                else { return false }
                _ = try? runProgram("chattr", ["-i", probe.path])
                return true
            }) == true
        else { return false }
        return true
    }()

    static let skipMessage: Comment = "chattr +i is not permitted here (needs root on ext4 or similar)"

    /// Runs `body` with `paths` immutable, and makes them mutable again afterwards.
    static func with<T>(_ paths: [String], _ body: () throws -> T) throws -> T {
        for path in paths {
            let result = try runProgram("chattr", ["+i", path])
            guard result.status == 0 else { throw TestFailure("chattr +i \(path): \(result.standardError)") }
        }
        defer {
            for path in paths { _ = try? runProgram("chattr", ["-i", path]) }
        }
        return try body()
    }
}

@Suite(.serialized) struct ReadOnlyMediaTests {
    @Test(.enabled(if: Immutable.isAvailable, Immutable.skipMessage))
    func aDatabaseOnReadOnlyMediaIsReadWithoutWriting() throws {
        try withTemporaryDirectory { directory in
            let store = try VerifyTests.recorded(in: directory)
            let run = try store.runs(ofExperiment: "tiny")[0]
            // The results folder copied onto read-only media: the database (still in WAL mode, its
            // log merged into it first) and its checkpoints, no -wal or -shm file.
            try store.queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            let media = directory.appendingPathComponent("media", isDirectory: true)
            try FileManager.default.createDirectory(at: media, withIntermediateDirectories: false)
            for name in ["runs.sqlite", "checkpoints"] {
                try FileManager.default.copyItem(
                    at: directory.appendingPathComponent(name), to: media.appendingPathComponent(name))
            }
            let database = media.appendingPathComponent("runs.sqlite").path
            #expect(try sqlite(database, "PRAGMA journal_mode") == "wal")
            let checkpoints = media.appendingPathComponent("checkpoints").path
            let files = try FileManager.default.contentsOfDirectory(atPath: checkpoints).map { "\(checkpoints)/\($0)" }
            try Immutable.with([database, checkpoints, media.path] + files) {
                for command in [
                    ["report", "tiny"], ["show", run.id], ["export", "tiny", "--runs", "--format", "csv"],
                    ["predict", run.id],
                ] {
                    let result = try RunnerCLI.run(command + ["--db", database], in: directory)
                    #expect(result.status == 0, "\(command[0]): \(result.stderr)")
                    #expect(!result.stdout.isEmpty)
                }
                #expect(!FileManager.default.fileExists(atPath: database + "-shm"))
            }
        }
    }

    @Test(.enabled(if: Immutable.isAvailable, Immutable.skipMessage))
    func aWriteAheadLogWithChangesOnReadOnlyMediaIsNamed() throws {
        try withTemporaryDirectory { directory in
            // Copied while a writer had it open: the database and its -wal, no -shm.
            let store = try VerifyTests.recorded(in: directory)
            let media = directory.appendingPathComponent("media", isDirectory: true)
            try FileManager.default.createDirectory(at: media, withIntermediateDirectories: false)
            for name in ["runs.sqlite", "runs.sqlite-wal"] {
                try FileManager.default.copyItem(
                    at: directory.appendingPathComponent(name), to: media.appendingPathComponent(name))
            }
            let database = media.appendingPathComponent("runs.sqlite").path
            try Immutable.with([database, database + "-wal", media.path]) {
                let result = try RunnerCLI.run(["report", "--db", database], in: directory)
                #expect(result.status == 64)
                #expect(result.stderr.hasPrefix("error: \(database): cannot be opened for reading"), "\(result.stderr)")
                #expect(result.stderr.contains("its write-ahead log \(database)-wal holds changes"))
                #expect(result.stderr.filter { $0 == "\n" }.count == 1)
            }
            _ = store
        }
    }

    @Test(.enabled(if: Immutable.isAvailable, Immutable.skipMessage))
    func aLeftoverReadOnlyWriteAheadLogIsNamedWithTheFix() throws {
        try withTemporaryDirectory { directory in
            let database = directory.appendingPathComponent("runs.sqlite").path
            _ = try ResultStore(path: database)
            let wal = database + "-wal"
            #expect(FileManager.default.createFile(atPath: wal, contents: Data()))
            let spec = try writeSpec(tinySpec(), in: directory)
            try Immutable.with([wal]) {
                let result = try RunnerCLI.run(["run", spec, "--db", database], in: directory)
                #expect(result.status == 64)
                #expect(
                    result.stderr
                        == "error: \(database): its write-ahead log \(wal) is read-only (left by another user or a "
                        + "copy); make it writable (chmod u+w \(wal); chattr -i if it is immutable) or choose "
                        + "another --db.\n")
            }
        }
    }
}
