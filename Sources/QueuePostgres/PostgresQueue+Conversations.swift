import ChorusCore
import Foundation
import PostgresNIO
import Queue

extension PostgresQueue {
    public func history(conversation: String, limit: Int) async throws -> [HistoryEntry] {
        try await execute("read history") { connection in
            let rows = try await connection.query("""
                SELECT conversation_key, role, speaker_id, speaker_name, text, message_id, ts FROM (
                  SELECT * FROM history WHERE conversation_key = \(conversation) ORDER BY id DESC LIMIT \(Int64(max(0, limit)))
                ) AS recent ORDER BY id
                """, logger: self.logger).collect()
            return try rows.map(Self.historyEntry)
        }
    }

    public func isBotMessage(conversation: String, messageID: String) async throws -> Bool {
        try await execute("read outbox") { connection in
            let rows = try await connection.query("""
                SELECT EXISTS (SELECT 1 FROM outbox WHERE conversation_key = \(conversation) AND sent_message_id = \(messageID))
                """, logger: self.logger).collect()
            return try rows.first?.decode(Bool.self) ?? false
        }
    }

    public func finish(eventID: Int64, owner: String, note: String, history: [HistoryEntry], sends: [OutboxDraft],
                       language: String?, now: Date) async throws {
        let policy = configuration.retryPolicy
        let at = now.millis
        try await transaction("finish event") { connection in
            let job = try await Self.lockedJob(id: eventID, on: connection, logger: self.logger)
            switch JobStateMachine.transition(job, on: .complete(owner: owner, now: now), policy: policy) {
            case .update(let next, _):
                try await PostgresEventRow.update(id: eventID, to: next, now: now, on: connection, logger: self.logger)
            case .reject(let rejection):
                throw QueueError.rejected(id: eventID, rejection)
            }
            let keyRows = try await connection.query(
                "UPDATE event SET note = \(note.withoutNUL) WHERE id = \(eventID) RETURNING conversation_key",
                logger: self.logger).collect()
            let conversation = try keyRows.first?.decode(String.self) ?? ""
            if let language {
                try await Self.storeLanguage(conversation: conversation, state: language, at: at, on: connection, logger: self.logger)
            }
            var outboxIDs: [Int64] = []
            for send in sends {
                let rows = try await connection.query("""
                    INSERT INTO outbox (event_id, conversation_key, platform, kind, path, body, available_at, created_at, updated_at)
                    VALUES (\(eventID), \(conversation), \(send.platform.rawValue), \(send.kind.rawValue), \(send.path), \(send.body),
                            \(at), \(at), \(at))
                    RETURNING id
                    """, logger: self.logger).collect()
                if send.kind == .text, let id = try rows.first?.decode(Int64.self) { outboxIDs.append(id) }
            }
            for entry in history {
                // An assistant turn is tied to its first text send, whose id it takes once sent.
                let outboxID = entry.role == .assistant ? outboxIDs.first : nil
                try await connection.query("""
                    INSERT INTO history (conversation_key, role, speaker_id, speaker_name, text, message_id, ts, outbox_id)
                    VALUES (\(entry.conversationKey), \(entry.role.rawValue), \(entry.speakerID.withoutNUL),
                            \(entry.speakerName?.withoutNUL), \(entry.text.withoutNUL), \(entry.messageID), \(entry.timestamp), \(outboxID))
                    """, logger: self.logger)
            }
        }
    }

