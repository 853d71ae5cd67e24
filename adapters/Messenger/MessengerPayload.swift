import ChorusCore
import MetaWebhook

/// Messenger's webhook wire types: `object: "page"`, `entry[].messaging[]` (or `standby[]`).
/// Messenger shares this format with Instagram, so the types live in `MetaWebhook`'s
/// `MessagingPayload`; these names say which platform a caller means.
/// https://developers.facebook.com/docs/messenger-platform/reference/webhook-events
public enum MessengerPayload {
    /// One `entry[]` element: `id` is the page id, `time` ms.
    public typealias Entry = MessagingPayload.Entry
    /// One `messaging[]` item: `sender` PSID, `recipient` page id, `timestamp` ms.
    public typealias Item = MessagingPayload.Item
    /// `message`, with `mid`, `text`, `attachments`, `quick_reply`, `reply_to`, `is_echo`.
    public typealias Message = MessagingPayload.Message

    /// The `object` of Messenger webhooks.
    public static let object = Platform.messenger.webhookObject
}
