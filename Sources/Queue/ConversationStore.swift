import ChorusCore
import Foundation

/// One remembered turn of a conversation.
public struct HistoryEntry: Sendable, Codable, Hashable {
    /// Who spoke.
    public enum Role: String, Sendable, Codable, Hashable {
        /// A person in the conversation.
        case user
        /// The bot.
        case assistant
    }

    /// The conversation's stable key.
    public var conversationKey: String
    /// Who spoke.
    public var role: Role
    /// The speaker's platform id (the bot's account for assistant turns).
    public var speakerID: String
    /// The speaker's display name, when known.
    public var speakerName: String?
    /// What was said.
    public var text: String
    /// The platform message id (for assistant turns: filled once sent).
    public var messageID: String?
    /// When, in milliseconds since 1970.
    public var timestamp: Int64

    /// Creates an entry.
    public init(conversationKey: String, role: Role, speakerID: String, speakerName: String?, text: String,
                messageID: String?, timestamp: Int64) {
        self.conversationKey = conversationKey
        self.role = role
        self.speakerID = speakerID
        self.speakerName = speakerName
        self.text = text
        self.messageID = messageID
        self.timestamp = timestamp
    }
}

/// A Send API call waiting in (or done from) the outbox.
public struct OutboxItem: Sendable, Hashable, Identifiable {
    /// What the call does.
    public enum Kind: String, Sendable, Codable, Hashable {
        /// A text reply.
        case text
        /// A read receipt.
        case read
        /// A typing indicator.
        case typing
    }

    /// Where the item stands.
    public enum State: String, Sendable, Codable, Hashable {
        /// Waiting to be sent (or to be retried at `availableAt`).
        case pending
        /// Being sent by `owner` until the lease expires.
        case sending
        /// Accepted by the platform.
        case sent
        /// Failed permanently (dead letter), with `lastError`.
        case dead
    }

    /// The row id.
    public var id: Int64
    /// The event it answers.
    public var eventID: Int64
    /// The conversation's key (sends of one conversation go out in id order).
    public var conversationKey: String
    /// The platform to send on.
    public var platform: Platform
    /// What it does.
    public var kind: Kind
    /// The Graph path after the version (`<id>/messages`).
    public var path: String
    /// The JSON body.
    public var body: Data
    /// Where it stands.
    public var state: State
    /// Attempts so far.
    public var attempts: Int
    /// The last failure.
    public var lastError: String?
    /// The platform's id of the sent message.
    public var sentMessageID: String?

    /// Creates an item (as a store reads it back).
    public init(id: Int64, eventID: Int64, conversationKey: String, platform: Platform, kind: Kind, path: String, body: Data,
                state: State, attempts: Int, lastError: String?, sentMessageID: String?) {
        self.id = id
        self.eventID = eventID
        self.conversationKey = conversationKey
        self.platform = platform
        self.kind = kind
        self.path = path
        self.body = body
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.sentMessageID = sentMessageID
    }
}

/// A send to write with the event that caused it.
public struct OutboxDraft: Sendable, Hashable {
    /// The platform to send on.
    public var platform: Platform
    /// What it does.
    public var kind: OutboxItem.Kind
    /// The Graph path after the version.
    public var path: String
    /// The JSON body.
    public var body: Data

    /// Creates a draft.
    public init(platform: Platform, kind: OutboxItem.Kind, path: String, body: Data) {
        self.platform = platform
        self.kind = kind
        self.path = path
        self.body = body
    }
}

/// A conversation as operators see it.
public struct ConversationSummary: Sendable, Codable, Hashable {
    /// Its key.
    public var key: String
    /// Turns remembered.
    public var turns: Int
    /// The last turn's time (ms).
    public var lastTimestamp: Int64
    /// The conversation's language state (JSON), when the gate stored one.
    public var language: String?

    /// Creates a summary.
    public init(key: String, turns: Int, lastTimestamp: Int64, language: String?) {
        self.key = key
        self.turns = turns
        self.lastTimestamp = lastTimestamp
        self.language = language
    }
}

/// Per-conversation memory and the outbox: what the assistant reads before answering and writes
/// when it has answered.
public protocol ConversationStore: Sendable {
    /// The last `limit` turns of a conversation, oldest first.
    func history(conversation: String, limit: Int) async throws -> [HistoryEntry]
    /// Whether `messageID` is a message the bot sent in this conversation (for quote-replies).
    func isBotMessage(conversation: String, messageID: String) async throws -> Bool
    /// Finishes a leased event in one transaction: the event becomes done, `history` is appended,
    /// `sends` enter the outbox, and `note` is stored with the event. A crash before it commits
    /// leaves the event leased (retried); after it, the reply is never generated again.
    /// `language`, when given, becomes the conversation's stored language state in the same transaction.
    func finish(eventID: Int64, owner: String, note: String, history: [HistoryEntry], sends: [OutboxDraft],
                language: String?, now: Date) async throws
    /// Leases up to `limit` pending sends, at most one per conversation and the oldest of each.
    func leaseSends(owner: String, now: Date, duration: TimeInterval, limit: Int) async throws -> [OutboxItem]
    /// Records a successful send; its message id is remembered as the bot's.
    func markSent(id: Int64, messageID: String?, now: Date) async throws
    /// Records a failed send: pending again at `retryAt`, or dead (with the reason) when nil.
    func markSendFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws
    /// Conversations with memory, most recent first.
    func conversations(limit: Int) async throws -> [ConversationSummary]
    /// Forgets a conversation's history and language; returns the turns deleted.
    func forget(conversation: String) async throws -> Int
    /// The conversation's stored language state (JSON), if any.
    func languageState(conversation: String) async throws -> String?
    /// Stores the conversation's language state (JSON).
    func setLanguageState(conversation: String, state: String, now: Date) async throws
    /// Outbox items of an event (operators).
    func sends(eventID: Int64) async throws -> [OutboxItem]
    /// Dead sends back to pending (operators: `chorus queue retry`); returns how many.
    func retrySends(eventID: Int64, now: Date) async throws -> Int
}