    /// Leases up to `limit` due sends, the oldest unsent of each conversation, at most one per
    /// conversation across every leaser (row locks with SKIP LOCKED, then the conversation's
    /// advisory lock and a re-check, as for events).
    public func leaseSends(owner: String, now: Date, duration: TimeInterval, limit: Int) async throws -> [OutboxItem] {
        guard limit > 0 else { return [] }
        let at = now.millis
        let expires = now.addingTimeInterval(duration).millis
        return try await transaction("lease sends") { connection in
            let rows = try await connection.query("""
                SELECT o.* FROM outbox AS o
                WHERE o.id IN (SELECT MIN(id) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY conversation_key)
                  AND ((o.state = 'pending' AND o.available_at <= \(at)) OR (o.state = 'sending' AND o.lease_expires_at <= \(at)))
                ORDER BY o.id LIMIT \(Int64(limit))
                FOR UPDATE OF o SKIP LOCKED
                """, logger: self.logger).collect()
            var items: [OutboxItem] = []
            for row in rows {
                var item = try Self.outboxItem(row)
                guard try await Self.lockConversation(item.conversationKey, lockClass: Self.sendLockClass, on: connection,
                                                      logger: self.logger) else { continue }
                let head = try await connection.query("""
                    SELECT NOT EXISTS (
                      SELECT 1 FROM outbox WHERE conversation_key = \(item.conversationKey) AND id <> \(item.id)
                        AND ((state = 'pending' AND id < \(item.id)) OR (state = 'sending' AND (id < \(item.id) OR lease_expires_at > \(at)))))
                    """, logger: self.logger).collect()
                guard try head.first?.decode(Bool.self) ?? false else { continue }
                try await connection.query("""
                    UPDATE outbox SET state = 'sending', lease_owner = \(owner), lease_expires_at = \(expires),
                                      attempts = attempts + 1, updated_at = \(at)
                    WHERE id = \(item.id)
                    """, logger: self.logger)
                item.state = .sending
                item.attempts += 1
                items.append(item)
            }
            return items
        }
    }

    public func markSent(id: Int64, messageID: String?, now: Date) async throws {
        let at = now.millis
        try await transaction("mark sent") { connection in
            try await connection.query("""
                UPDATE outbox SET state = 'sent', sent_message_id = \(messageID), lease_owner = NULL, lease_expires_at = NULL,
                                  updated_at = \(at)
                WHERE id = \(id)
                """, logger: self.logger)
            if let messageID {
                try await connection.query(
                    "UPDATE history SET message_id = \(messageID) WHERE outbox_id = \(id) AND message_id IS NULL",
                    logger: self.logger)
            }
        }
    }

    public func markSendFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws {
        let state = retryAt == nil ? "dead" : "pending"
        let available = (retryAt ?? now).millis
        let at = now.millis
        try await execute("mark send failed") { connection in
            try await connection.query("""
                UPDATE outbox SET state = \(state), available_at = \(available), last_error = \(error.withoutNUL),
                                  lease_owner = NULL, lease_expires_at = NULL, updated_at = \(at)
                WHERE id = \(id)
                """, logger: self.logger)
        }
    }

    public func conversations(limit: Int) async throws -> [ConversationSummary] {
        try await execute("read conversations") { connection in
            let rows = try await connection.query("""
                SELECT h.conversation_key, COUNT(*), MAX(h.ts) AS last_ts, MAX(c.language)
                FROM history AS h LEFT JOIN conversation AS c ON c.key = h.conversation_key
                GROUP BY h.conversation_key ORDER BY last_ts DESC LIMIT \(Int64(max(0, limit)))
                """, logger: self.logger).collect()
            return try rows.map { row in
                let (key, turns, last, language) = try row.decode((String, Int64, Int64, String?).self)
                return ConversationSummary(key: key, turns: Int(turns), lastTimestamp: last, language: language)
            }
        }
    }

    public func forget(conversation: String) async throws -> Int {
        try await transaction("forget conversation") { connection in
            let deleted = try await connection.query(
                "DELETE FROM history WHERE conversation_key = \(conversation) RETURNING id", logger: self.logger).collect().count
            try await connection.query("DELETE FROM conversation WHERE key = \(conversation)", logger: self.logger)
            return deleted
        }
    }

    public func languageState(conversation: String) async throws -> String? {
        try await execute("read language") { connection in
            let rows = try await connection.query("SELECT language FROM conversation WHERE key = \(conversation)",
                                                  logger: self.logger).collect()
            return try rows.first?.decode(String?.self)
        }
    }

    public func setLanguageState(conversation: String, state: String, now: Date) async throws {
        let at = now.millis
        try await execute("store language") { connection in
            try await Self.storeLanguage(conversation: conversation, state: state, at: at, on: connection, logger: self.logger)
        }
    }

    public func sends(eventID: Int64) async throws -> [OutboxItem] {
        try await execute("read outbox") { connection in
            try await connection.query("SELECT * FROM outbox WHERE event_id = \(eventID) ORDER BY id", logger: self.logger)
                .collect().map(Self.outboxItem)
        }
    }

