import ChorusCore
import Foundation
import GRDB

/// How an event maps to the `event` table: insert arguments, lifecycle columns, and reading back.
enum EventRow {
    /// One event ready to insert: encoded in the caller's task, bound in the writer's.
    struct Insert: Sendable {
        /// Every column but the times, which the writer adds at commit.
        let arguments: StatementArguments

        /// Encodes `event`; `event_json` leaves `raw` out because `raw` has its own column
        /// (storing it twice would double the row and the encoding work).
        init(_ event: InboundEvent) {
            let json = event.storageJSON(includingRaw: false)
            arguments = [
                event.dedupKey, event.platform.rawValue, event.conversation.account, event.kind.rawValue,
                event.conversation.key, event.conversation.isGroup, event.sender?.id, event.sender?.name,
                event.messageID, event.timestamp, event.text, json, event.raw,
            ]
        }
    }

    static let insertSQL = """
        INSERT INTO event (dedup_key, platform, account, kind, conversation_key, is_group, sender_id, sender_name,
                           message_id, ts, text, event_json, raw, available_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (dedup_key) DO NOTHING
        """

    /// Inserts every group in the current transaction, each inside its own savepoint: a group
    /// whose insert fails is rolled back alone and gets its error, the others still commit.
    /// Duplicates are counted, not inserted.
    static func insert(_ groups: [[Insert]], now: Date, db: Database) throws -> [Result<EnqueueResult, any Error>] {
        let statement = try db.cachedStatement(sql: insertSQL)
        let times: StatementArguments = [now.millis, now.millis, now.millis]
        return groups.map { group in
            do {
                var inserted = 0
                try db.inSavepoint {
                    for row in group {
                        // total_changes, not changes: a no-op INSERT leaves changes() alone on some paths.
                        let before = db.totalChangesCount
                        try statement.execute(arguments: row.arguments + times)
                        inserted += db.totalChangesCount - before
                    }
                    return .commit
                }
                return .success(EnqueueResult(inserted: inserted, duplicates: group.count - inserted))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The columns `storedEvent(_:)` reads.
    static let columns = [
        "id", "event_json", "raw", "state", "attempts", "lease_owner", "leased_at", "lease_expires_at", "last_error",
        "available_at", "created_at", "updated_at",
    ]

    /// `columns` as a SELECT list, qualified with `alias` when given.
    static func selection(alias: String? = nil) -> String {
        columns.map { column in alias.map { "\($0).\(column)" } ?? column }.joined(separator: ", ")
    }

    /// The lifecycle columns of `row`.
    static func job(_ row: Row) throws -> Job {
        let id: Int64 = row["id"]
        let stateName: String = row["state"]
        guard let state = JobState(rawValue: stateName) else {
            throw QueueError.corruptRow(id: id, reason: "unknown state \(stateName)")
        }
        return Job(
            state: state,
            attempts: row["attempts"],
            leaseOwner: row["lease_owner"],
            leasedAt: (row["leased_at"] as Int64?).map(Date.init(millis:)),
            leaseExpiresAt: (row["lease_expires_at"] as Int64?).map(Date.init(millis:)),
            availableAt: Date(millis: row["available_at"]),
            lastError: row["last_error"])
    }

    /// The stored event in `row` (selected with `selection`).
    static func storedEvent(_ row: Row) throws -> StoredEvent {
        let id: Int64 = row["id"]
        let json: String = row["event_json"]
        var event: InboundEvent
        do {
            event = try JSONDecoder().decode(InboundEvent.self, from: Data(json.utf8))
        } catch {
            throw QueueError.corruptRow(id: id, reason: "event_json: \(error)")
        }
        event.raw = row["raw"]
        return StoredEvent(id: id, event: event, job: try job(row),
                           createdAt: Date(millis: row["created_at"]), updatedAt: Date(millis: row["updated_at"]))
    }

    /// Writes `job`'s fields to event `id`.
    static func update(id: Int64, to job: Job, now: Date, db: Database) throws {
        try db.execute(
            sql: """
                UPDATE event SET state = ?, attempts = ?, lease_owner = ?, leased_at = ?, lease_expires_at = ?,
                                 last_error = ?, available_at = ?, updated_at = ?
                WHERE id = ?
                """,
            arguments: [job.state.rawValue, job.attempts, job.leaseOwner, job.leasedAt?.millis,
                        job.leaseExpiresAt?.millis, job.lastError, job.availableAt.millis, now.millis, id])
    }
}
