import Foundation

/// How `OpenAIReplyEngine` talks to its server.
public struct OpenAIEngineSettings: Sendable {
    /// The server, e.g. `http://gpu-host:8000` or `http://gpu-host:8000/v1`.
    public var baseURL: URL
    /// The model name to ask for; nil: the first one the server lists in `/v1/models`.
    public var model: String?
    /// Sent as `Authorization: Bearer …` (env CHORUS_ENGINE_API_KEY only; never logged).
    public var apiKey: String?
    /// Whether the server's model takes images (pictures then travel as `image_url` data URLs).
    public var seesImages = false
    /// The most requests in flight at once; more wait.
    public var maxInFlight = 8
    /// Seconds until the response head arrives: connecting, waiting in the server's queue and, for
    /// Chorus's endpoint (which answers a prompt it cannot take with a 400), reading the prompt.
    public var connectTimeout: TimeInterval = 60
    /// Seconds until the first text arrives.
    public var firstTokenTimeout: TimeInterval = 120
    /// Seconds for the whole reply.
    public var totalTimeout: TimeInterval = 600
    /// Tries per request: connection errors, timeouts, 408, 429 and 5xx are tried again; other 4xx not.
    public var maxAttempts = 3
    /// Backoff before the second try, doubled per try (with jitter), at most `retryCap`.
    public var retryBase: TimeInterval = 0.5
    /// The longest wait between tries (a larger Retry-After is capped to it).
    public var retryCap: TimeInterval = 10
    /// Sampling temperature sent with each request; nil leaves the server's default.
    public var temperature: Double?
    /// The largest response accepted, in bytes.
    public var maxResponseBytes = 8 * 1024 * 1024

    /// Settings for the server at `baseURL`.
    public init(baseURL: URL, model: String? = nil, apiKey: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// `…/v1/<path>` under the base URL (which may already end in `/v1`).
    public func endpoint(_ path: String) -> URL {
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        let root = base.hasSuffix("/v1") ? base : base + "/v1"
        return URL(string: root + "/" + path) ?? baseURL
    }
}
