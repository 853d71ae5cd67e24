/// Token counts of one completion (`usage`).
public struct CompletionUsage: Codable, Sendable, Equatable {
    /// Tokens of the prompt (image tokens included).
    public var promptTokens: Int
    /// Tokens of the reply.
    public var completionTokens: Int
    /// Their sum.
    public var totalTokens: Int

    /// Usage for `prompt` and `completion` tokens.
    public init(prompt: Int, completion: Int) {
        promptTokens = prompt
        completionTokens = completion
        totalTokens = prompt + completion
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }
}
