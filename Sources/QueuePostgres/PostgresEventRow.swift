import ChorusCore
import Foundation
import PostgresNIO
import Queue

/// How an event maps to the `event` table on PostgreSQL (the same columns as SQLite's).
enum PostgresEventRow {
    /// One event ready to insert.
    struct Insert: Sendable {
        let event: InboundEvent
        /// The event as JSON without `raw`, which has its own column.
        let json: String

        init(_ event: InboundEvent) {
            self.event = event
            self.json = event.storageJSON(includingRaw: false)
        }

        /// The insert; returns the new id, or no row for a duplicate.
        func query(now: Int64) -> PostgresQuery {
            let e = event
            return """
                INSERT INTO event (dedup_key, platform, account, kind, conversation_key, is_group, sender_id, sender_name,
                                   message_id, ts, text, event_json, raw, available_at, created_at, updated_at)
                VALUES (\(e.dedupKey.withoutNUL), \(e.platform.rawValue), \(e.conversation.account.withoutNUL), \(e.kind.rawValue),
                        \(e.conversation.key.withoutNUL), \(e.conversation.isGroup), \(e.sender?.id.withoutNUL),
                        \(e.sender?.name?.withoutNUL), \(e.messageID?.withoutNUL), \(e.timestamp), \(e.text?.withoutNUL),
                        \(json), \(e.raw.withoutNUL), \(now), \(now), \(now))
                ON CONFLICT (dedup_key) DO NOTHING
                RETURNING id
                """
        }
    }

    /// The columns `storedEvent(_:)` reads, as a SELECT list (qualified with `alias` when given).
    static func selection(alias: String? = nil) -> String {
        let columns = ["id", "event_json", "raw", "state", "attempts", "lease_owner", "leased_at", "lease_expires_at",
                       "last_error", "available_at", "created_at", "updated_at"]
        return columns.map { column in alias.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }

    /// The id of a row selected with `selection`.
    static func id(_ row: PostgresRow) throws -> Int64 {
        try row.makeRandomAccess()["id"].decode(Int64.self)
    }

    /// The lifecycle columns of `row`.
    static func job(_ row: PostgresRow) throws -> Job {
        let r = row.makeRandomAccess()
        let id = try r["id"].decode(Int64.self)
        let stateName = try r["state"].decode(String.self)
        guard let state = JobState(rawValue: stateName) else {
            throw QueueError.corruptRow(id: id, reason: "unknown state \(stateName)")
        }
        return Job(
            state: state,
            attempts: Int(try r["attempts"].decode(Int64.self)),
            leaseOwner: try r["lease_owner"].decode(String?.self),
            leasedAt: try r["leased_at"].decode(Int64?.self).map(Date.init(millis:)),
            leaseExpiresAt: try r["lease_expires_at"].decode(Int64?.self).map(Date.init(millis:)),
            availableAt: Date(millis: try r["available_at"].decode(Int64.self)),
            lastError: try r["last_error"].decode(String?.self))
    }

    /// The stored event in `row` (selected with `selection`).
    static func storedEvent(_ row: PostgresRow) throws -> StoredEvent {
        let r = row.makeRandomAccess()
        let id = try r["id"].decode(Int64.self)
        let json = try r["event_json"].decode(String.self)
        var event: InboundEvent
        do {
            event = try JSONDecoder().decode(InboundEvent.self, from: Data(json.utf8))
        } catch {
            throw QueueError.corruptRow(id: id, reason: "event_json: \(error)")
        }
        event.raw = try r["raw"].decode(String.self)
        return StoredEvent(id: id, event: event, job: try job(row),
                           createdAt: Date(millis: try r["created_at"].decode(Int64.self)),
                           updatedAt: Date(millis: try r["updated_at"].decode(Int64.self)))
    }

    /// Writes `job`'s fields to event `id`.
    static func update(id: Int64, to job: Job, now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            UPDATE event SET state = \(job.state.rawValue), attempts = \(Int64(job.attempts)), lease_owner = \(job.leaseOwner),
                             leased_at = \(job.leasedAt?.millis), lease_expires_at = \(job.leaseExpiresAt?.millis),
                             last_error = \(job.lastError?.withoutNUL), available_at = \(job.availableAt.millis),
                             updated_at = \(now.millis)
            WHERE id = \(id)
            """, logger: logger)
    }
}
