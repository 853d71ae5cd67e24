import Foundation

/// Why a request to the OpenAI-compatible server failed.
public struct OpenAIEngineError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure.
    public enum Kind: Sendable, Equatable {
        /// The connection failed or broke.
        case transport
        /// A deadline passed (`connect`, `first token` or `total`).
        case timeout(String)
        /// The server answered with this HTTP status.
        case status(Int)
        /// The answer could not be read (not JSON, wrong shape, truncated, too large).
        case malformed
        /// The server reported an error inside the stream.
        case remote
    }

    /// What kind of failure.
    public let kind: Kind
    /// What went wrong, for people (never holds the API key).
    public let description: String
    /// Whether another try may succeed.
    public let retryable: Bool
    /// The server's Retry-After, in seconds.
    public var retryAfter: TimeInterval?

    /// An error.
    public init(_ kind: Kind, _ description: String, retryable: Bool, retryAfter: TimeInterval? = nil) {
        self.kind = kind
        self.description = description
        self.retryable = retryable
        self.retryAfter = retryAfter
    }
}
