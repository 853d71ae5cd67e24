/// Something the bot sends into a conversation through the platform's Send API.
public struct Reply: Codable, Sendable, Hashable {
    /// The conversation to send into.
    public var conversation: ConversationRef
    /// The text to send (already split to the platform's limit).
    public var text: String
    /// The message this reply quotes (WhatsApp `context.message_id`).
    public var quoting: String?

    /// Creates a reply.
    public init(conversation: ConversationRef, text: String, quoting: String? = nil) {
        self.conversation = conversation
        self.text = text
        self.quoting = quoting
    }
}
