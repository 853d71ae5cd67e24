import ChorusCore
import Hummingbird
import HTTPTypes
import NIOCore

extension HTTPField.Name {
    /// Meta's signature header: `sha256=<hex HMAC-SHA256(app secret, raw body)>`.
    static let hubSignature256 = HTTPField.Name("X-Hub-Signature-256")!
}

/// Adds `GET` and `POST /webhooks/{platform}` to a router: the handshake and the deliveries.
public struct WebhookRoutes<Context: RequestContext>: Sendable {
    /// The platform-neutral ingress the routes render.
    public let ingress: WebhookIngress

    /// Creates the routes.
    public init(ingress: WebhookIngress) { self.ingress = ingress }

    /// Registers the routes on `router`.
    public func register(on router: Router<Context>) {
        router.get("/webhooks/:platform") { request, context in
            try handshake(request: request, context: context)
        }
        router.post("/webhooks/:platform") { request, context in
            try await deliver(request: request, context: context)
        }
    }

    /// Answers the handshake: 200 with exactly `hub.challenge`, 403 otherwise.
    /// (Meta, "Getting Started with Webhooks": verification requests.)
    func handshake(request: Request, context: Context) throws -> Response {
        guard let platform = Platform(rawValue: context.parameters.get("platform") ?? "") else {
            return Self.text(.notFound, "unknown platform: use messenger, instagram or whatsapp\n")
        }
        let query = request.uri.queryParameters
        let challenge = ingress.handshake(
            platform: platform,
            mode: query["hub.mode"].map(String.init),
            verifyToken: query["hub.verify_token"].map(String.init),
            challenge: query["hub.challenge"].map(String.init))
        guard let challenge else { return Self.text(.forbidden, "verification failed\n") }
        return Self.text(.ok, challenge)
    }

    /// Reads the raw body within the limit, then lets the ingress check, decode and store it.
    func deliver(request: Request, context: Context) async throws -> Response {
        guard let platform = Platform(rawValue: context.parameters.get("platform") ?? "") else {
            return Self.text(.notFound, "unknown platform: use messenger, instagram or whatsapp\n")
        }
        let limit = ingress.settings.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            IngressMetrics.record(.tooLarge, platform: platform)
            return Self.text(.contentTooLarge, "body over \(limit) bytes\n")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            IngressMetrics.record(.tooLarge, platform: platform)
            return Self.text(.contentTooLarge, "body over \(limit) bytes\n")
        }
        let outcome = await ingress.receive(
            platform: platform, signature: request.headers[.hubSignature256],
            body: Array(buffer.readableBytesView))
        switch outcome {
        case .accepted: return Self.text(.ok, "EVENT_RECEIVED")
        case .unknownPlatform: return Self.text(.notFound, "platform \(platform.rawValue) is not enabled\n")
        case .badSignature: return Self.text(.unauthorized, "missing or invalid X-Hub-Signature-256\n")
        case .tooLarge: return Self.text(.contentTooLarge, "body over \(limit) bytes\n")
        case .rejected(let reason, _): return Self.text(.badRequest, reason + "\n")
        case .unavailable:
            var response = Self.text(.serviceUnavailable, "queue unavailable, retry later\n")
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    /// A plain-text response.
    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
