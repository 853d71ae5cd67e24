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

/// A picture for the model to look at (only ever built when the language gate opened).
public struct ImageInput: Sendable, Hashable {
    /// A stable key for the embedding cache: the media's sha256.
    public var key: String
    /// The JPEG or PNG bytes.
    public var data: [UInt8]

    /// Creates an image input.
    public init(key: String, data: [UInt8]) {
        self.key = key
        self.data = data
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
    /// Pictures attached to the last user turn.
    public var images: [ImageInput]
    /// Stop tokens are ignored until the reply has this many tokens (at least 1: never empty).
    public var minTokens: Int = 1

    /// Creates a request.
    public init(conversationKey: String, turns: [ChatTurn], maxTokens: Int, seed: UInt64, images: [ImageInput] = []) {
        self.conversationKey = conversationKey
        self.turns = turns
        self.maxTokens = maxTokens
        self.seed = seed
        self.images = images
    }
}

/// The model behind the assistant: the in-process MoE engine, or an OpenAI-compatible server.
public protocol ReplyEngine: Sendable {
    /// Generates one reply per request; implementations batch them (many conversations at once).
    func generate(_ requests: [GenerationRequest]) async throws -> [String]
    /// The number of tokens `text` costs in a prompt (for the history budget).
    func tokenCount(_ text: String) -> Int
    /// Whether the engine can look at pictures (a vision encoder is loaded).
    var seesImages: Bool { get }
}

extension ReplyEngine {
    /// Engines see no pictures unless they say so.
    public var seesImages: Bool { false }
}
