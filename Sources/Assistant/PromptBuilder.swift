import Queue

/// Builds a prompt from the system prompt and a conversation's memory, within a token budget:
/// the system prompt and the message being answered always stay; the oldest turns go first.
public struct PromptBuilder: Sendable {
    /// The system prompt (`{name}` is replaced by the bot's name).
    public var systemPrompt: String
    /// The bot's name.
    public var botName: String
    /// The most prompt tokens to spend on system prompt plus history plus message.
    public var tokenBudget: Int

    /// The default system prompt.
    public static let defaultSystemPrompt =
        "You are {name}, a friendly assistant chatting on a messaging app. Answer briefly, in the language the person writes in."

    /// Creates a builder.
    public init(systemPrompt: String = PromptBuilder.defaultSystemPrompt, botName: String, tokenBudget: Int) {
        self.systemPrompt = systemPrompt
        self.botName = botName
        self.tokenBudget = tokenBudget
    }

    /// The turns for a reply to the last entry of `history` (which must be the message answered).
    /// In groups, user turns carry the speaker's name so the model can tell people apart.
    public func turns(history: [HistoryEntry], isGroup: Bool, note: String? = nil, count: (String) -> Int) -> [ChatTurn] {
        var system = systemPrompt.replacingOccurrences(of: "{name}", with: botName)
        if isGroup { system += " This is a group chat; each message starts with the speaker's name." }
        if let note { system += " " + note }
        let systemTurn = ChatTurn(role: .system, text: system)
        var remaining = tokenBudget - count(system)
        var kept: [ChatTurn] = []
        for (index, entry) in history.enumerated().reversed() {
            let turn = Self.turn(entry, isGroup: isGroup)
            let cost = count(turn.text) + 4  // role markers
            if cost > remaining, index != history.count - 1 { break }
            remaining -= cost
            kept.append(turn)
        }
        // A conversation must not open with the bot speaking; templates expect a user turn first.
        while kept.last?.role == .assistant { kept.removeLast() }
        // Consecutive turns of one role (group chatter between answers) become one turn.
        var merged: [ChatTurn] = []
        for turn in kept.reversed() {
            if let last = merged.last, last.role == turn.role {
                merged[merged.count - 1].text += "\n" + turn.text
            } else {
                merged.append(turn)
            }
        }
        return [systemTurn] + merged
    }

    static func turn(_ entry: HistoryEntry, isGroup: Bool) -> ChatTurn {
        switch entry.role {
        case .assistant: ChatTurn(role: .assistant, text: entry.text)
        case .user: ChatTurn(role: .user, text: isGroup ? "\(entry.speakerName ?? entry.speakerID): \(entry.text)" : entry.text)
        }
    }
}
