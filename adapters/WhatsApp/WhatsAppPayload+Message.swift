import ChorusCore
import MetaWebhook

extension WhatsAppPayload {
    /// One `messages[]` element: common fields plus one object named by `type`.
    /// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
    public struct Message: Decodable, Sendable {
        /// The sender's phone number (the group participant's in groups); may be empty.
        public var from: String?
        /// The sender's business-scoped user id, when given.
        public var from_user_id: String?
        /// The message id (`wamid.…`).
        public var id: String?
        /// Unix seconds, as a string.
        public var timestamp: LenientString?
        /// `text`, `image`, `audio`, `video`, `document`, `sticker`, `location`, `contacts`,
        /// `interactive`, `button`, `reaction`, `order`, `system`, `unsupported`, …
        public var type: String?
        /// The group the message was sent in (group messaging).
        public var group_id: String?
        /// The quoted message, forwarding flags, the product asked about.
        public var context: Context?
        /// `text.body`.
        public var text: Text?
        /// Media objects, one set per media type.
        public var image: Media?, audio: Media?, video: Media?, document: Media?, sticker: Media?
        /// A shared location.
        public var location: Location?
        /// Shared contact cards, kept as JSON.
        public var contacts: JSONValue?
        /// A reply to an interactive (button/list/flow) message.
        public var interactive: Interactive?
        /// A template quick-reply button press.
        public var button: Button?
        /// A reaction to a message.
        public var reaction: Reaction?
        /// A catalog order, kept as JSON.
        public var order: JSONValue?
        /// A system notice (number change, user id change).
        public var system: System?
        /// Why the message could not be delivered to us (unsupported types).
        public var errors: [ErrorItem]?
        /// `unsupported.type` (`edit`, …) for unsupported messages.
        public var unsupported: JSONValue?
    }

    /// `context`: the message quoted or the product asked about; forwarding flags.
    public struct Context: Decodable, Sendable {
        /// Who sent the quoted message.
        public var from: String?
        /// The quoted message's `wamid`.
        public var id: String?
        /// Forwarded once.
        public var forwarded: Bool?
        /// Forwarded more than five times.
        public var frequently_forwarded: Bool?
    }

    /// `text`.
    public struct Text: Decodable, Sendable {
        /// The text.
        public var body: String?
    }

    /// `image`, `audio`, `video`, `document` or `sticker`.
    public struct Media: Decodable, Sendable {
        /// The media id (resolve with `GET /{media-id}`).
        public var id: LenientString?
        /// The MIME type.
        public var mime_type: String?
        /// The media's SHA-256 (base64).
        public var sha256: String?
        /// The caption (image, video, document).
        public var caption: String?
        /// The file name (document).
        public var filename: String?
        /// A download URL (needs the access token).
        public var url: String?
    }

    /// `location`.
    public struct Location: Decodable, Sendable {
        /// Coordinates.
        public var latitude: Double?, longitude: Double?
        /// The place's name and address, when the user picked a place.
        public var name: String?, address: String?
        /// The place's website.
        public var url: String?
    }

    /// `interactive`: `button_reply`, `list_reply`, `nfm_reply` (flows), …
    public struct Interactive: Decodable, Sendable {
        /// A button or list row: `id` is ours, `title` what the user saw.
        public struct Reply: Decodable, Sendable {
            /// The id we gave the button or row.
            public var id: String?
            /// The title shown.
            public var title: String?
            /// The row description (lists).
            public var description: String?
        }
        /// A flow's answer.
        public struct FlowReply: Decodable, Sendable {
            /// The flow's response, as JSON text.
            public var response_json: String?
            /// The text shown in the chat.
            public var body: String?
            /// The flow name.
            public var name: String?
        }
        /// Which reply this is.
        public var type: String?
        /// The button pressed.
        public var button_reply: Reply?
        /// The list row chosen.
        public var list_reply: Reply?
        /// The flow answered.
        public var nfm_reply: FlowReply?
    }

    /// `button`: a template's quick-reply button.
    public struct Button: Decodable, Sendable {
        /// The button's text.
        public var text: String?
        /// The button's payload.
        public var payload: String?
    }

    /// `reaction`: `emoji` is absent or empty when the reaction is removed.
    public struct Reaction: Decodable, Sendable {
        /// The message reacted to.
        public var message_id: String?
        /// The emoji.
        public var emoji: String?
    }

    /// `system`.
    public struct System: Decodable, Sendable {
        /// The notice text.
        public var body: String?
        /// `user_changed_number`, `user_changed_user_id`, …
        public var type: String?
        /// The new phone number (number changes).
        public var wa_id: String?
    }
}
