import Foundation

/// How the assistant behaves: its name, when it speaks in groups, its memory and its pace.
public struct AssistantSettings: Sendable {
    /// The bot's name, used to notice it is addressed and in the system prompt.
    public var botName: String = "Chorus"
    /// Other names it answers to.
    public var aliases: [String] = []
    /// WhatsApp groups where it answers every message.
    public var alwaysAnswerGroups: Set<String> = []
    /// The system prompt (`{name}` becomes the bot's name).
    public var systemPrompt: String = PromptBuilder.defaultSystemPrompt
    /// Turns of memory read per prompt (before the token budget trims them).
    public var historyTurns: Int = 40
    /// Prompt tokens per reply: system prompt, memory and the message.
    public var promptTokenBudget: Int = 1536
    /// The longest reply in tokens.
    public var maxReplyTokens: Int = 192
    /// The shortest reply in tokens (stop tokens are ignored before it).
    public var minReplyTokens: Int = 1
    /// Conversations answered together in one engine batch.
    public var batchSize: Int = 8
    /// How long a worker holds an event before another may take it.
    public var leaseDuration: TimeInterval = 120
    /// How long a sender holds an outbox item.
    public var sendLeaseDuration: TimeInterval = 60
    /// Backoff for failed sends.
    public var retrySchedule = RetrySchedule()
    /// Idle wait between empty polls of the queue.
    public var pollInterval: Duration = .milliseconds(50)
    /// Base seed for sampling (each conversation's turn derives its own).
    public var seed: UInt64 = 0x00C0_FFEE

    /// The defaults.
    public init() {}
}
