import ChorusCore
import Foundation
import Logging
import Metrics
import MetaWebhook
import MessengerAdapter
import InstagramAdapter
import WhatsAppAdapter
import Queue

/// What the ingress decided for one webhook delivery; the HTTP layer only renders it.
public enum IngressOutcome: Sendable, Equatable {
    /// Every event is durably stored: answer 200.
    case accepted(EnqueueResult)
    /// The platform is not enabled here: 404.
    case unknownPlatform
    /// Missing or wrong `X-Hub-Signature-256`: 401, nothing stored.
    case badSignature
    /// The body is larger than the limit: 413, nothing stored.
    case tooLarge
    /// A signed body we cannot read (kept in quarantine when `quarantined`): 400 with the reason.
    case rejected(reason: String, quarantined: Bool)
    /// The queue could not take the body now (overload or storage failure): 503, Meta retries.
    case unavailable(reason: String)

    /// The HTTP status code this outcome is answered with.
    public var statusCode: Int {
        switch self {
        case .accepted: 200
        case .unknownPlatform: 404
        case .badSignature: 401
        case .tooLarge: 413
        case .rejected: 400
        case .unavailable: 503
        }
    }
}

/// The platform-neutral heart of the ingress: handshake, signature check, decode, enqueue.
/// Pure of HTTP so the same path serves the server and the tests.
public struct WebhookIngress: Sendable {
    /// Credentials and limits.
    public let settings: IngressSettings
    /// Where accepted events go before the webhook is answered.
    public let queue: any EventQueue
    /// Logs carry platform and counts, never secrets or message text.
    public let logger: Logger

    /// Creates the ingress.
    public init(settings: IngressSettings, queue: any EventQueue, logger: Logger) {
        self.settings = settings
        self.queue = queue
        self.logger = logger
    }

    /// Meta's subscription handshake: the challenge to echo, or nil (403).
    public func handshake(platform: Platform, mode: String?, verifyToken: String?, challenge: String?) -> String? {
        guard let credentials = settings.platforms[platform] else { return nil }
        return VerificationHandshake.challenge(
            mode: mode, verifyToken: verifyToken, challenge: challenge,
            expectedToken: credentials.verifyToken.value)
    }

    /// Checks, decodes and durably enqueues one webhook body.
    ///
    /// The signature is checked on the exact bytes received: Meta signs its escaped-unicode
    /// serialization, so re-encoded JSON would not match (Meta, "Webhooks: Validate Payloads").
    public func receive(platform: Platform, signature: String?, body: [UInt8]) async -> IngressOutcome {
        let outcome = await check(platform: platform, signature: signature, body: body)
        IngressMetrics.record(outcome, platform: platform)
        return outcome
    }

    private func check(platform: Platform, signature: String?, body: [UInt8]) async -> IngressOutcome {
        guard let credentials = settings.platforms[platform] else { return .unknownPlatform }
        guard body.count <= settings.maxBodyBytes else { return .tooLarge }
        let signed = body.withUnsafeBytes {
            WebhookSignature.isValid(body: $0, header: signature, appSecret: credentials.appSecret.value)
        }
        guard signed else {
            logger.notice("webhook rejected: bad signature", metadata: ["platform": "\(platform.rawValue)"])
            return .badSignature
        }
        let events: [InboundEvent]
        do {
            events = try Self.decode(platform: platform, body: Data(body))
        } catch let error as WebhookDecodeError {
            return await reject(platform: platform, body: body, error: error)
        } catch {
            return await reject(platform: platform, body: body, error: .malformed("\(error)"))
        }
        do {
            let result = try await queue.enqueue(events)
            logger.debug("webhook stored", metadata: [
                "platform": "\(platform.rawValue)", "inserted": "\(result.inserted)",
                "duplicates": "\(result.duplicates)",
            ])
            return .accepted(result)
        } catch {
            logger.warning("webhook not stored", metadata: ["platform": "\(platform.rawValue)", "error": "\(error)"])
            return .unavailable(reason: "the queue could not store the events: \(error)")
        }
    }

    /// The adapter for each platform.
    static func decode(platform: Platform, body: Data) throws -> [InboundEvent] {
        switch platform {
        case .messenger: try MessengerInbound.decode(body)
        case .instagram: try InstagramInbound.decode(body)
        case .whatsapp: try WhatsAppInbound.decode(body)
        }
    }

    /// A signed body that cannot be read: wrong `object` is refused outright; anything else is
    /// kept in quarantine first, so nothing Meta sent us with a valid signature is lost.
    private func reject(platform: Platform, body: [UInt8], error: WebhookDecodeError) async -> IngressOutcome {
        let reason = error.description
        if case .wrongObject = error {
            logger.notice("webhook rejected: wrong object", metadata: ["platform": "\(platform.rawValue)"])
            return .rejected(reason: reason, quarantined: false)
        }
        do {
            try await queue.quarantine(platform: platform, body: body, reason: reason)
        } catch {
            return .unavailable(reason: "the body could not be quarantined: \(error)")
        }
        logger.notice("webhook quarantined", metadata: ["platform": "\(platform.rawValue)", "reason": "\(reason)"])
        return .rejected(reason: reason, quarantined: true)
    }
}
