import Foundation

/// The body of `POST /v1/chat/completions` (OpenAI's Chat Completions API), the fields Chorus
/// reads and sends. Decoding is strict about the types of known fields and ignores unknown ones,
/// as OpenAI-compatible servers do (clients send `user`, `logprobs`, … freely).
public struct ChatCompletionRequest: Codable, Sendable, Equatable {
    /// One message of the conversation.
    public struct Message: Codable, Sendable, Equatable {
        /// `system`, `developer` (treated as system), `user` or `assistant`.
        public var role: String
        /// The text, or parts (text and pictures).
        public var content: Content

        /// Creates a message.
        public init(role: String, content: Content) {
            self.role = role
            self.content = content
        }

        enum CodingKeys: String, CodingKey { case role, content }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            // An assistant turn may carry `content: null` (tool calls); it reads as empty text.
            content = try container.decodeIfPresent(Content.self, forKey: .content) ?? .text("")
        }
    }

    /// A message's content: a string, or an array of parts.
    public enum Content: Codable, Sendable, Equatable {
        /// Plain text.
        case text(String)
        /// Text and picture parts, in order.
        case parts([Part])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let parts = try? container.decode([Part].self) {
                self = .parts(parts)
            } else {
                // Decode again for the precise error of a malformed part.
                _ = try container.decode([Part].self)
                throw DecodingError.typeMismatch(Content.self, .init(
                    codingPath: decoder.codingPath, debugDescription: "content must be a string or an array of parts"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .parts(let parts): try container.encode(parts)
            }
        }

        /// The text parts joined by newlines.
        public var text: String {
            switch self {
            case .text(let text): text
            case .parts(let parts): parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
            }
        }

        /// The `image_url` URLs, in order.
        public var imageURLs: [String] {
            guard case .parts(let parts) = self else { return [] }
            return parts.compactMap { if case .imageURL(let url) = $0 { url } else { nil } }
        }
    }

    /// A content part: `{"type":"text","text":…}` or `{"type":"image_url","image_url":{"url":…}}`.
    public enum Part: Codable, Sendable, Equatable {
        /// Text.
        case text(String)
        /// A picture's URL (Chorus's endpoint takes `data:` URLs only).
        case imageURL(String)

        enum CodingKeys: String, CodingKey { case type, text, image_url }
        enum ImageKeys: String, CodingKey { case url }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "text":
                self = .text(try container.decode(String.self, forKey: .text))
            case "image_url":
                let image = try container.nestedContainer(keyedBy: ImageKeys.self, forKey: .image_url)
                self = .imageURL(try image.decode(String.self, forKey: .url))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container, debugDescription: "unsupported content part type '\(type)' (text and image_url are)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .imageURL(let url):
                try container.encode("image_url", forKey: .type)
                var image = container.nestedContainer(keyedBy: ImageKeys.self, forKey: .image_url)
                try image.encode(url, forKey: .url)
            }
        }
    }

    /// `stream_options`.
    public struct StreamOptions: Codable, Sendable, Equatable {
        /// Whether a last chunk carries the usage.
        public var includeUsage: Bool?

        /// Creates stream options.
        public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }

        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    /// The model name (Chorus's endpoint serves one model and accepts any name).
    public var model: String?
    /// The conversation.
    public var messages: [Message]
    /// The longest reply in tokens (legacy name).
    public var maxTokens: Int?
    /// The longest reply in tokens.
    public var maxCompletionTokens: Int?
    /// Sampling temperature, 0…2 (0: greedy).
    public var temperature: Double?
    /// Nucleus sampling mass, (0, 1].
    public var topP: Double?
    /// Sampling seed (a 64-bit pattern: Chorus's unsigned seeds travel as their signed bits).
    public var seed: Int64?
    /// Strings that end the reply (not included in it): a string or up to 4 strings.
    public var stop: [String]?
    /// Replies per request (only 1 is supported).
    public var n: Int?
    /// Whether to answer with Server-Sent Events.
    public var stream: Bool?
    /// Streaming options.
    public var streamOptions: StreamOptions?
    /// The shortest reply in tokens before a stop token counts (vLLM's extension).
    public var minTokens: Int?

    /// Creates a request.
    public init(model: String? = nil, messages: [Message], maxTokens: Int? = nil, temperature: Double? = nil,
                topP: Double? = nil, seed: Int64? = nil, stop: [String]? = nil, stream: Bool? = nil,
                streamOptions: StreamOptions? = nil, minTokens: Int? = nil) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.stream = stream
        self.streamOptions = streamOptions
        self.minTokens = minTokens
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, stop, n, stream
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", topP = "top_p"
        case streamOptions = "stream_options", minTokens = "min_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([Message].self, forKey: .messages)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        maxCompletionTokens = try container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        seed = try container.decodeIfPresent(Int64.self, forKey: .seed)
        if let one = try? container.decodeIfPresent(String.self, forKey: .stop) {
            stop = [one]
        } else {
            stop = try container.decodeIfPresent([String].self, forKey: .stop)
        }
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        minTokens = try container.decodeIfPresent(Int.self, forKey: .minTokens)
    }

    /// The longest reply asked for: `max_completion_tokens`, else `max_tokens`.
    public var replyLimit: Int? { maxCompletionTokens ?? maxTokens }
}
