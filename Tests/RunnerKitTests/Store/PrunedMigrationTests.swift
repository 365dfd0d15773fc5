import Foundation
import GRDB
import Testing

@testable import RunnerModel
@testable import RunnerStore

@Suite struct PrunedMigrationTests {
    static func schema(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    }

    @Test(arguments: [1, 2, 3])
    func aDatabaseOfAnEarlierSchemaGainsThePrunedStatusKeepingEverything(version: Int) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("old.sqlite").path
            let old = try DatabaseQueue(path: path)
            try old.write { db in
                try StoreSchema.migrate(db, file: path, upTo: version)
                // A swept path's own column, as registration adds it.
                try db.execute(sql: #"ALTER TABLE runs ADD COLUMN "task.targets""#)
                try db.execute(
                    sql: """
                        INSERT INTO experiments (name, spec_file, spec_text, spec_sha256, created, updated)
                        VALUES ('e', 'e.json', '{}', 'x', 't', 't');
                        INSERT INTO runs (id, experiment, status, config, seed, task, hidden_size, cell_output,
                            iterations, learning_rate, optimizer, loss, final_loss, "task.targets")
                        VALUES ('abcdefabcdef', 'e', 'completed', '{}', 0, 'sequence', 4, 'identity', 10, 0.1, 'sgd',
                            'h0-squared', 0.25, '[0.5]'),
                            ('bbbbbbbbbbbb', 'e', 'interrupted', '{}', 1, 'sequence', 4, 'identity', 10, 0.1, 'sgd',
                            'h0-squared', NULL, '[0.1]');
                        INSERT INTO experiment_runs (experiment, run_id, trial_index) VALUES ('e', 'abcdefabcdef', 0),
                            ('e', 'bbbbbbbbbbbb', 1);
                        INSERT INTO curves (run_id, iterations, losses) VALUES ('abcdefabcdef', 1, x'0000000000000000');
                        """
                )
            }
            let before = try old.read { db in try Self.schema(db) }
            let columns = try old.read { db in
                try Row.fetchAll(db, sql: "PRAGMA table_info(runs)").map { $0["name"] as String }
            }
            try old.close()
            let store = try ResultStore(path: path)
            let after = try store.queue.read { db in
                (
                    version: try Int.fetchOne(db, sql: "PRAGMA user_version"),
                    columns: try Row.fetchAll(db, sql: "PRAGMA table_info(runs)").map { $0["name"] as String },
                    schema: try Self.schema(db),
                    broken: try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                    foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"),
                    targets: try String.fetchOne(
                        db, sql: #"SELECT "task.targets" FROM runs WHERE id = 'abcdefabcdef'"#),
                    links: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM experiment_runs")
                )
            }
            #expect(after.version == StoreSchema.currentVersion)
            // Every column kept, in its place (migrations 2 and 3 add theirs after those of older databases).
            #expect(Array(after.columns.prefix(columns.count)) == columns)
            #expect(version < 3 || after.columns == columns)
            #expect(Set(after.schema).isSuperset(of: before))
            #expect(after.schema.contains("table rungs"))
            #expect(after.schema.contains("index runs_by_status"))
            #expect(after.broken == 0)
            #expect(after.foreignKeys == true)
            #expect(after.targets == "[0.5]")
            #expect(after.links == 2)
            #expect(try store.run("abcdef").finalLoss == 0.25)
            try store.write { db in
                try db.execute(sql: "UPDATE runs SET status = 'pruned', iterations_run = 3 WHERE id = 'bbbbbbbbbbbb'")
            }
            #expect(try store.statuses(of: ["bbbbbbbbbbbb"]) == ["bbbbbbbbbbbb": .pruned])
            // The constraint still refuses what is not a status.
            #expect(throws: (any Error).self) {
                try store.write { db in try db.execute(sql: "UPDATE runs SET status = 'paused'") }
            }
        }
    }
}
