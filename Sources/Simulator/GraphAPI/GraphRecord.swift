import ChorusCore
import Foundation

/// One request the bot made to the fake Graph API, as recorded for tests and people.
public struct GraphRecord: Sendable, Codable, Hashable {
    /// What the request asked for.
    public enum Kind: String, Sendable, Codable, Hashable {
        /// A text message.
        case text
        /// Another message type (image, template, …).
        case otherMessage = "other_message"
        /// A read receipt (WhatsApp `status: read`, Messenger `mark_seen`).
        case read
        /// A typing indicator.
        case typing
        /// A media lookup or download.
        case media
        /// Anything else.
        case other
    }

    /// Arrival order, from 1.
    public var sequence: Int
    /// The platform of the account addressed.
    public var platform: Platform?
    /// The account in the path (page, IG account or phone number id).
    public var account: String
    /// What was asked.
    public var kind: Kind
    /// The recipient: user id or group id.
    public var to: String?
    /// Whether it went to a WhatsApp group.
    public var isGroup: Bool
    /// The text sent.
    public var text: String?
    /// The quoted message (`context.message_id`), or the message marked read.
    public var messageID: String?
    /// The HTTP status the fake answered with.
    public var status: Int
    /// The Graph error code answered, if any.
    public var errorCode: Int?
    /// The id the fake gave the sent message (`wamid.…`, `m_…`).
    public var sentID: String?
    /// When it arrived.
    public var at: Date

    /// Whether this is a text message that was accepted (2xx): what a user would see.
    public var isDeliveredText: Bool { kind == .text && (200..<300).contains(status) }
}
