import ChorusCore

/// A credential that must never be logged or echoed: its descriptions are redacted.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret text. Read it only where it is used (HMAC key, token comparison, Authorization).
    public let value: String

    /// Wraps a secret value.
    public init(_ value: String) { self.value = value }

    /// Always `<redacted>`, so a secret interpolated by mistake never reaches a log.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
}

/// What one platform needs for ingress and sending.
public struct PlatformCredentials: Sendable, Hashable {
    /// The Meta app secret: the HMAC key of `X-Hub-Signature-256`.
    public var appSecret: Secret
    /// The token Meta echoes in the `hub.verify_token` handshake.
    public var verifyToken: Secret
    /// The Graph API access token used to send (absent: this process does not send).
    public var accessToken: Secret?

    /// Creates credentials.
    public init(appSecret: Secret, verifyToken: Secret, accessToken: Secret? = nil) {
        self.appSecret = appSecret
        self.verifyToken = verifyToken
        self.accessToken = accessToken
    }
}

/// Everything the HTTP ingress needs to know.
public struct IngressSettings: Sendable {
    /// Credentials of each enabled platform; a platform absent here answers 404.
    public var platforms: [Platform: PlatformCredentials]
    /// The largest webhook body accepted (Meta sends up to about 3 MB).
    public var maxBodyBytes: Int

    /// The default body limit: 4 MiB.
    public static let defaultMaxBodyBytes = 4 * 1024 * 1024

    /// Creates settings.
    public init(platforms: [Platform: PlatformCredentials], maxBodyBytes: Int = IngressSettings.defaultMaxBodyBytes) {
        self.platforms = platforms
        self.maxBodyBytes = maxBodyBytes
    }
}
