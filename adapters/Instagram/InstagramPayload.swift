import ChorusCore
import MetaWebhook

/// Instagram's webhook wire types: `object: "instagram"`, `entry[].messaging[]` (or `standby[]`).
/// Instagram messaging shares Messenger's format, so the types live in `MetaWebhook`'s
/// `MessagingPayload`; these names say which platform a caller means. Instagram adds
/// `reply_to.story` (story replies), `story_mention`/`ig_reel`/`share` attachments, `read.mid`
/// and `is_deleted`/`is_unsupported`.
/// https://developers.facebook.com/docs/instagram-platform/webhooks/examples
public enum InstagramPayload {
    /// One `entry[]` element: `id` is the Instagram professional account id, `time` ms.
    public typealias Entry = MessagingPayload.Entry
    /// One `messaging[]` item: `sender` IGSID, `recipient` account id, `timestamp` ms.
    public typealias Item = MessagingPayload.Item
    /// `message`, with `mid`, `text`, `attachments`, `quick_reply`, `reply_to`, `is_echo`.
    public typealias Message = MessagingPayload.Message

    /// The `object` of Instagram webhooks.
    public static let object = Platform.instagram.webhookObject
}
