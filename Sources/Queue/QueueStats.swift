import Foundation

/// A snapshot of the queue for operators and metrics.
public struct QueueStats: Sendable, Hashable {
    /// Events per state; every state is present, zero included.
    public var counts: [JobState: Int]
    /// How long the oldest `queued` or `retry` event has waited since it was received; nil when none.
    public var oldestQueuedAge: TimeInterval?
    /// How long the oldest current lease has been held; nil when none.
    public var oldestLeaseAge: TimeInterval?
    /// Leases past their expiry that no worker has taken back yet (a crashed worker's events).
    public var expiredLeases: Int
    /// Bodies kept in quarantine.
    public var quarantined: Int

    /// Creates a snapshot.
    public init(counts: [JobState: Int], oldestQueuedAge: TimeInterval?, oldestLeaseAge: TimeInterval?,
                expiredLeases: Int, quarantined: Int) {
        var all = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        all.merge(counts) { $1 }
        self.counts = all
        self.oldestQueuedAge = oldestQueuedAge
        self.oldestLeaseAge = oldestLeaseAge
        self.expiredLeases = expiredLeases
        self.quarantined = quarantined
    }

    /// All events, whatever their state.
    public var total: Int { counts.values.reduce(0, +) }
}

/// What `purge` removed.
public struct PurgeResult: Sendable, Hashable {
    /// Events deleted.
    public var events: Int
    /// Quarantined bodies deleted.
    public var quarantined: Int

    /// Creates a result.
    public init(events: Int, quarantined: Int) {
        self.events = events
        self.quarantined = quarantined
    }
}

/// A body kept because it could not be decoded.
public struct QuarantinedBody: Sendable, Hashable, Identifiable {
    /// The queue's id for it.
    public var id: Int64
    /// The platform whose route received it.
    public var platform: String
    /// When it was received.
    public var receivedAt: Date
    /// Why it was not decoded.
    public var reason: String
    /// The exact bytes received.
    public var body: [UInt8]

    /// Creates a quarantined body.
    public init(id: Int64, platform: String, receivedAt: Date, reason: String, body: [UInt8]) {
        self.id = id
        self.platform = platform
        self.receivedAt = receivedAt
        self.reason = reason
        self.body = body
    }
}
