import ChorusCore
import Foundation
import GRDB

extension SQLiteQueue {
    /// Leases up to `limit` events from `limit` distinct conversations, oldest first.
    ///
    /// An event is handed out when it is the earliest unfinished event of its conversation
    /// (by `ts`, then `id`) and nothing in that conversation is leased; an expired lease counts as
    /// available (crash recovery) after `JobStateMachine` has ended it.
    public func lease(owner: String, now: Date, duration: TimeInterval, kinds: Set<InboundEvent.Kind>?,
                      limit: Int) async throws -> [LeasedEvent] {
        guard limit > 0 else { return [] }
        if let kinds, kinds.isEmpty { return [] }
        let policy = configuration.retryPolicy
        let kindNames = kinds.map { $0.map(\.rawValue).sorted() }
        return try await dbPool.write { db in
            var leased: [LeasedEvent] = []
            // An expired lease on its last attempt dies instead of being leased, which may free
            // its conversation's next event: look again, a few rounds at most.
            for _ in 0..<4 where leased.count < limit {
                let rows = try Self.leaseCandidates(db, now: now, kinds: kindNames, limit: limit - leased.count)
                var died = false
                for row in rows {
                    var stored = try EventRow.storedEvent(row)
                    var machine = JobStateMachine(job: stored.job, policy: policy)
                    if stored.job.state == .leased {
                        guard case .update(let released, let effect) = machine.handle(.leaseExpired(now: now)) else { continue }
                        stored.job = released
                        if released.state == .dead {
                            try EventRow.update(id: stored.id, to: released, now: now, db: db)
                            self.logger.warning("event dead-lettered", metadata: ["id": "\(stored.id)", "effect": "\(effect)"])
                            died = true
                            continue
                        }
                    }
                    guard case .update(let job, _) = machine.handle(.lease(owner: owner, now: now, duration: duration)) else { continue }
                    try EventRow.update(id: stored.id, to: job, now: now, db: db)
                    leased.append(LeasedEvent(id: stored.id, event: stored.event, attempt: job.attempts, owner: owner,
                                              expiresAt: job.leaseExpiresAt!, lastError: job.lastError))
                }
                if !died || rows.isEmpty { break }
            }
            return leased
        }
    }

    /// Conversation heads that may be leased at `now`, oldest first.
    private static func leaseCandidates(_ db: Database, now: Date, kinds: [String]?, limit: Int) throws -> [Row] {
        // The kind filter applies to the candidates and to what holds them back: order is kept
        // among the kinds this worker takes.
        let kindFilter: (String) -> String = { alias in
            guard let kinds else { return "" }
            return " AND \(alias).kind IN (\(databaseQuestionMarks(count: kinds.count)))"
        }
        let kindArguments = StatementArguments(kinds ?? [])
        // `state IN ('queued', 'leased', 'retry')` is repeated verbatim so the partial indexes apply,
        // and INDEXED BY pins them (without statistics SQLite preferred scanning every leased row
        // through event_state_updated). The outer scan walks unfinished events in (ts, id) order and
        // stops at `limit`; each NOT EXISTS is one probe of a per-conversation index. The cost is
        // therefore the number of blocked events older than the heads handed out: small unless one
        // conversation floods the queue while it is being served.
        let sql = """
            SELECT \(EventRow.selection(alias: "e"))
            FROM event AS e INDEXED BY event_unfinished_order
            WHERE e.state IN ('queued', 'leased', 'retry')
              AND ((e.state <> 'leased' AND e.available_at <= ?) OR (e.state = 'leased' AND e.lease_expires_at <= ?))\(kindFilter("e"))
              AND NOT EXISTS (
                SELECT 1 FROM event AS p INDEXED BY event_conversation_order
                WHERE p.conversation_key = e.conversation_key
                  AND p.state IN ('queued', 'leased', 'retry')
                  AND (p.ts, p.id) < (e.ts, e.id)\(kindFilter("p")))
              AND NOT EXISTS (
                SELECT 1 FROM event AS l INDEXED BY event_leased
                WHERE l.conversation_key = e.conversation_key
                  AND l.state = 'leased' AND l.lease_expires_at > ?\(kindFilter("l")))
            ORDER BY e.ts, e.id
            LIMIT ?
            """
        let arguments: StatementArguments = [now.millis, now.millis] + kindArguments + kindArguments
            + [now.millis] + kindArguments + [limit]
        return try Row.fetchAll(db, sql: sql, arguments: arguments)
    }

    /// Extends a held lease to `now + duration`.
    public func renew(id: Int64, owner: String, now: Date, duration: TimeInterval) async throws {
        try await transition(id: id, on: .renew(owner: owner, now: now, duration: duration), now: now)
    }

    /// Marks a held event done.
    public func complete(id: Int64, owner: String, now: Date) async throws {
        try await transition(id: id, on: .complete(owner: owner, now: now), now: now)
    }

    /// Reports a failed try: retried after a backoff, or dead when `permanent` or out of attempts.
    public func fail(id: Int64, owner: String, error: String, permanent: Bool, now: Date) async throws {
        try await transition(id: id, on: .fail(owner: owner, error: error, permanent: permanent, now: now), now: now)
    }

    /// Loads event `id`, applies `event` through the state machine, and stores the result.
    @discardableResult
    func transition(id: Int64, on event: JobStateMachine.Event, now: Date) async throws -> JobStateMachine.Effect {
        let policy = configuration.retryPolicy
        let effect = try await dbPool.write { db -> JobStateMachine.Effect in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(EventRow.selection()) FROM event WHERE id = ?", arguments: [id]) else {
                throw QueueError.eventNotFound(id: id)
            }
            switch JobStateMachine.transition(try EventRow.job(row), on: event, policy: policy) {
            case .update(let job, let effect):
                try EventRow.update(id: id, to: job, now: now, db: db)
                return effect
            case .reject(let rejection):
                throw QueueError.rejected(id: id, rejection)
            }
        }
        if case .deadLettered(let reason) = effect {
            logger.warning("event dead-lettered", metadata: ["id": "\(id)", "reason": "\(reason)"])
        }
        return effect
    }
}
