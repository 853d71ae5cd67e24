import ChorusCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `ReplyEngine` on any OpenAI-compatible server (vLLM, llama.cpp's `llama-server`, or another
/// Chorus's `chorus engine serve`): each reply is one streamed `POST /v1/chat/completions`, with
/// deadlines, retries with backoff and a bound on requests in flight. The prompt travels as chat
/// messages (the server applies the model's template); pictures as `image_url` data URLs.
public final class OpenAIReplyEngine: ReplyEngine, Sendable {
    /// The server and the limits.
    public let settings: OpenAIEngineSettings
    let transport: StreamingTransport
    let limiter: InFlightLimiter
    private let resolvedModel = ModelNameCache()

    public var seesImages: Bool { settings.seesImages }

    /// An engine talking to the server in `settings`.
    public init(settings: OpenAIEngineSettings) {
        var settings = settings
        settings.maxAttempts = max(1, settings.maxAttempts)
        // Deadlines count from the request's start: a shorter later one bounds the earlier ones.
        settings.firstTokenTimeout = min(settings.firstTokenTimeout, settings.totalTimeout)
        settings.connectTimeout = min(settings.connectTimeout, settings.firstTokenTimeout)
        self.settings = settings
        transport = StreamingTransport(connections: settings.maxInFlight)
        limiter = InFlightLimiter(limit: settings.maxInFlight)
    }

    /// An estimate: remote servers have no tokenizer call we can make synchronously, so this
    /// counts one token per 3 UTF-8 bytes, more than BPE vocabularies use for English (about
    /// 4 bytes per token), so the history budget errs on the short side.
    public func tokenCount(_ text: String) -> Int { (text.utf8.count + 2) / 3 }

    /// Generates every reply concurrently (at most `maxInFlight` at once); throws the first
    /// failure after its retries.
    public func generate(_ requests: [GenerationRequest]) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask { (index, try await self.reply(to: request)) }
            }
            var replies = [String](repeating: "", count: requests.count)
            for try await (index, text) in group { replies[index] = text }
            return replies
        }
    }

    /// One reply: a place in flight, then tries with backoff until one succeeds or may not retry.
    public func reply(to request: GenerationRequest) async throws -> String {
        await limiter.acquire()
        do {
            let text = try await withRetries { try await self.attempt(request) }
            await limiter.release()
            return text
        } catch {
            await limiter.release()
            throw error
        }
    }

    /// Runs `body` up to `maxAttempts` times while it fails with a retryable error.
    func withRetries<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as OpenAIEngineError where error.retryable && attempt < settings.maxAttempts {
                let backoff = min(settings.retryCap, settings.retryBase * pow(2, Double(attempt - 1)))
                let wait = error.retryAfter.map { min($0, settings.retryCap) } ?? backoff * Double.random(in: 0.5...1)
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                attempt += 1
            }
        }
    }

    /// The JSON body for `request`.
    func body(for request: GenerationRequest, model: String) throws -> Data {
        var messages = request.turns.map {
            ChatCompletionRequest.Message(role: $0.role.rawValue, content: .text($0.text))
        }
        if settings.seesImages, !request.images.isEmpty, let last = messages.lastIndex(where: { $0.role == "user" }) {
            let pictures = request.images.map { ChatCompletionRequest.Part.imageURL(Self.dataURL($0.data)) }
            messages[last].content = .parts(pictures + [.text(messages[last].content.text)])
        }
        var body = ChatCompletionRequest(
            model: model, messages: messages, maxTokens: request.maxTokens,
            temperature: request.temperature.map(Double.init) ?? settings.temperature,
            topP: request.topP.map(Double.init), seed: Int64(bitPattern: request.seed), stream: true,
            streamOptions: .init(includeUsage: true), minTokens: request.minTokens > 1 ? request.minTokens : nil)
        body.n = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(body)
    }

    /// `data:image/png;base64,…` or `data:image/jpeg;base64,…` (by the bytes' signature).
    static func dataURL(_ bytes: [UInt8]) -> String {
        let type = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "image/png" : "image/jpeg"
        return "data:\(type);base64,\(Data(bytes).base64EncodedString())"
    }

    /// The model to ask for: the configured one, else the server's first.
    func modelName() async throws -> String {
        if let model = settings.model { return model }
        if let known = resolvedModel.value { return known }
        // One try: the caller's attempt is already inside the retry loop.
        let name = try await fetchModelName()
        resolvedModel.value = name
        return name
    }

    private func fetchModelName() async throws -> String {
        var request = URLRequest(url: settings.endpoint("models"))
        request.timeoutInterval = settings.connectTimeout
        authorize(&request)
        let (data, status) = try await collect(request, limit: 1 << 20, deadline: settings.connectTimeout)
        guard status == 200 else { throw Self.statusError(status, body: data, retryAfter: nil) }
        guard (try? JSONValue.parse(String(decoding: data, as: UTF8.self), maxDepth: 64)) != nil,
              let list = try? JSONDecoder().decode(ModelList.self, from: data), let first = list.data.first else {
            throw OpenAIEngineError(.malformed, "GET /v1/models: no model listed (give --engine-model)", retryable: false)
        }
        return first.id
    }

    func authorize(_ request: inout URLRequest) {
        if let key = settings.apiKey { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
    }
}

/// The model name learned from the server, once.
final class ModelNameCache: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    var value: String? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
