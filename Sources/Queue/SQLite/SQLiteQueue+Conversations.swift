import ChorusCore
import Foundation
import GRDB

extension SQLiteQueue {
    /// Tables for the assistant: history (memory), outbox (sends), conversation (language state),
    /// and a note column on events for the assistant's decision.
    static func registerConversationMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2: history, outbox, conversation, event note") { db in
            try db.execute(sql: """
                ALTER TABLE event ADD COLUMN note TEXT;
                CREATE INDEX event_message_id ON event (message_id) WHERE message_id IS NOT NULL;

                CREATE TABLE history (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    conversation_key TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
                    speaker_id TEXT NOT NULL,
                    speaker_name TEXT,
                    text TEXT NOT NULL,
                    message_id TEXT,
                    ts INTEGER NOT NULL,
                    outbox_id INTEGER -- the send that delivers an assistant turn
                );
                CREATE INDEX history_conversation ON history (conversation_key, id);

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id INTEGER NOT NULL,
                    conversation_key TEXT NOT NULL,
                    platform TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('text', 'read', 'typing')),
                    path TEXT NOT NULL,
                    body BLOB NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_expires_at INTEGER,
                    available_at INTEGER NOT NULL,
                    last_error TEXT,
                    sent_message_id TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX outbox_unsent ON outbox (conversation_key, id) WHERE state IN ('pending', 'sending');
                CREATE INDEX outbox_event ON outbox (event_id);
                CREATE INDEX outbox_sent_message ON outbox (conversation_key, sent_message_id) WHERE sent_message_id IS NOT NULL;

                CREATE TABLE conversation (
                    key TEXT PRIMARY KEY,
                    language TEXT,
                    updated_at INTEGER NOT NULL
                );
                """)
        }
    }
}

