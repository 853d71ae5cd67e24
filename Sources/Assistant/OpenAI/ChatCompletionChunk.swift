/// One Server-Sent Event of a streamed answer (`object: "chat.completion.chunk"`).
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    /// What a chunk adds to a reply.
    public struct Choice: Codable, Sendable, Equatable {
        /// The new part of the message.
        public struct Delta: Codable, Sendable, Equatable {
            /// `assistant` in the first chunk.
            public var role: String?
            /// New text.
            public var content: String?

            /// A delta.
            public init(role: String? = nil, content: String? = nil) {
                self.role = role
                self.content = content
            }
        }

        /// Its position (0).
        public var index: Int
        /// The new part.
        public var delta: Delta
        /// Set in the last chunk of the reply.
        public var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason", logprobs }

        /// A choice.
        public init(index: Int = 0, delta: Delta, finishReason: String? = nil) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            delta = try container.decodeIfPresent(Delta.self, forKey: .delta) ?? Delta()
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encodeNil(forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// The same `chatcmpl-…` in every chunk of an answer.
    public var id: String
    /// `chat.completion.chunk`.
    public var object: String
    /// Unix seconds.
    public var created: Int
    /// The model's name.
    public var model: String
    /// The new parts (empty in the usage chunk).
    public var choices: [Choice]
    /// Only in the last chunk, when `stream_options.include_usage` asked for it.
    public var usage: CompletionUsage?
    /// Whether `usage` is written as `null` when absent (`include_usage` chunks do).
    var writesNullUsage = false

    /// A chunk.
    public init(id: String, created: Int, model: String, choices: [Choice], usage: CompletionUsage? = nil, writesNullUsage: Bool = false) {
        self.id = id
        object = "chat.completion.chunk"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.writesNullUsage = writesNullUsage
    }

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        object = try container.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion.chunk"
        created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? ""
        choices = try container.decodeIfPresent([Choice].self, forKey: .choices) ?? []
        usage = try container.decodeIfPresent(CompletionUsage.self, forKey: .usage)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if let usage { try container.encode(usage, forKey: .usage) } else if writesNullUsage { try container.encodeNil(forKey: .usage) }
    }
}
