import ChorusCore
import Foundation

/// End-to-end load: N conversations × M messages delivered as signed webhooks at a target rate,
/// each conversation's next message sent once its previous one is acknowledged; reply latency is
/// measured from a message's delivery to its reply at the fake Graph API (the k-th reply in a
/// conversation answers its k-th message).
public struct LoadDriver: Sendable {
    /// The figures.
    public struct Report: Sendable, Codable {
        public var conversations: Int
        public var messages: Int
        public var acknowledged: Int
        public var webhookErrors: Int
        public var acknowledgedPerSecond: Double
        public var replies: Int
        public var repliesPerSecond: Double
        public var replyLatencyP50Seconds: Double
        public var replyLatencyP95Seconds: Double
        public var replyLatencyP99Seconds: Double
        public var sendErrors: Int
        public var seconds: Double
        public var serverPeakRSSMegabytes: Double?

        /// Human-readable lines.
        public var summary: String {
            """
            conversations \(conversations) × messages \(messages)
            acknowledged  \(acknowledged) (\(String(format: "%.1f", acknowledgedPerSecond))/s), webhook errors \(webhookErrors)
            replies       \(replies) (\(String(format: "%.2f", repliesPerSecond))/s), Graph errors answered \(sendErrors)
            reply latency p50 \(String(format: "%.2f", replyLatencyP50Seconds)) s, p95 \(String(format: "%.2f", replyLatencyP95Seconds)) s, p99 \(String(format: "%.2f", replyLatencyP99Seconds)) s
            wall time     \(String(format: "%.1f", seconds)) s\(serverPeakRSSMegabytes.map { String(format: ", server peak RSS %.0f MB", $0) } ?? "")
            """
        }
    }

    public let simulator: MetaSimulator
    public let platform: Platform
    public let conversations: Int
    public let messages: Int
    public let rate: Double
    public let connections: Int
    public let timeout: Duration
    /// A picture (JPEG or PNG) sent with every message, its text as the caption.
    public let image: (data: Data, mimeType: String)?

    public init(simulator: MetaSimulator, platform: Platform, conversations: Int, messages: Int, rate: Double,
                connections: Int, timeout: Duration, image: (data: Data, mimeType: String)? = nil) {
        self.image = image
        self.simulator = simulator
        self.platform = platform
        self.conversations = conversations
        self.messages = messages
        self.rate = rate
        self.connections = connections
        self.timeout = timeout
    }

    public func run() async throws -> Report {
        let start = ContinuousClock.now
        let people = (0..<conversations).map {
            MetaSimulator.Person(id: WebhookFactory.userID(platform: platform, index: 50_000 + $0), name: "Load \($0)")
        }
        // Message k of conversation c, in send order: round-robin over conversations.
        let order = (0..<messages).flatMap { k in (0..<conversations).map { (c: $0, k: k) } }
        let sentAt = LockedTimes(conversations: conversations, messages: messages)
        let counters = LockedCounters()
        let interval = rate > 0 ? 1 / rate : 0
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<max(1, connections) {
                group.addTask {
                    for index in stride(from: lane, to: order.count, by: max(1, connections)) {
                        if interval > 0 {
                            let due = start + .milliseconds(Int(Double(index) * interval * 1000))
                            if due > ContinuousClock.now { try? await Task.sleep(until: due) }
                        }
                        let (c, k) = order[index]
                        let now = ContinuousClock.now
                        let text = "Message \(k + 1) from conversation \(c + 1): how are you today?"
                        let ok: Bool
                        if let image {
                            let content = await simulator.picture(image.data, mimeType: image.mimeType,
                                                                  caption: "What colour is the shape in this picture?", platform: platform)
                            ok = (try? await simulator.send(content, from: people[c], on: platform).status) == 200
                        } else {
                            ok = (try? await simulator.say(text, from: people[c], on: platform).status) == 200
                        }
                        sentAt.set(c, k, now)
                        counters.add(ok: ok)
                    }
                }
            }
        }
        let acknowledgedAt = ContinuousClock.now
        let expected = counters.ok
        _ = await simulator.ledger.waitForDeliveredTexts(expected, timeout: timeout)
        let end = ContinuousClock.now
        let texts = await simulator.ledger.deliveredTexts
        let records = await simulator.ledger.records
        var perConversation: [String: Int] = [:]
        var latencies: [Double] = []
        let index = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($1.id, $0) })
        let origin = Date().addingTimeInterval(-Self.seconds(ContinuousClock.now - start))
        for reply in texts {
            guard let to = reply.to, let c = index[to] else { continue }
            let k = perConversation[to, default: 0]
            perConversation[to] = k + 1
            guard k < messages, let sent = sentAt.get(c, k) else { continue }
            let sentDate = origin.addingTimeInterval(Self.seconds(sent - start))
            latencies.append(max(0, reply.at.timeIntervalSince(sentDate)))
        }
        latencies.sort()
        func pct(_ q: Double) -> Double { LoadRunner.percentile(latencies, q) }
        let total = Self.seconds(end - start)
        return Report(
            conversations: conversations, messages: messages, acknowledged: counters.ok, webhookErrors: counters.failed,
            acknowledgedPerSecond: Double(counters.ok) / max(Self.seconds(acknowledgedAt - start), 1e-9),
            replies: texts.count, repliesPerSecond: Double(texts.count) / max(total, 1e-9),
            replyLatencyP50Seconds: pct(0.5), replyLatencyP95Seconds: pct(0.95), replyLatencyP99Seconds: pct(0.99),
            sendErrors: records.filter { $0.kind == .text && $0.status >= 300 }.count, seconds: total)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Send instants per (conversation, message), shared by the sending tasks.
final class LockedTimes: @unchecked Sendable {
    private var times: [[ContinuousClock.Instant?]]
    private let lock = NSLock()
    init(conversations: Int, messages: Int) {
        times = Array(repeating: Array(repeating: nil, count: messages), count: conversations)
    }
    func set(_ c: Int, _ k: Int, _ t: ContinuousClock.Instant) { lock.withLock { times[c][k] = t } }
    func get(_ c: Int, _ k: Int) -> ContinuousClock.Instant? { lock.withLock { times[c][k] } }
}

/// Acknowledged and failed deliveries.
final class LockedCounters: @unchecked Sendable {
    private var counts = (ok: 0, failed: 0)
    private let lock = NSLock()
    func add(ok: Bool) { lock.withLock { if ok { counts.ok += 1 } else { counts.failed += 1 } } }
    var ok: Int { lock.withLock { counts.ok } }
    var failed: Int { lock.withLock { counts.failed } }
}
