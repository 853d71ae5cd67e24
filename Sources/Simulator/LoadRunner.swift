import ChorusCore
import Foundation
import MetaWebhook

/// Drives signed webhooks at a running `chorus serve` over several keep-alive connections and
/// measures durable acknowledgements: a 200 means every message of the body is committed.
public struct LoadRunner: Sendable {
    /// What to send.
    public struct Plan: Sendable {
        /// The platform to play.
        public var platform: Platform
        /// Concurrent connections, each with one request in flight.
        public var connections: Int
        /// Total messages to send.
        public var messages: Int
        /// Messages per webhook body (Meta batches up to 1000).
        public var batch: Int = 1
        /// Distinct conversations the messages spread over.
        public var conversations: Int = 1000
        /// Makes message ids unique across runs against the same database.
        public var salt: UInt64 = UInt64.random(in: 0...UInt64.max)

        /// Creates a plan.
        public init(platform: Platform, connections: Int, messages: Int, batch: Int = 1, conversations: Int = 1000) {
            self.platform = platform
            self.connections = connections
            self.messages = messages
            self.batch = batch
            self.conversations = conversations
        }
    }

    /// What a run measured.
    public struct Report: Sendable, Codable {
        /// The platform played.
        public var platform: String
        /// Concurrent connections.
        public var connections: Int
        /// Messages per body.
        public var batch: Int
        /// Messages acknowledged with 200.
        public var acknowledged: Int
        /// Requests answered otherwise, or failed below HTTP.
        public var errors: Int
        /// Wall time of the run.
        public var seconds: Double
        /// Acknowledged messages per second.
        public var messagesPerSecond: Double
        /// Median acknowledgement latency of a request, in milliseconds.
        public var p50Milliseconds: Double
        /// 99th percentile acknowledgement latency, in milliseconds.
        public var p99Milliseconds: Double
        /// The first error seen, if any.
        public var firstError: String?
    }

    /// The server's address and the platform's app secret.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The app secret the server checks signatures with.
    public var appSecret: String

    /// Creates a runner.
    public init(host: String, port: Int, appSecret: String) {
        self.host = host
        self.port = port
        self.appSecret = appSecret
    }

    /// Pre-builds and signs every body (outside the timed part), then sends them.
    public func run(_ plan: Plan) throws -> Report {
        var factory = WebhookFactory()
        // Newer WhatsApp payloads carry business-scoped user ids; the pywa peer requires them.
        factory.businessScopedUserIDs = true
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var bodies: [(body: [UInt8], signature: String, count: Int)] = []
        var sent = 0
        while sent < plan.messages {
            let count = min(plan.batch, plan.messages - sent)
            let messages = (sent..<(sent + count)).map { i in
                let conversation = i % max(plan.conversations, 1)
                return WebhookFactory.TextMessage(
                    user: WebhookFactory.userID(platform: plan.platform, index: conversation), name: "User \(conversation)",
                    id: WebhookFactory.messageID(platform: plan.platform, conversation: conversation, sequence: i, salt: plan.salt),
                    text: "Hello número \(i) 👋", timestamp: now + Int64(i))
            }
            let body = try factory.body(platform: plan.platform, messages: messages)
            bodies.append((body, WebhookSignature.sign(body: body, appSecret: appSecret), count))
            sent += count
        }
        let path = "/webhooks/\(plan.platform.rawValue)"
        let prepared = bodies
        let lanes = max(1, plan.connections)
        let results = LockedBox(Array(repeating: LaneResult(), count: lanes))
        let group = DispatchGroup()
        let start = DispatchTime.now()
        for lane in 0..<lanes {
            group.enter()
            let thread = Thread { [host, port] in
                defer { group.leave() }
                var result = LaneResult()
                var connection: HTTPConnection?
                for index in stride(from: lane, to: prepared.count, by: lanes) {
                    let item = prepared[index]
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do {
                        if connection == nil { connection = try HTTPConnection(host: host, port: port) }
                        let response = try connection!.request(
                            method: "POST", path: path,
                            headers: [("Content-Type", "application/json"), ("X-Hub-Signature-256", item.signature)],
                            body: item.body)
                        if response.status == 200 {
                            result.acknowledged += item.count
                        } else {
                            result.errors += 1
                            result.firstError = result.firstError ?? "HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))"
                        }
                    } catch {
                        connection = nil
                        result.errors += 1
                        result.firstError = result.firstError ?? "\(error)"
                    }
                    result.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                results.withLock { $0[lane] = result }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let lanesDone = results.withLock { $0 }
        let latencies = lanesDone.flatMap(\.latencies).sorted()
        let acknowledged = lanesDone.map(\.acknowledged).reduce(0, +)
        return Report(
            platform: plan.platform.rawValue, connections: lanes, batch: plan.batch, acknowledged: acknowledged,
            errors: lanesDone.map(\.errors).reduce(0, +), seconds: seconds,
            messagesPerSecond: Double(acknowledged) / seconds,
            p50Milliseconds: Self.percentile(latencies, 0.50), p99Milliseconds: Self.percentile(latencies, 0.99),
            firstError: lanesDone.compactMap(\.firstError).first)
    }

    /// The `q` quantile of sorted values (nearest rank).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

/// One connection's tally.
struct LaneResult: Sendable {
    var acknowledged = 0
    var errors = 0
    var latencies: [Double] = []
    var firstError: String?
}

/// A value behind a lock, for results gathered from threads.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
