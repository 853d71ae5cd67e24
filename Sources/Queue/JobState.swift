/// Where a stored event is in its life: `queued → leased → done | retry | dead`.
///
/// The raw values are what the database stores and what `chorus queue list --state` accepts.
public enum JobState: String, Codable, Sendable, Hashable, CaseIterable {
    /// Waiting for a worker (new, or released after a lease expired, or retried by an operator).
    case queued
    /// A worker holds it until its lease expires.
    case leased
    /// Handled; kept for deduplication until purged.
    case done
    /// Failed transiently; waits for its backoff to pass, then is leased again.
    case retry
    /// Failed permanently or too often; kept for an operator to inspect and retry.
    case dead

    /// Whether nothing more happens to the event without an operator (`done`, `dead`).
    public var isFinished: Bool { self == .done || self == .dead }

    /// Whether the event still holds back later events of its conversation.
    public var isUnfinished: Bool { !isFinished }
}
