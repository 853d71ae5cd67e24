import Foundation
import GRDB

extension SQLiteQueue {
    /// Counts by state, ages of the oldest waiting event and lease, quarantine size.
    public func stats(now: Date) async throws -> QueueStats {
        try await dbPool.read { db in
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM event GROUP BY state") {
                let name: String = row["state"]
                guard let state = JobState(rawValue: name) else { continue }
                counts[state] = row["n"]
            }
            let oldestWaiting = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM event WHERE state IN ('queued', 'retry')")
            let oldestLease = try Int64.fetchOne(db, sql: "SELECT MIN(leased_at) FROM event WHERE state = 'leased'")
            let expired = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM event WHERE state = 'leased' AND lease_expires_at <= ?",
                arguments: [now.millis]) ?? 0
            let quarantined = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine") ?? 0
            let age: (Int64?) -> TimeInterval? = { $0.map { max(0, now.timeIntervalSince(Date(millis: $0))) } }
            return QueueStats(counts: counts, oldestQueuedAge: age(oldestWaiting), oldestLeaseAge: age(oldestLease),
                              expiredLeases: expired, quarantined: quarantined)
        }
    }

    /// Events in `state` (all when nil), in queue order (by id), paged.
    public func list(state: JobState?, limit: Int, offset: Int) async throws -> [StoredEvent] {
        try await dbPool.read { db in
            let filter = state == nil ? "" : "WHERE state = ?"
            var arguments = StatementArguments()
            if let state { arguments += [state.rawValue] }
            arguments += [max(0, limit), max(0, offset)]
            return try Row.fetchAll(
                db, sql: "SELECT \(EventRow.selection()) FROM event \(filter) ORDER BY id LIMIT ? OFFSET ?",
                arguments: arguments
            ).map(EventRow.storedEvent)
        }
    }

    /// One event, or nil.
    public func event(id: Int64) async throws -> StoredEvent? {
        try await dbPool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(EventRow.selection()) FROM event WHERE id = ?", arguments: [id])
                .map(EventRow.storedEvent)
        }
    }

    /// Puts a `dead` or `retry` event back in the queue with fresh attempts, available now.
    public func retry(id: Int64, now: Date) async throws {
        try await transition(id: id, on: .operatorRetry(now: now), now: now)
    }

    /// Deletes events in `states` last changed before `olderThan`, and old quarantined bodies when asked.
    public func purge(states: Set<JobState>, olderThan: Date, quarantine: Bool) async throws -> PurgeResult {
        let names = states.map(\.rawValue).sorted()
        let cutoff = olderThan.millis
        return try await dbPool.write { db in
            var events = 0
            if !names.isEmpty {
                try db.execute(
                    sql: "DELETE FROM event WHERE state IN (\(databaseQuestionMarks(count: names.count))) AND updated_at < ?",
                    arguments: StatementArguments(names) + [cutoff])
                events = db.changesCount
            }
            var quarantined = 0
            if quarantine {
                try db.execute(sql: "DELETE FROM quarantine WHERE received_at < ?", arguments: [cutoff])
                quarantined = db.changesCount
            }
            return PurgeResult(events: events, quarantined: quarantined)
        }
    }

    /// Quarantined bodies, newest first, paged.
    public func quarantined(limit: Int, offset: Int) async throws -> [QuarantinedBody] {
        try await dbPool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, platform, received_at, reason, body FROM quarantine ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [max(0, limit), max(0, offset)]
            ).map { row in
                let body: Data = row["body"]
                return QuarantinedBody(id: row["id"], platform: row["platform"], receivedAt: Date(millis: row["received_at"]),
                                       reason: row["reason"], body: [UInt8](body))
            }
        }
    }

    /// Whether the queue can take the write lock now (for `/readyz`).
    ///
    /// `BEGIN IMMEDIATE` takes SQLite's write lock, which fails on a read-only file, a locked
    /// database or a broken WAL; rolling back costs no fsync, so probing often is cheap.
    public func isWritable() async -> Bool {
        do {
            try await dbPool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    _ = try Int.fetchOne(db, sql: "PRAGMA user_version")
                    return .rollback
                }
            }
            return true
        } catch {
            logger.warning("queue not writable", metadata: ["error": "\(error)"])
            return false
        }
    }
}
