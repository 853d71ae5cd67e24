import ChorusCore

/// What one `enqueue` call did.
public struct EnqueueResult: Sendable, Equatable {
    /// Events stored for the first time.
    public var inserted: Int
    /// Events already in the queue (Meta's retries and duplicate deliveries).
    public var duplicates: Int

    /// Creates a result.
    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// The durable queue the ingress writes to. `enqueue` returns only once every event is committed
/// (deduplicated by `dedupKey`); the webhook is answered after that.
public protocol EventQueue: Sendable {
    /// Durably stores the events of one webhook body, all or none.
    func enqueue(_ events: [InboundEvent]) async throws -> EnqueueResult
    /// Durably keeps a signed body we could not decode, with the reason.
    func quarantine(platform: Platform, body: [UInt8], reason: String) async throws
}
