import ChorusCore

/// The wire types Messenger (`object: page`) and Instagram (`object: instagram`) share: each
/// `entry[]` carries `messaging[]` (or `standby[]` under the handover protocol) of items with
/// `sender`, `recipient`, `timestamp` (ms) and one event field.
/// https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
/// https://developers.facebook.com/docs/instagram-platform/webhooks/examples
public enum MessagingPayload {
    /// One `entry[]` element: the page or Instagram account and its items.
    public struct Entry: Decodable, Sendable {
        /// The page id (Messenger) or Instagram professional account id.
        public var id: LenientString?
        /// When Meta sent the batch, in ms.
        public var time: LenientInt?
        /// The events for the app that owns the conversation.
        public var messaging: [WebhookItem<Item>]?
        /// The events for an app on standby (handover protocol): same shape.
        public var standby: [WebhookItem<Item>]?
        /// Page/account field changes (feed, comments, mentions): kept as unsupported.
        public var changes: [WebhookItem<JSONValue>]?
    }

    /// A `sender` or `recipient`.
    public struct Party: Decodable, Sendable, Hashable {
        /// PSID, IGSID, page id or Instagram account id.
        public var id: LenientString?
    }

    /// One `messaging[]` item: exactly one of its event fields is set.
    public struct Item: Decodable, Sendable {
        /// Who acted (the user; for echoes, the page).
        public var sender: Party?
        /// Who was acted upon (the page; for echoes, the user).
        public var recipient: Party?
        /// When, in ms.
        public var timestamp: LenientInt?
        /// A message, echo, deletion or unsupported message.
        public var message: Message?
        /// A button press.
        public var postback: Postback?
        /// A reaction added or removed.
        public var reaction: Reaction?
        /// A read receipt (Messenger `watermark`, Instagram `mid`).
        public var read: Read?
        /// A delivery receipt (Messenger).
        public var delivery: Delivery?
        /// A referral (m.me / ig.me link, ad, …).
        public var referral: Referral?
    }

    /// `message`: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
    public struct Message: Decodable, Sendable {
        /// The message id.
        public var mid: String?
        /// The text, when any.
        public var text: String?
        /// Attachments of every type.
        public var attachments: [Attachment]?
        /// The quick reply the user tapped.
        public var quick_reply: QuickReply?
        /// The message this one replies to (`mid`) or the story it answers (Instagram `story`).
        public var reply_to: ReplyTo?
        /// The page's own message, echoed back.
        public var is_echo: Bool?
        /// The user unsent this message (Instagram, Messenger).
        public var is_deleted: Bool?
        /// A message type the platform does not deliver through the API (Instagram).
        public var is_unsupported: Bool?
        /// The app that sent an echo.
        public var app_id: LenientString?
        /// The developer metadata of an echo.
        public var metadata: String?
    }

    /// `message.quick_reply`.
    public struct QuickReply: Decodable, Sendable { public var payload: String? }

    /// `message.reply_to`: a message (`mid`) or, on Instagram, a story (`story.url`, `story.id`).
    public struct ReplyTo: Decodable, Sendable {
        /// The message replied to.
        public var mid: String?
        /// The story replied to (Instagram story replies).
        public var story: Story?
    }

    /// `message.reply_to.story`.
    public struct Story: Decodable, Sendable {
        /// The story's CDN URL.
        public var url: String?
        /// The story's id.
        public var id: LenientString?
    }

    /// One `message.attachments[]` element. Read leniently: `payload` shapes vary by `type`
    /// (`url`, `title`, `sticker_id`, `coordinates`, template `elements`, …).
    public struct Attachment: Decodable, Sendable {
        /// `image`, `audio`, `video`, `file`, `fallback`, `template`, `share`, `story_mention`,
        /// `reel`, `ig_reel`, `location`, `sticker`, …
        public var type: String?
        /// The type-specific payload.
        public var payload: JSONValue?

        /// Decodes without ever failing the message on an odd attachment.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            type = try? c.decodeIfPresent(String.self, forKey: .type)
            payload = try? c.decodeIfPresent(JSONValue.self, forKey: .payload)
        }

        private enum Keys: String, CodingKey { case type, payload }
    }

    /// `postback`: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messaging_postbacks
    public struct Postback: Decodable, Sendable {
        /// The message id of the postback, when given.
        public var mid: String?
        /// The button's title.
        public var title: String?
        /// The button's payload.
        public var payload: String?
        /// A referral that came with the postback (Get Started from a link).
        public var referral: Referral?
    }

    /// `reaction`: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-reactions
    public struct Reaction: Decodable, Sendable {
        /// The message reacted to.
        public var mid: String?
        /// `react` or `unreact`.
        public var action: String?
        /// The emoji (absent on `unreact`).
        public var emoji: String?
        /// The reaction's name (`love`, `smile`, …).
        public var reaction: String?
    }

    /// `read`: Messenger `watermark` (all messages up to it), Instagram `mid` (that message).
    public struct Read: Decodable, Sendable {
        /// Everything sent before this ms timestamp was read (Messenger).
        public var watermark: LenientInt?
        /// The message seen (Instagram).
        public var mid: String?
    }

    /// `delivery`: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
    public struct Delivery: Decodable, Sendable {
        /// The messages delivered (may be absent).
        public var mids: [String]?
        /// Everything sent before this ms timestamp was delivered.
        public var watermark: LenientInt?
    }

    /// `referral`: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messaging_referrals
    public struct Referral: Decodable, Sendable {
        /// The `ref` parameter of the link or ad.
        public var ref: String?
        /// `SHORTLINK`, `ADS`, `MESSENGER_CODE`, …
        public var source: String?
        /// `OPEN_THREAD`, …
        public var type: String?
    }
}
