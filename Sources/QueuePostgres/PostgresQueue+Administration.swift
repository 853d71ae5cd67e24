import Foundation
import PostgresNIO
import Queue

extension PostgresQueue {
    /// Counts by state, ages of the oldest waiting event and lease, quarantine size.
    public func stats(now: Date) async throws -> QueueStats {
        let at = now.millis
        return try await execute("read stats") { connection in
            var counts: [JobState: Int] = [:]
            for row in try await connection.query("SELECT state, COUNT(*) FROM event GROUP BY state", logger: self.logger).collect() {
                let (name, count) = try row.decode((String, Int64).self)
                if let state = JobState(rawValue: name) { counts[state] = Int(count) }
            }
            let row = try await connection.query("""
                SELECT (SELECT MIN(created_at) FROM event WHERE state IN ('queued', 'retry')),
                       (SELECT MIN(leased_at) FROM event WHERE state = 'leased'),
                       (SELECT COUNT(*) FROM event WHERE state = 'leased' AND lease_expires_at <= \(at)),
                       (SELECT COUNT(*) FROM quarantine)
                """, logger: self.logger).collect()
            guard let first = row.first else { throw QueueError.corruptRow(id: 0, reason: "stats query returned no row") }
            let (oldestWaiting, oldestLease, expired, quarantined) = try first.decode((Int64?, Int64?, Int64, Int64).self)
            let age: (Int64?) -> TimeInterval? = { $0.map { max(0, now.timeIntervalSince(Date(millis: $0))) } }
            return QueueStats(counts: counts, oldestQueuedAge: age(oldestWaiting), oldestLeaseAge: age(oldestLease),
                              expiredLeases: Int(expired), quarantined: Int(quarantined))
        }
    }

    /// Events in `state` (all when nil), in queue order (by id), paged.
    public func list(state: JobState?, limit: Int, offset: Int) async throws -> [StoredEvent] {
        let limit = Int64(max(0, limit)), offset = Int64(max(0, offset))
        return try await execute("list events") { connection in
            let query: PostgresQuery = state.map {
                "SELECT \(unescaped: PostgresEventRow.selection()) FROM event WHERE state = \($0.rawValue) ORDER BY id LIMIT \(limit) OFFSET \(offset)"
            } ?? "SELECT \(unescaped: PostgresEventRow.selection()) FROM event ORDER BY id LIMIT \(limit) OFFSET \(offset)"
            return try await connection.query(query, logger: self.logger).collect().map(PostgresEventRow.storedEvent)
        }
    }

    /// One event, or nil.
    public func event(id: Int64) async throws -> StoredEvent? {
        try await execute("read event") { connection in
            try await connection.query("SELECT \(unescaped: PostgresEventRow.selection()) FROM event WHERE id = \(id)",
                                       logger: self.logger).collect().first.map(PostgresEventRow.storedEvent)
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
        return try await transaction("purge") { connection in
            var events = 0
            if !names.isEmpty {
                events = try await connection.query(
                    "DELETE FROM event WHERE state = ANY(\(names)) AND updated_at < \(cutoff) RETURNING id",
                    logger: self.logger).collect().count
            }
            var quarantined = 0
            if quarantine {
                quarantined = try await connection.query("DELETE FROM quarantine WHERE received_at < \(cutoff) RETURNING id",
                                                         logger: self.logger).collect().count
            }
            return PurgeResult(events: events, quarantined: quarantined)
        }
    }

    /// Quarantined bodies, newest first, paged.
    public func quarantined(limit: Int, offset: Int) async throws -> [QuarantinedBody] {
        let limit = Int64(max(0, limit)), offset = Int64(max(0, offset))
        return try await execute("read quarantine") { connection in
            try await connection.query("""
                SELECT id, platform, received_at, reason, body FROM quarantine ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
                """, logger: self.logger).collect().map { row in
                let (id, platform, received, reason, body) = try row.decode((Int64, String, Int64, String, Data).self)
                return QuarantinedBody(id: id, platform: platform, receivedAt: Date(millis: received), reason: reason, body: [UInt8](body))
            }
        }
    }

    /// Whether the server takes writes now (for `/readyz`): reachable, not a read-only standby,
    /// and the session not read-only, within 5 seconds. Never throws.
    public func isWritable() async -> Bool {
        do {
            let limit = min(configuration.operationTimeout, .seconds(5))
            return try await withDeadline(limit, onTimeout: { CancellationError() }) {
                try await self.execute("probe") { connection in
                    try await connection.query(
                        "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'",
                        logger: self.logger).collect().first?.decode(Bool.self) ?? false
                }
            }
        } catch {
            logger.warning("queue not writable", metadata: ["error": "\(error)"])
            return false
        }
    }
}
