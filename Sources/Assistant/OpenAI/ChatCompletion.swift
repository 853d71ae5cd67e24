/// A whole answer (`object: "chat.completion"`).
public struct ChatCompletion: Codable, Sendable, Equatable {
    /// One generated reply.
    public struct Choice: Codable, Sendable, Equatable {
        /// The reply as a message.
        public struct Message: Codable, Sendable, Equatable {
            /// Always `assistant`.
            public var role: String
            /// The reply's text (null from some servers when there is none).
            public var content: String?
        }

        /// Its position (0).
        public var index: Int
        /// The reply.
        public var message: Message
        /// `stop` or `length` (others from other servers).
        public var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason", logprobs }

        /// A choice.
        public init(index: Int = 0, content: String, finishReason: String) {
            self.index = index
            message = Message(role: "assistant", content: content)
            self.finishReason = finishReason
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            message = try container.decode(Message.self, forKey: .message)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encodeNil(forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// `chatcmpl-…`.
    public var id: String
    /// `chat.completion`.
    public var object: String
    /// Unix seconds.
    public var created: Int
    /// The model's name.
    public var model: String
    /// The replies (one).
    public var choices: [Choice]
    /// Token counts.
    public var usage: CompletionUsage?

    /// A completion.
    public init(id: String, created: Int, model: String, choices: [Choice], usage: CompletionUsage?) {
        self.id = id
        object = "chat.completion"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}
