import ChorusCore
import Foundation
import PostgresNIO
import Queue

extension PostgresQueue {
    /// Leases up to `limit` events from `limit` distinct conversations, oldest first.
    ///
    /// Safe with any number of leasers on any number of hosts. Candidates are conversation heads
    /// (the earliest unfinished event of their conversation, nothing there leased), locked with
    /// `FOR UPDATE SKIP LOCKED` so two leasers never take the same row. A head can still differ
    /// between two leasers' snapshots (an earlier event committed in between, or the previous head
    /// finished), so each candidate's conversation is then locked with a transaction-scoped
    /// advisory lock (`pg_try_advisory_xact_lock`, skipped when busy) and its head re-checked in a
    /// new statement, which sees every lease committed before the lock was ours. Whoever leases in
    /// a conversation holds its lock until commit, so one conversation is never leased twice.
    public func lease(owner: String, now: Date, duration: TimeInterval, kinds: Set<InboundEvent.Kind>?,
                      limit: Int) async throws -> [LeasedEvent] {
        guard limit > 0 else { return [] }
        if let kinds, kinds.isEmpty { return [] }
        let policy = configuration.retryPolicy
        let kindNames = kinds.map { $0.map(\.rawValue).sorted() }
        let (leased, dead) = try await transaction("lease") { connection -> ([LeasedEvent], [Int64]) in
            var leased: [LeasedEvent] = []
            var dead: [Int64] = []
            var tried = Set<Int64>()
            // An expired lease on its last attempt dies instead of being leased, which may free its
            // conversation's next event: look again, a few rounds at most.
            for _ in 0..<4 where leased.count < limit {
                let rows = try await connection.query(
                    Self.candidatesQuery(now: now.millis, kinds: kindNames, limit: limit - leased.count, excluding: Array(tried)),
                    logger: self.logger).collect()
                var died = false
                for row in rows {
                    var stored = try PostgresEventRow.storedEvent(row)
                    tried.insert(stored.id)
                    let key = stored.event.conversation.key
                    guard try await Self.lockConversation(key, lockClass: Self.eventLockClass, on: connection, logger: self.logger),
                          try await Self.isHead(stored.id, conversation: key, now: now.millis, kinds: kindNames,
                                                on: connection, logger: self.logger)
                    else { continue }
                    var machine = JobStateMachine(job: stored.job, policy: policy)
                    if stored.job.state == .leased {
                        guard case .update(let released, _) = machine.handle(.leaseExpired(now: now)) else { continue }
                        stored.job = released
                        if released.state == .dead {
                            try await PostgresEventRow.update(id: stored.id, to: released, now: now, on: connection, logger: self.logger)
                            dead.append(stored.id)
                            died = true
                            continue
                        }
                    }
                    guard case .update(let job, _) = machine.handle(.lease(owner: owner, now: now, duration: duration)) else { continue }
                    try await PostgresEventRow.update(id: stored.id, to: job, now: now, on: connection, logger: self.logger)
                    leased.append(LeasedEvent(id: stored.id, event: stored.event, attempt: job.attempts, owner: owner,
                                              expiresAt: job.leaseExpiresAt!, lastError: job.lastError))
                }
                if !died || rows.isEmpty { break }
            }
            return (leased, dead)
        }
        for id in dead { logger.warning("event dead-lettered", metadata: ["id": "\(id)", "reason": "lease expired on the last attempt"]) }
        return leased
    }

