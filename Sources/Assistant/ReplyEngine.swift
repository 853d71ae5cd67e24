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
    /// Replaces the engine's sampling temperature (0: greedy); nil keeps the engine's.
    public var temperature: Float?
    /// Replaces the engine's top-p; nil keeps the engine's.
    public var topP: Float?
    /// Whether a prompt longer than the context keeps only its end (the assistant's choice);
    /// false throws `GenerationError.contextExceeded` instead (the OpenAI endpoint's).
    public var truncatesPrompt = true

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

/// A request the engine refuses before generating.
public enum GenerationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The prompt and the longest reply do not fit the context.
    case contextExceeded(prompt: Int, reply: Int, context: Int)

    public var description: String {
        switch self {
        case .contextExceeded(let prompt, let reply, let context):
            "the prompt (\(prompt) tokens) plus max_tokens (\(reply)) exceeds the context length (\(context) tokens)"
        }
    }
}

/// What a streamed generation reports, in order: started, text pieces, finished.
public enum GenerationEvent: Sendable, Equatable {
    /// Why a reply ended.
    public enum Finish: String, Sendable {
        /// The model's stop token.
        case stop
        /// The reply reached its `maxTokens`.
        case length
    }

    /// The prompt was read (its length in positions, image tokens included).
    case started(promptTokens: Int)
    /// New text: whole UTF-8 characters only, from `tokens` new tokens (a character split across
    /// tokens arrives with the token that completes it).
    case text(String, tokens: Int)
    /// The reply ended after `completionTokens` tokens.
    case finished(Finish, completionTokens: Int)
}
