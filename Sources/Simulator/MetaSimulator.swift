import ChorusCore
import Foundation
import Hummingbird
import Logging
import MetaWebhook
import ServiceLifecycle

/// Meta, locally: a fake Graph API on loopback that records what the bot sends, and a driver
/// that delivers signed webhooks to a `chorus serve` as people would write them.
public final class MetaSimulator: @unchecked Sendable {
    /// The fake Graph API's state and records.
    public let ledger = GraphLedger()
    /// The fake Graph API's port.
    public private(set) var graphPort = 0
    /// Where webhooks go: the server's host and port.
    public let serverPort: Int
    /// The app secret webhooks are signed with.
    public let appSecret: String
    /// Business account ids per platform.
    public let accounts: [Platform: String]
    private var task: Task<Void, any Error>?
    private var group: ServiceGroup?
    private var sequence = 0
    private let lock = NSLock()
    private let salt = UInt64.random(in: 0...UInt64.max)

    /// The default business accounts: a page id, an Instagram account id, a phone number id.
    public static let defaultAccounts: [Platform: String] = [
        .messenger: "110000000000001", .instagram: "17841400000000001", .whatsapp: "106540352242922",
    ]

    /// A simulator for a server on `serverPort`, signing with `appSecret`, whose Send API calls
    /// must carry `accessToken`.
    public init(serverPort: Int, appSecret: String, accessToken: String, accounts: [Platform: String] = MetaSimulator.defaultAccounts) async {
        self.serverPort = serverPort
        self.appSecret = appSecret
        self.accounts = accounts
        for (platform, account) in accounts {
            await ledger.register(account: account, platform: platform, token: accessToken)
        }
    }

    /// Starts the fake Graph API on a free loopback port (or `port`).
    public func startGraph(port: Int = 0) async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = FakeGraphAPI(ledger: ledger).makeApplication(port: port) { continuation.yield($0) }
        var logger = Logger(label: "fake-graph")
        logger.logLevel = .error
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw HTTPConnection.Failure(description: "fake Graph API did not start") }
        graphPort = bound
    }

    /// Stops the fake Graph API.
    public func stopGraph() async {
        await group?.triggerGracefulShutdown()
        _ = await task?.result
        task = nil
    }

    /// The fake Graph API's base URL, for `chorus serve --graph-url`.
    public var graphURL: String { "http://127.0.0.1:\(graphPort)" }

    /// A person in a chat.
    public struct Person: Sendable, Hashable {
        /// Their platform id (PSID, IGSID or phone number).
        public var id: String
        /// Their display name.
        public var name: String

        /// Creates a person.
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// What a delivery did.
    public struct Delivery: Sendable {
        /// The message id given to the message.
        public var messageID: String
        /// The server's HTTP status.
        public var status: Int
    }

    /// Delivers a text message from `person`, in a direct chat or a WhatsApp group, optionally
    /// quote-replying to `replyTo`. Returns the message's id.
    @discardableResult
    public func say(_ text: String, from person: Person, on platform: Platform, group: String? = nil,
                    replyTo: String? = nil, deliveries: Int = 1, messageID: String? = nil, at time: Date? = nil) async throws -> Delivery {
        let account = accounts[platform] ?? ""
        let id = messageID ?? nextMessageID(platform)
        let now = time ?? Date()
        let message = WebhookFactory.TextMessage(user: person.id, name: person.name, id: id, text: text,
                                                 timestamp: Int64(now.timeIntervalSince1970 * 1000), groupID: group, replyTo: replyTo)
        if let group { await ledger.register(group: group) }
        await ledger.noteInbound(account: account, user: person.id, messageID: id, groupID: group, at: now)
        let body = try WebhookFactory(account: account).body(platform: platform, messages: [message])
        var status = 0
        for _ in 0..<max(deliveries, 1) { status = try await deliver(body, platform: platform) }
        return Delivery(messageID: id, status: status)
    }

    /// Builds a text message as `say` would, without delivering it (for held, reordered or
    /// batched deliveries); the fake Graph API already knows it was sent.
    public func prepare(_ text: String, from person: Person, on platform: Platform, group: String? = nil,
                        replyTo: String? = nil) async -> WebhookFactory.TextMessage {
        let account = accounts[platform] ?? ""
        let id = nextMessageID(platform)
        let now = Date()
        if let group { await ledger.register(group: group) }
        await ledger.noteInbound(account: account, user: person.id, messageID: id, groupID: group, at: now)
        return WebhookFactory.TextMessage(user: person.id, name: person.name, id: id, text: text,
                                          timestamp: Int64(now.timeIntervalSince1970 * 1000), groupID: group, replyTo: replyTo)
    }

    /// Delivers prepared messages in one webhook body (Meta batches), signed; returns the status.
    public func deliver(_ messages: [WebhookFactory.TextMessage], on platform: Platform) async throws -> Int {
        let body = try WebhookFactory(account: accounts[platform] ?? "").body(platform: platform, messages: messages)
        return try await deliver(body, platform: platform)
    }

    /// Delivers `content` (a picture, a reaction, a button press, or text) from `person`.
    @discardableResult
    public func send(_ content: WebhookFactory.Content, from person: Person, on platform: Platform, group: String? = nil,
                     replyTo: String? = nil) async throws -> Delivery {
        let account = accounts[platform] ?? ""
        let id = nextMessageID(platform)
        let now = Date()
        if let group { await ledger.register(group: group) }
        await ledger.noteInbound(account: account, user: person.id, messageID: id, groupID: group, at: now)
        let body = try WebhookFactory(account: account).body(
            platform: platform, user: person.id, name: person.name, id: id, timestamp: Int64(now.timeIntervalSince1970 * 1000),
            group: group, replyTo: replyTo, content: content)
        return Delivery(messageID: id, status: try await deliver(body, platform: platform))
    }

    /// Registers a local picture with the fake Graph API and returns the content that sends it:
    /// a WhatsApp media id, or a URL on the fake for Messenger and Instagram.
    public func picture(_ data: Data, mimeType: String, caption: String?, platform: Platform) async -> WebhookFactory.Content {
        let id = await ledger.addMedia(data, mimeType: mimeType)
        let sha = FakeGraphAPI.sha256Hex(data)
        switch platform {
        case .whatsapp: return .image(mediaIDOrURL: id, mimeType: mimeType, sha256: sha, caption: caption)
        case .messenger, .instagram: return .image(mediaIDOrURL: "\(graphURL)/_media/\(id)", mimeType: mimeType, sha256: sha, caption: caption)
        }
    }

    /// Posts a body to the server, signed as Meta signs it. Returns the HTTP status.
    public func deliver(_ body: [UInt8], platform: Platform) async throws -> Int {
        let response = try await HTTPConnection.send(
            port: serverPort, method: "POST", path: "/webhooks/\(platform.rawValue)",
            headers: [("Content-Type", "application/json"),
                      ("X-Hub-Signature-256", WebhookSignature.sign(body: body, appSecret: appSecret))],
            body: body)
        return response.status
    }

    /// A fresh message id in the platform's shape (for redelivering the same message).
    public func nextMessageID(_ platform: Platform) -> String {
        lock.lock()
        defer { lock.unlock() }
        sequence += 1
        return WebhookFactory.messageID(platform: platform, conversation: 0, sequence: sequence, salt: salt)
    }
}
