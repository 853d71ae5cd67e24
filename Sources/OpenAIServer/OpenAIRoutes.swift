import Assistant
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// OpenAI's Chat Completions API over the in-process engine: `POST /v1/chat/completions`
/// (whole answers or Server-Sent Events) and `GET /v1/models`, so other tools and other Chorus
/// front ends (`--engine-url`) can use the same local model. Concurrent requests decode together
/// through the engine's continuous batcher; past its batch plus `maxQueue` waiting, 503.
public struct OpenAIRoutes<Context: RequestContext>: Sendable {
    /// The engine.
    public let engine: MoEReplyEngine
    /// Limits, name and key.
    public let settings: OpenAIServerSettings
    let admission: CompletionAdmission
    let logger: Logger
    /// When the routes were made (the model's `created`).
    let created = Int(Date().timeIntervalSince1970)

    /// Routes over `engine`.
    public init(engine: MoEReplyEngine, settings: OpenAIServerSettings, logger: Logger) {
        self.engine = engine
        self.settings = settings
        self.logger = logger
        admission = CompletionAdmission(limit: engine.streamingBatch + max(0, settings.maxQueue))
    }

    /// Registers the routes on `router`; other methods and paths under `/v1` answer OpenAI-shaped
    /// 405 and 404 errors.
    public func register(on router: Router<Context>) {
        router.post("/v1/chat/completions") { request, context in
            try await authorized(request) { try await complete(request: request, context: context) }
        }
        router.get("/v1/models") { request, _ in
            try await authorized(request) { models() }
        }
        router.get("/v1/models/:id") { request, context in
            try await authorized(request) {
                let id = context.parameters.get("id") ?? ""
                guard id == settings.modelName else {
                    return OpenAIError(status: .notFound, message: "no model '\(id)' (this server has '\(settings.modelName)')",
                                       type: "invalid_request_error", code: "model_not_found").response
                }
                return Self.json(.ok, ModelList.Model(id: id, created: created, ownedBy: "chorus"))
            }
        }
        for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
            router.on("/v1/chat/completions", method: method) { _, _ in Self.methodNotAllowed("POST") }
        }
        for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
            router.on("/v1/models", method: method) { _, _ in Self.methodNotAllowed("GET") }
        }
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("/v1/**", method: method) { request, _ in
                OpenAIError(status: .notFound, message: "no route \(request.method) \(request.uri.path)",
                            type: "invalid_request_error", code: "unknown_url").response
            }
        }
    }

    /// `GET /v1/models`: the one loaded model.
    func models() -> Response {
        Self.json(.ok, ModelList(data: [ModelList.Model(id: settings.modelName, created: created, ownedBy: "chorus")]))
    }

    /// Runs `body` when the request carries the key (or none is configured); 401 otherwise.
    /// The key is compared in constant time and never logged.
    func authorized(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        if let key = settings.apiKey {
            let given = request.headers[.authorization].flatMap { value -> String? in
                guard value.lowercased().hasPrefix("bearer ") else { return nil }
                return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            }
            guard let given, Self.constantTimeEqual(Array(given.utf8), Array(key.utf8)) else {
                return OpenAIError(status: .unauthorized, message: "missing or invalid API key (Authorization: Bearer …)",
                                   type: "authentication_error", code: "invalid_api_key").response
            }
        }
        return try await body()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    static func methodNotAllowed(_ allowed: String) -> Response {
        var response = OpenAIError(status: .methodNotAllowed, message: "method not allowed (use \(allowed))",
                                   type: "invalid_request_error").response
        response.headers[.allow] = allowed
        return response
    }

    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
