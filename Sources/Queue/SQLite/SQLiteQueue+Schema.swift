import GRDB

extension SQLiteQueue {
    /// The schema, one named migration per step. Later tables (history, outbox) append migrations
    /// here; never edit a shipped one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: event and quarantine") { db in
            // Times are integer milliseconds since 1970 (like InboundEvent.timestamp): cheap to
            // compare in the lease query, and exact.
            try db.execute(sql: """
                CREATE TABLE event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids of purged events are never reused
                    dedup_key TEXT NOT NULL UNIQUE,
                    platform TEXT NOT NULL,
                    account TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    conversation_key TEXT NOT NULL,
                    is_group INTEGER NOT NULL,
                    sender_id TEXT,
                    sender_name TEXT,
                    message_id TEXT,
                    ts INTEGER NOT NULL,
                    text TEXT,
                    event_json TEXT NOT NULL, -- the InboundEvent as JSON, its raw left empty (see raw)
                    raw TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'leased', 'done', 'retry', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    leased_at INTEGER,
                    lease_expires_at INTEGER,
                    last_error TEXT,
                    available_at INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                -- Unfinished events in global order: the lease query walks this, oldest first.
                CREATE INDEX event_unfinished_order ON event (ts, id)
                    WHERE state IN ('queued', 'leased', 'retry');
                -- Unfinished events per conversation: "is anything earlier or leased here?"
                CREATE INDEX event_conversation_order ON event (conversation_key, ts, id)
                    WHERE state IN ('queued', 'leased', 'retry');
                -- Stats, list by state, purge by age.
                CREATE INDEX event_state_updated ON event (state, updated_at);

                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    platform TEXT NOT NULL,
                    received_at INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    body BLOB NOT NULL
                );
                CREATE INDEX quarantine_received_at ON quarantine (received_at);
                """)
        }
        registerConversationMigrations(&migrator)
        migrator.registerMigration("v3: leased events per conversation") { db in
            // "Is anything in this conversation leased?" in one probe: without it the lease query
            // read every unfinished event of the head's conversation to look at its state.
            try db.execute(sql: """
                CREATE INDEX IF NOT EXISTS event_leased ON event (conversation_key, lease_expires_at) WHERE state = 'leased'
                """)
        }
        return migrator
    }

    /// Applies the migrations not yet applied; returns their names (empty when up to date).
    @discardableResult
    public func migrate() async throws -> [String] {
        let before = Set(try await appliedMigrations())
        try Self.migrator.migrate(dbPool)
        return try await appliedMigrations().filter { !before.contains($0) }
    }

    /// The names of the migrations applied so far, in the order they were registered.
    public func appliedMigrations() async throws -> [String] {
        try await dbPool.read { db in try Self.migrator.appliedMigrations(db) }
    }
}