    public func retrySends(eventID: Int64, now: Date) async throws -> Int {
        let at = now.millis
        return try await execute("retry sends") { connection in
            try await connection.query("""
                UPDATE outbox SET state = 'pending', attempts = 0, available_at = \(at), updated_at = \(at)
                WHERE event_id = \(eventID) AND state = 'dead'
                RETURNING id
                """, logger: self.logger).collect().count
        }
    }

    /// The note the assistant stored with an event (its answer and gate decisions, JSON).
    public func note(eventID: Int64) async throws -> String? {
        try await execute("read note") { connection in
            try await connection.query("SELECT note FROM event WHERE id = \(eventID)", logger: self.logger)
                .collect().first?.decode(String?.self)
        }
    }

    /// The note of the newest event carrying platform message id `messageID`.
    public func note(messageID: String) async throws -> String? {
        try await execute("read note") { connection in
            try await connection.query("SELECT note FROM event WHERE message_id = \(messageID) ORDER BY id DESC LIMIT 1",
                                       logger: self.logger).collect().first?.decode(String?.self)
        }
    }

    /// Outbox counts by state (for stats and metrics).
    public func outboxCounts() async throws -> [OutboxItem.State: Int] {
        try await execute("count outbox") { connection in
            var counts: [OutboxItem.State: Int] = [:]
            for row in try await connection.query("SELECT state, COUNT(*) FROM outbox GROUP BY state", logger: self.logger).collect() {
                let (name, count) = try row.decode((String, Int64).self)
                if let state = OutboxItem.State(rawValue: name) { counts[state] = Int(count) }
            }
            return counts
        }
    }

    /// Hands back every event and send leased by `owner`: a restarted worker with a stable name
    /// releases what its previous incarnation held. Attempts already counted stay counted.
    @discardableResult
    public func releaseLeases(owner: String, now: Date) async throws -> (events: Int, sends: Int) {
        let at = now.millis
        return try await transaction("release leases") { connection in
            let events = try await connection.query("""
                UPDATE event SET state = 'queued', lease_owner = NULL, leased_at = NULL, lease_expires_at = NULL,
                                 available_at = \(at), updated_at = \(at)
                WHERE state = 'leased' AND lease_owner = \(owner)
                RETURNING id
                """, logger: self.logger).collect().count
            let sends = try await connection.query("""
                UPDATE outbox SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, available_at = \(at), updated_at = \(at)
                WHERE state = 'sending' AND lease_owner = \(owner)
                RETURNING id
                """, logger: self.logger).collect().count
            return (events, sends)
        }
    }

    static func storeLanguage(conversation: String, state: String, at: Int64, on connection: PostgresConnection,
                              logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO conversation (key, language, updated_at) VALUES (\(conversation), \(state.withoutNUL), \(at))
            ON CONFLICT (key) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
            """, logger: logger)
    }

    static func historyEntry(_ row: PostgresRow) throws -> HistoryEntry {
        let (key, role, speaker, name, text, messageID, ts) = try row.decode((String, String, String, String?, String, String?, Int64).self)
        return HistoryEntry(conversationKey: key, role: HistoryEntry.Role(rawValue: role) ?? .user, speakerID: speaker,
                            speakerName: name, text: text, messageID: messageID, timestamp: ts)
    }

    static func outboxItem(_ row: PostgresRow) throws -> OutboxItem {
        let r = row.makeRandomAccess()
        let id = try r["id"].decode(Int64.self)
        guard let platform = Platform(rawValue: try r["platform"].decode(String.self)),
              let kind = OutboxItem.Kind(rawValue: try r["kind"].decode(String.self)),
              let state = OutboxItem.State(rawValue: try r["state"].decode(String.self)) else {
            throw QueueError.corruptRow(id: id, reason: "outbox row with unknown platform, kind or state")
        }
        return OutboxItem(id: id, eventID: try r["event_id"].decode(Int64.self),
                          conversationKey: try r["conversation_key"].decode(String.self), platform: platform, kind: kind,
                          path: try r["path"].decode(String.self), body: try r["body"].decode(Data.self), state: state,
                          attempts: Int(try r["attempts"].decode(Int64.self)), lastError: try r["last_error"].decode(String?.self),
                          sentMessageID: try r["sent_message_id"].decode(String?.self))
    }
}