extension SQLiteQueue {
    public func history(conversation: String, limit: Int) async throws -> [HistoryEntry] {
        try await dbPool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT * FROM history WHERE conversation_key = ? ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [conversation, limit]).map(Self.historyEntry)
        }
    }

    public func isBotMessage(conversation: String, messageID: String) async throws -> Bool {
        try await dbPool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM outbox WHERE conversation_key = ? AND sent_message_id = ?)
                """, arguments: [conversation, messageID]) ?? false
        }
    }

    public func finish(eventID: Int64, owner: String, note: String, history: [HistoryEntry], sends: [OutboxDraft],
                       language: String?, now: Date) async throws {
        let policy = configuration.retryPolicy
        try await dbPool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(EventRow.selection()) FROM event WHERE id = ?", arguments: [eventID]) else {
                throw QueueError.eventNotFound(id: eventID)
            }
            switch JobStateMachine.transition(try EventRow.job(row), on: .complete(owner: owner, now: now), policy: policy) {
            case .update(let job, _):
                try EventRow.update(id: eventID, to: job, now: now, db: db)
            case .reject(let rejection):
                throw QueueError.rejected(id: eventID, rejection)
            }
            try db.execute(sql: "UPDATE event SET note = ? WHERE id = ?", arguments: [note, eventID])
            let conversation = try String.fetchOne(db, sql: "SELECT conversation_key FROM event WHERE id = ?", arguments: [eventID]) ?? ""
            if let language {
                try db.execute(sql: """
                    INSERT INTO conversation (key, language, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
                    """, arguments: [conversation, language, now.millis])
            }

            var outboxIDs: [Int64] = []
            for send in sends {
                try db.execute(sql: """
                    INSERT INTO outbox (event_id, conversation_key, platform, kind, path, body, available_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [eventID, conversation, send.platform.rawValue, send.kind.rawValue, send.path, send.body,
                                     now.millis, now.millis, now.millis])
                if send.kind == .text { outboxIDs.append(db.lastInsertedRowID) }
            }
            for entry in history {
                // An assistant turn is tied to its first text send, whose id it takes once sent.
                let outboxID = entry.role == .assistant ? outboxIDs.first : nil
                try db.execute(sql: """
                    INSERT INTO history (conversation_key, role, speaker_id, speaker_name, text, message_id, ts, outbox_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [entry.conversationKey, entry.role.rawValue, entry.speakerID, entry.speakerName, entry.text,
                                     entry.messageID, entry.timestamp, outboxID])
            }
        }
    }

    public func leaseSends(owner: String, now: Date, duration: TimeInterval, limit: Int) async throws -> [OutboxItem] {
        guard limit > 0 else { return [] }
        return try await dbPool.write { db in
            // The oldest unsent item of each conversation, if it is due and not held by a live lease.
            let rows = try Row.fetchAll(db, sql: """
                SELECT o.* FROM outbox AS o
                WHERE o.id IN (SELECT MIN(id) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY conversation_key)
                  AND ((o.state = 'pending' AND o.available_at <= ?) OR (o.state = 'sending' AND o.lease_expires_at <= ?))
                ORDER BY o.id LIMIT ?
                """, arguments: [now.millis, now.millis, limit])
            let expires = now.addingTimeInterval(duration).millis
            return try rows.map { row in
                let id: Int64 = row["id"]
                try db.execute(sql: """
                    UPDATE outbox SET state = 'sending', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
                    WHERE id = ?
                    """, arguments: [owner, expires, now.millis, id])
                var item = try Self.outboxItem(row)
                item.state = .sending
                item.attempts += 1
                return item
            }
        }
    }

    public func markSent(id: Int64, messageID: String?, now: Date) async throws {
        try await dbPool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = 'sent', sent_message_id = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE id = ?
                """, arguments: [messageID, now.millis, id])
            if let messageID {
                try db.execute(sql: "UPDATE history SET message_id = ? WHERE outbox_id = ? AND message_id IS NULL",
                               arguments: [messageID, id])
            }
        }
    }

    public func markSendFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws {
        try await dbPool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = ?, available_at = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE id = ?
                """, arguments: [retryAt == nil ? "dead" : "pending", (retryAt ?? now).millis, error, now.millis, id])
        }
    }

    public func conversations(limit: Int) async throws -> [ConversationSummary] {
        try await dbPool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT h.conversation_key AS key, COUNT(*) AS turns, MAX(h.ts) AS last_ts, c.language AS language
                FROM history AS h LEFT JOIN conversation AS c ON c.key = h.conversation_key
                GROUP BY h.conversation_key ORDER BY last_ts DESC LIMIT ?
                """, arguments: [limit]).map { row in
                ConversationSummary(key: row["key"], turns: row["turns"], lastTimestamp: row["last_ts"], language: row["language"])
            }
        }
    }

    public func forget(conversation: String) async throws -> Int {
        try await dbPool.write { db in
            try db.execute(sql: "DELETE FROM history WHERE conversation_key = ?", arguments: [conversation])
            let deleted = db.changesCount
            try db.execute(sql: "DELETE FROM conversation WHERE key = ?", arguments: [conversation])
            return deleted
        }
    }

    public func languageState(conversation: String) async throws -> String? {
        try await dbPool.read { db in
            try String.fetchOne(db, sql: "SELECT language FROM conversation WHERE key = ?", arguments: [conversation])
        }
    }

    public func setLanguageState(conversation: String, state: String, now: Date) async throws {
        try await dbPool.write { db in
            try db.execute(sql: """
                INSERT INTO conversation (key, language, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
                """, arguments: [conversation, state, now.millis])
        }
    }

    public func sends(eventID: Int64) async throws -> [OutboxItem] {
        try await dbPool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE event_id = ? ORDER BY id", arguments: [eventID]).map(Self.outboxItem)
        }
    }

    public func retrySends(eventID: Int64, now: Date) async throws -> Int {
        try await dbPool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = 'pending', attempts = 0, available_at = ?, updated_at = ? WHERE event_id = ? AND state = 'dead'
                """, arguments: [now.millis, now.millis, eventID])
            return db.changesCount
        }
    }

    /// The note the assistant stored with an event (its answer and gate decisions, JSON).
    public func note(eventID: Int64) async throws -> String? {
        try await dbPool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM event WHERE id = ?", arguments: [eventID])
        }
    }

    /// The note of the event carrying platform message id `messageID`.
    public func note(messageID: String) async throws -> String? {
        try await dbPool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM event WHERE message_id = ? ORDER BY id DESC LIMIT 1", arguments: [messageID])
        }
    }

    /// Outbox counts by state (for stats and metrics).
    public func outboxCounts() async throws -> [OutboxItem.State: Int] {
        try await dbPool.read { db in
            var counts: [OutboxItem.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                if let state = OutboxItem.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    static func historyEntry(_ row: Row) -> HistoryEntry {
        HistoryEntry(conversationKey: row["conversation_key"], role: HistoryEntry.Role(rawValue: row["role"]) ?? .user,
                     speakerID: row["speaker_id"], speakerName: row["speaker_name"], text: row["text"],
                     messageID: row["message_id"], timestamp: row["ts"])
    }

    static func outboxItem(_ row: Row) throws -> OutboxItem {
        let id: Int64 = row["id"]
        guard let platform = Platform(rawValue: row["platform"]), let kind = OutboxItem.Kind(rawValue: row["kind"]),
              let state = OutboxItem.State(rawValue: row["state"]) else {
            throw QueueError.corruptRow(id: id, reason: "outbox row with unknown platform, kind or state")
        }
        return OutboxItem(id: id, eventID: row["event_id"], conversationKey: row["conversation_key"], platform: platform,
                          kind: kind, path: row["path"], body: row["body"], state: state, attempts: row["attempts"],
                          lastError: row["last_error"], sentMessageID: row["sent_message_id"])
    }
}

extension SQLiteQueue {
    /// Hands back every event and send leased by `owner`: a restarted worker with a stable name
    /// releases what its previous incarnation held, instead of waiting for the leases to expire.
    /// Attempts already counted stay counted.
    @discardableResult
    public func releaseLeases(owner: String, now: Date) async throws -> (events: Int, sends: Int) {
        try await dbPool.write { db in
            try db.execute(sql: """
                UPDATE event SET state = 'queued', lease_owner = NULL, leased_at = NULL, lease_expires_at = NULL,
                                 available_at = ?, updated_at = ?
                WHERE state = 'leased' AND lease_owner = ?
                """, arguments: [now.millis, now.millis, owner])
            let events = db.changesCount
            try db.execute(sql: """
                UPDATE outbox SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, available_at = ?, updated_at = ?
                WHERE state = 'sending' AND lease_owner = ?
                """, arguments: [now.millis, now.millis, owner])
            return (events, db.changesCount)
        }
    }
}
