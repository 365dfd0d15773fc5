import Foundation
import GRDB

extension StoreSchema {
    /// The table of rung decisions (migration 4): one row per run and rung it reached.
    package static let rungsTable = "rungs"

    /// Migration 4: the status `pruned`, and the rung decisions of pruned sweeps.
    ///
    /// SQLite cannot alter a CHECK constraint, so `runs` is rebuilt by the procedure SQLite
    /// documents for schema changes ALTER TABLE cannot make ("Making Other Kinds Of Table Schema
    /// Changes", sqlite.org/lang_altertable.html), inside the migration's transaction, with foreign
    /// keys off (the caller turns them off before the transaction, step 1, and on after it, step 12):
    /// the new table is created from the stored `CREATE TABLE` text with only the status list
    /// changed, so that every column is kept, including those added for swept paths; the rows are
    /// copied, the old table dropped, the new one renamed, its indexes and triggers recreated from
    /// their stored text, and `PRAGMA foreign_key_check` must find nothing before the commit.
    ///
    /// - Throws: `DatabaseError`, or ``StoreError`` when the stored schema is not one this code made.
    static func addPrunedStatus(_ db: Database) throws {
        // Step 3: the indexes and triggers of runs, to recreate after the rebuild.
        let objects = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master
                WHERE tbl_name = 'runs' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name
                """
        ).map { (name: $0["name"] as String, sql: $0["sql"] as String) }
        guard
            let create = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'")
        else {
            throw StoreError(
                .newerSchema, file: db.description, "has no runs table to migrate; it is not a results database.")
        }
        let old = "'failed', 'interrupted')"
        guard let list = create.range(of: old), let head = create.range(of: "CREATE TABLE runs") else {
            throw StoreError(
                .newerSchema, file: db.description,
                "has a runs table whose status constraint this runner did not write; it cannot add the status pruned.")
        }
        var revised = create
        revised.replaceSubrange(list, with: "'failed', 'interrupted', 'pruned')")
        revised.replaceSubrange(
            revised.range(of: "CREATE TABLE runs") ?? head, with: "CREATE TABLE runs_rebuilt")
        // Steps 4-7: create the new table, copy, drop the old, rename the new.
        try db.execute(sql: revised)
        try db.execute(sql: "INSERT INTO runs_rebuilt SELECT * FROM runs")
        try db.execute(sql: "DROP TABLE runs")
        try db.execute(sql: "ALTER TABLE runs_rebuilt RENAME TO runs")
        // Step 8: the indexes and triggers.
        for object in objects {
            try db.execute(sql: object.sql)
        }
        // Step 10: every reference to runs still resolves.
        if let broken = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
            throw StoreError(
                .newerSchema, file: db.description,
                "has a row of \(broken[0] as String? ?? "?") whose reference does not resolve after adding the status "
                    + "pruned; the migration was rolled back.")
        }
        try db.execute(
            sql: """
                CREATE TABLE \(rungsTable) (
                    run_id TEXT NOT NULL REFERENCES runs(id),
                    iteration INTEGER NOT NULL,
                    metric REAL,
                    decision TEXT CHECK (decision IN ('continue', 'pruned')),
                    cohort INTEGER,
                    PRIMARY KEY (run_id, iteration)
                )
                """)
    }
}
