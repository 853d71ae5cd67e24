import ChorusCore
import Foundation
import MetaWebhook
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends rendered requests to the Graph API (Meta's or the simulator's) and classifies the answer
/// into sent, retry later, or permanent failure. One attempt per call: retries are scheduled
/// durably by the outbox, so a crash never forgets one.
public struct GraphClient: Sendable {
    /// The result of one attempt.
    public enum Outcome: Sendable, Equatable {
        /// Accepted; the platform's id for the sent message, when it gave one.
        case sent(messageID: String?)
        /// Transient (429, 5xx, rate-limit codes, timeouts): try again after `after` seconds at the earliest.
        case retry(after: TimeInterval?, reason: String)
        /// Will never succeed as is (window closed, bad token, undeliverable, invalid): dead-letter it.
        case permanent(reason: String)
    }

    /// The Graph base URL, e.g. `https://graph.facebook.com` or the simulator's `http://127.0.0.1:PORT`.
    public var baseURL: URL
    /// The API version path segment.
    public var version: String
    /// Access tokens by platform.
    public var tokens: [Platform: String]
    /// Per-request timeout.
    public var timeout: TimeInterval
    private let session: URLSession

    /// Creates a client.
    public init(baseURL: URL, version: String = "v21.0", tokens: [Platform: String], timeout: TimeInterval = 15) {
        self.baseURL = baseURL
        self.version = version
        self.tokens = tokens
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 16
        session = URLSession(configuration: configuration)
    }

    /// Sends one request for `platform`.
    public func send(_ request: SendRequest, platform: Platform) async -> Outcome {
        guard let token = tokens[platform] else {
            return .permanent(reason: "no access token for \(platform.rawValue): set CHORUS_\(platform.rawValue.uppercased())_ACCESS_TOKEN")
        }
        var urlRequest = URLRequest(url: baseURL.appendingPathComponent(version).appendingPathComponent(request.path))
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.timeoutInterval = timeout
        urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        urlRequest.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch {
            return .retry(after: nil, reason: "transport: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { return .retry(after: nil, reason: "no HTTP response") }
        return Self.classify(status: http.statusCode, body: data,
                             retryAfter: http.value(forHTTPHeaderField: "Retry-After").flatMap(TimeInterval.init))
    }

    /// Classifies an answer (pure, for tests): rate limits and server errors are retried, the
    /// window (131047, 10/2018278), token (190), undeliverable (131026) and other client errors
    /// are permanent (Meta, "Graph API error codes"; WhatsApp Cloud API error codes).
    public static func classify(status: Int, body: Data, retryAfter: TimeInterval?) -> Outcome {
        if (200..<300).contains(status) {
            let json = try? JSONDecoder().decode(JSONValue.self, from: body)
            let id = json?["message_id"]?.stringValue
                ?? { if case .array(let messages)? = json?["messages"] { return messages.first?["id"]?.stringValue } else { return nil } }()
            return .sent(messageID: id)
        }
        let error = GraphError.decode(body)
        let reason = error.map(\.description) ?? "HTTP \(status)"
        if status == 429 || error?.isRateLimit == true { return .retry(after: retryAfter ?? 30, reason: reason) }
        if status >= 500 || status == 408 { return .retry(after: retryAfter, reason: reason) }
        if let error, [1, 2].contains(error.code) { return .retry(after: retryAfter, reason: reason) }
        return .permanent(reason: reason)
    }
}
