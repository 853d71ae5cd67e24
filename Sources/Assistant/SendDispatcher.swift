import Foundation
import Logging
import Metrics
import MetaWebhook
import Queue

/// Drains the outbox: leases due sends (the oldest of each conversation, so a conversation's
/// messages keep their order), calls the Graph API, and records sent, retry-at, or dead.
public struct SendDispatcher: Sendable {
    /// The outbox.
    public let store: any QueueBackend
    /// The Graph API client.
    public let graph: GraphClient
    /// Backoff for transient failures.
    public let schedule: RetrySchedule
    /// How long a send is held.
    public let leaseDuration: TimeInterval
    /// Sends in flight at once.
    public let concurrency: Int
    /// Idle wait between empty polls.
    public let pollInterval: Duration
    /// Paces sends per platform.
    public let limiter: SendRateLimiter
    /// This dispatcher's lease owner name.
    public let owner: String
    /// Logs carry outbox and event ids.
    public let logger: Logger

    /// Creates a dispatcher.
    public init(store: any QueueBackend, graph: GraphClient, schedule: RetrySchedule = RetrySchedule(), leaseDuration: TimeInterval = 60,
                concurrency: Int = 16, pollInterval: Duration = .milliseconds(50), limiter: SendRateLimiter = SendRateLimiter(),
                owner: String = "sender-\(ProcessInfo.processInfo.processIdentifier)", logger: Logger) {
        self.store = store
        self.graph = graph
        self.schedule = schedule
        self.leaseDuration = leaseDuration
        self.concurrency = concurrency
        self.pollInterval = pollInterval
        self.limiter = limiter
        self.owner = owner
        self.logger = logger
    }

    /// Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                if try await step() == 0 { try? await Task.sleep(for: pollInterval) }
            } catch {
                logger.error("send step failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Sends what is due now; returns how many sends were attempted.
    @discardableResult
    public func step(now: Date = Date()) async throws -> Int {
        let items = try await store.leaseSends(owner: owner, now: now, duration: leaseDuration, limit: concurrency)
        guard !items.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for item in items {
                group.addTask { await send(item) }
            }
        }
        return items.count
    }

    /// Sends by outcome; errors by Graph code (the reason starts with `Graph error <code>`).
    static func count(_ outcome: GraphClient.Outcome, platform: String) {
        let (result, reason): (String, String?) = switch outcome {
        case .sent: ("sent", nil)
        case .retry(_, let reason): ("retry", reason)
        case .permanent(let reason): ("dead", reason)
        }
        var dimensions = [("platform", platform), ("outcome", result)]
        if let reason {
            let code = reason.hasPrefix("Graph error ") ? String(reason.dropFirst(12).prefix { $0.isNumber }) : "transport"
            dimensions.append(("code", code.isEmpty ? "http" : code))
        }
        Counter(label: "chorus_sends_total", dimensions: dimensions).increment()
    }

    private func send(_ item: OutboxItem) async {
        await limiter.acquire(item.platform)
        let started = ContinuousClock.now
        let outcome = await graph.send(SendRequest(path: item.path, body: item.body), platform: item.platform)
        let now = Date()
        Timer(label: "chorus_send_seconds", dimensions: [("platform", item.platform.rawValue)])
            .recordNanoseconds((ContinuousClock.now - started).inNanoseconds)
        Self.count(outcome, platform: item.platform.rawValue)
        do {
            switch outcome {
            case .sent(let messageID):
                try await store.markSent(id: item.id, messageID: messageID, now: now)
            case .retry(let after, let reason):
                if item.attempts >= schedule.maxAttempts {
                    logger.warning("send dead-lettered after retries", metadata: ["outbox": "\(item.id)", "event": "\(item.eventID)", "reason": "\(reason)"])
                    try await store.markSendFailed(id: item.id, error: "gave up after \(item.attempts) attempts: \(reason)", retryAt: nil, now: now)
                } else {
                    let delay = schedule.delay(afterAttempt: item.attempts, retryAfter: after)
                    logger.info("send will be retried", metadata: ["outbox": "\(item.id)", "in": "\(delay)", "reason": "\(reason)"])
                    try await store.markSendFailed(id: item.id, error: reason, retryAt: now.addingTimeInterval(delay), now: now)
                }
            case .permanent(let reason):
                logger.warning("send dead-lettered", metadata: ["outbox": "\(item.id)", "event": "\(item.eventID)", "reason": "\(reason)"])
                try await store.markSendFailed(id: item.id, error: reason, retryAt: nil, now: now)
            }
        } catch {
            logger.error("send outcome not recorded", metadata: ["outbox": "\(item.id)", "error": "\(error)"])
        }
    }
}