    /// Conversation heads that may be leased at `now`, oldest first, row-locked (SKIP LOCKED).
    static func candidatesQuery(now: Int64, kinds: [String]?, limit: Int, excluding: [Int64]) -> PostgresQuery {
        // The kind filter applies to the candidates and to what holds them back: order is kept
        // among the kinds this worker takes (as in SQLite).
        var query = PostgresQuery(unsafeSQL: "")
        var sql = """
            SELECT \(PostgresEventRow.selection(alias: "e"))
            FROM event AS e
            WHERE e.state IN ('queued', 'leased', 'retry')
              AND ((e.state <> 'leased' AND e.available_at <= $1) OR (e.state = 'leased' AND e.lease_expires_at <= $1))
              AND NOT (e.id = ANY($2))
            """
        var binds = PostgresBindings()
        binds.append(now)
        binds.append(excluding)
        let kindFilter: (String) -> String = { alias in kinds == nil ? "" : " AND \(alias).kind = ANY($4)" }
        sql += kindFilter("e")
        sql += """

              AND NOT EXISTS (
                SELECT 1 FROM event AS p
                WHERE p.conversation_key = e.conversation_key
                  AND p.state IN ('queued', 'leased', 'retry')
                  AND (p.ts, p.id) < (e.ts, e.id)\(kindFilter("p")))
              AND NOT EXISTS (
                SELECT 1 FROM event AS l
                WHERE l.conversation_key = e.conversation_key
                  AND l.state = 'leased' AND l.lease_expires_at > $1\(kindFilter("l")))
            ORDER BY e.ts, e.id
            LIMIT $3
            FOR UPDATE OF e SKIP LOCKED
            """
        binds.append(Int64(limit))
        if let kinds { binds.append(kinds) }
        query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return query
    }

    /// Whether event `id` is still its conversation's head: nothing earlier unfinished, nothing
    /// else leased (live), and itself still waiting or expired. Run after taking the
    /// conversation's advisory lock, in a new statement (a fresh snapshot).
    static func isHead(_ id: Int64, conversation: String, now: Int64, kinds: [String]?,
                       on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let kindFilter: (String) -> String = { alias in kinds == nil ? "" : " AND \(alias).kind = ANY($4)" }
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(conversation)
        binds.append(now)
        if let kinds { binds.append(kinds) }
        let sql = """
            SELECT EXISTS (
              SELECT 1 FROM event AS e
              WHERE e.id = $1
                AND ((e.state IN ('queued', 'retry') AND e.available_at <= $3) OR (e.state = 'leased' AND e.lease_expires_at <= $3))
                AND NOT EXISTS (
                  SELECT 1 FROM event AS p
                  WHERE p.conversation_key = $2 AND p.state IN ('queued', 'leased', 'retry')
                    AND (p.ts, p.id) < (e.ts, e.id)\(kindFilter("p")))
                AND NOT EXISTS (
                  SELECT 1 FROM event AS l
                  WHERE l.conversation_key = $2 AND l.id <> $1
                    AND l.state = 'leased' AND l.lease_expires_at > $3\(kindFilter("l"))))
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// Takes the transaction-scoped advisory lock of `conversation` in `lockClass`, or returns false
    /// at once when another transaction holds it. Advisory locks are per database, so the key
    /// includes the schema (several queues may share a database). Hash collisions only make a
    /// leaser skip a conversation this round.
    static func lockConversation(_ conversation: String, lockClass: Int32, on connection: PostgresConnection,
                                 logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_xact_lock(\(lockClass), hashtext(current_schema() || '/' || \(conversation)))",
                                              logger: logger).collect()
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// The advisory-lock class of event leasing per conversation.
    static let eventLockClass: Int32 = 0x4348_4501
    /// The advisory-lock class of send leasing per conversation.
    static let sendLockClass: Int32 = 0x4348_5301

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

    /// Loads event `id` (row-locked), applies `event` through the state machine, and stores the result.
    @discardableResult
    func transition(id: Int64, on event: JobStateMachine.Event, now: Date) async throws -> JobStateMachine.Effect {
        let policy = configuration.retryPolicy
        let effect = try await transaction("update event") { connection -> JobStateMachine.Effect in
            let job = try await Self.lockedJob(id: id, on: connection, logger: self.logger)
            switch JobStateMachine.transition(job, on: event, policy: policy) {
            case .update(let next, let effect):
                try await PostgresEventRow.update(id: id, to: next, now: now, on: connection, logger: self.logger)
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

    /// Event `id`'s lifecycle, its row locked until the transaction ends.
    static func lockedJob(id: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Job {
        let rows = try await connection.query(
            "SELECT \(unescaped: PostgresEventRow.selection()) FROM event WHERE id = \(id) FOR UPDATE", logger: logger).collect()
        guard let row = rows.first else { throw QueueError.eventNotFound(id: id) }
        return try PostgresEventRow.job(row)
    }
}
