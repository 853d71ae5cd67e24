import Assistant
import Foundation

/// A validated chat completion request: what to generate and how to answer.
struct CompletionPlan: Sendable {
    /// What the engine generates.
    var generation: GenerationRequest
    /// Strings that end the reply.
    var stops: [String]
    /// Whether to answer with Server-Sent Events.
    var stream: Bool
    /// Whether the stream ends with a usage chunk.
    var includeUsage: Bool

    /// Checks `request` against the endpoint's limits; throws a 400 that names the field.
    init(_ request: ChatCompletionRequest, settings: OpenAIServerSettings, seesImages: Bool) throws(OpenAIError) {
        guard !request.messages.isEmpty else { throw .invalid("messages must not be empty", param: "messages") }
        guard request.messages.count <= settings.maxMessages else {
            throw .invalid("at most \(settings.maxMessages) messages", param: "messages")
        }
        if let n = request.n, n != 1 { throw .invalid("only n=1 is supported", param: "n") }
        let maxTokens = request.replyLimit ?? settings.defaultMaxTokens
        guard maxTokens >= 1 else { throw .invalid("max_tokens must be at least 1", param: "max_tokens") }
        if let temperature = request.temperature, !(0...2).contains(temperature) {
            throw .invalid("temperature must be between 0 and 2", param: "temperature")
        }
        if let topP = request.topP, !(topP > 0 && topP <= 1) { throw .invalid("top_p must be in (0, 1]", param: "top_p") }
        let stops = request.stop ?? []
        guard stops.count <= 4, stops.allSatisfy({ !$0.isEmpty && $0.count <= 256 }) else {
            throw .invalid("stop must be a string or up to 4 non-empty strings", param: "stop")
        }
        if let minTokens = request.minTokens, minTokens < 0 { throw .invalid("min_tokens must not be negative", param: "min_tokens") }
        var turns: [ChatTurn] = []
        var images: [ImageInput] = []
        for (index, message) in request.messages.enumerated() {
            let role: ChatTurn.Role
            switch message.role {
            case "system", "developer": role = .system
            case "user": role = .user
            case "assistant": role = .assistant
            default:
                throw .invalid("messages[\(index)].role '\(message.role)' is not supported (system, user, assistant)",
                               param: "messages[\(index)].role")
            }
            let urls = message.content.imageURLs
            if !urls.isEmpty {
                guard role == .user else { throw .invalid("only user messages may carry images", param: "messages[\(index)].content") }
                guard seesImages else {
                    throw .invalid("this model does not accept images (start the engine with --mmproj)",
                                   param: "messages[\(index)].content", code: "images_not_supported")
                }
                for url in urls { images.append(try Self.image(dataURL: url, param: "messages[\(index)].content")) }
                guard images.count <= settings.maxImages else {
                    throw .invalid("at most \(settings.maxImages) images per request", param: "messages[\(index)].content")
                }
            }
            turns.append(ChatTurn(role: role, text: message.content.text))
        }
        let seed = request.seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: .min ... .max)
        generation = GenerationRequest(conversationKey: "openai", turns: turns, maxTokens: maxTokens, seed: seed, images: images)
        generation.minTokens = max(1, request.minTokens ?? 1)
        generation.temperature = request.temperature.map(Float.init)
        generation.topP = request.topP.map(Float.init)
        generation.truncatesPrompt = false
        self.stops = stops
        stream = request.stream ?? false
        includeUsage = request.streamOptions?.includeUsage ?? false
    }

    /// A `data:image/jpeg;base64,…` or `data:image/png;base64,…` URL's bytes.
    static func image(dataURL: String, param: String) throws(OpenAIError) -> ImageInput {
        guard dataURL.hasPrefix("data:"), let comma = dataURL.firstIndex(of: ",") else {
            throw .invalid("image_url must be a data: URL (data:image/jpeg;base64,… or data:image/png;base64,…)", param: param)
        }
        let header = dataURL[dataURL.index(dataURL.startIndex, offsetBy: 5)..<comma].lowercased()
        guard ["image/jpeg;base64", "image/jpg;base64", "image/png;base64"].contains(header) else {
            throw .invalid("image_url must be base64 JPEG or PNG, got data:\(header)", param: param)
        }
        guard let data = Data(base64Encoded: String(dataURL[dataURL.index(after: comma)...]), options: .ignoreUnknownCharacters),
              !data.isEmpty else {
            throw .invalid("image_url holds invalid base64", param: param)
        }
        return ImageInput(key: MediaFetcher.sha256Hex(data), data: [UInt8](data))
    }
}
