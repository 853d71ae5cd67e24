/// One turn of a prompt, platform-free.
public struct ChatTurn: Sendable, Hashable {
    /// Who speaks.
    public enum Role: String, Sendable, Hashable {
        case system, user, assistant
    }

    /// Who speaks.
    public var role: Role
    /// What is said.
    public var text: String

    /// Creates a turn.
    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }
}

/// One reply to generate.
public struct GenerationRequest: Sendable, Hashable {
    /// The conversation it answers (for logs and per-conversation seeds).
    public var conversationKey: String
    /// The prompt: system turn, remembered turns, the message to answer.
    public var turns: [ChatTurn]
    /// The longest reply, in tokens.
    public var maxTokens: Int
    /// The sampling seed (replies are reproducible for a seed).
    public var seed: UInt64

    /// Creates a request.
    public init(conversationKey: String, turns: [ChatTurn], maxTokens: Int, seed: UInt64) {
        self.conversationKey = conversationKey
        self.turns = turns
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

/// The model behind the assistant: the in-process MoE engine, or an OpenAI-compatible server.
public protocol ReplyEngine: Sendable {
    /// Generates one reply per request; implementations batch them (many conversations at once).
    func generate(_ requests: [GenerationRequest]) async throws -> [String]
    /// The number of tokens `text` costs in a prompt (for the history budget).
    func tokenCount(_ text: String) -> Int
}
