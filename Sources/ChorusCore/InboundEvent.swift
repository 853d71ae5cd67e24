/// One normalized webhook item: a message, a postback, a reaction, a receipt, a status, an error,
/// or something we do not know yet. Every platform decodes into this; nothing platform-specific
/// crosses the adapters except `raw`.
public struct InboundEvent: Codable, Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// A user's message (text, media, location, contacts, quick reply, button or list reply).
        case message
        /// A button press (Messenger/Instagram postback).
        case postback
        /// A reaction added or removed.
        case reaction
        /// The user read the business's messages.
        case read
        /// Messages were delivered to the user.
        case delivery
        /// A WhatsApp message status (sent, delivered, read, failed, …).
        case status
        /// A referral (ad, m.me link, …).
        case referral
        /// A message the business itself sent, echoed back. Kept, never answered.
        case echo
        /// A user deleted (unsent) a message.
        case deleted
        /// A value-level error reported by the platform.
        case error
        /// A system notice (WhatsApp number change, group membership, …).
        case system
        /// Something we do not decode yet: kept with its raw JSON, never dropped.
        case unsupported
    }

    /// The platform the event came from.
    public var platform: Platform
    /// What happened.
    public var kind: Kind
    /// The conversation it belongs to.
    public var conversation: ConversationRef
    /// Who did it (for echoes and statuses: the business or the recipient, as the platform says).
    public var sender: Participant?
    /// The platform's message id (`mid`, `wamid`), or the id the event refers to.
    public var messageID: String?
    /// When it happened, in milliseconds since 1970 (WhatsApp's seconds are scaled).
    public var timestamp: Int64
    /// The text the user wrote (or a caption, or a button's title).
    public var text: String?
    /// Media and structured content.
    public var attachments: [Attachment]
    /// The message this one replies to or quotes (`reply_to.mid`, WhatsApp `context.id`).
    public var replyTo: String?
    /// A machine payload: postback/quick-reply/button payload, referral ref, interactive reply id.
    public var payload: String?
    /// A reaction's emoji (empty when removed), a status value, an error code, or a system notice type.
    public var detail: String?
    /// Whether the message was forwarded (WhatsApp `context.forwarded`).
    public var forwarded: Bool
    /// The key that makes redeliveries of this event one event (`mid`, `wamid`, status `id`+`status`).
    public var dedupKey: String
    /// The raw webhook item this event was decoded from, as JSON text.
    public var raw: String

    /// Creates an event.
    public init(platform: Platform, kind: Kind, conversation: ConversationRef, sender: Participant?,
                messageID: String?, timestamp: Int64, text: String? = nil, attachments: [Attachment] = [],
                replyTo: String? = nil, payload: String? = nil, detail: String? = nil, forwarded: Bool = false,
                dedupKey: String, raw: String) {
        self.platform = platform
        self.kind = kind
        self.conversation = conversation
        self.sender = sender
        self.messageID = messageID
        self.timestamp = timestamp
        self.text = text
        self.attachments = attachments
        self.replyTo = replyTo
        self.payload = payload
        self.detail = detail
        self.forwarded = forwarded
        self.dedupKey = dedupKey
        self.raw = raw
    }
}
