import ChorusCore
import MetaWebhook

/// `Reply` → WhatsApp Cloud API request: `POST /{phone_number_id}/messages`
/// (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages).
/// Text limit 4096.
public enum WhatsAppOutbound {
    /// A text message: `messaging_product: whatsapp`, `type: text`, `text.body`; to a group with
    /// `recipient_type: group` and `to: <group_id>`; quoting with `context.message_id`.
    ///
    /// A direct recipient whose id is a phone number goes in `to`; a business-scoped user id
    /// (anything else, e.g. `user.…`) goes in `recipient`, as Meta's business-scoped user id guide
    /// describes for users whose number is hidden.
    public static func render(_ reply: Reply) -> SendRequest {
        let conversation = reply.conversation
        let isPhone = !conversation.id.isEmpty && conversation.id.allSatisfy { $0.isASCII && $0.isNumber }
        let body = TextBody(
            recipient_type: conversation.isGroup ? "group" : "individual",
            to: conversation.isGroup || isPhone ? conversation.id : nil,
            recipient: conversation.isGroup || isPhone ? nil : conversation.id,
            text: .init(body: reply.text),
            context: reply.quoting.map { .init(message_id: $0) })
        return SendRequest.json(path: "\(conversation.account)/messages", body)
    }

    /// Marks `messageID` read (blue ticks): `{"messaging_product":"whatsapp","status":"read",
    /// "message_id":…}`, with `typing_indicator: {"type":"text"}` when `typing`
    /// (https://developers.facebook.com/documentation/business-messaging/whatsapp/typing-indicators).
    public static func markRead(messageID: String, account: String, typing: Bool = false) -> SendRequest {
        SendRequest.json(path: "\(account)/messages",
                         ReadBody(message_id: messageID, typing_indicator: typing ? .init(type: "text") : nil))
    }

    /// Marks `event`'s message read; nil in groups (WhatsApp has no read receipts there) or when
    /// the event has no message id.
    public static func markRead(_ event: InboundEvent) -> SendRequest? {
        guard !event.conversation.isGroup, let id = event.messageID, !id.isEmpty else { return nil }
        return markRead(messageID: id, account: event.conversation.account)
    }

    /// Marks `event`'s message read and shows the typing indicator (up to 25 s or until the
    /// reply); nil in groups or without a message id.
    public static func typing(_ event: InboundEvent) -> SendRequest? {
        guard !event.conversation.isGroup, let id = event.messageID, !id.isEmpty else { return nil }
        return markRead(messageID: id, account: event.conversation.account, typing: true)
    }

    private struct TextBody: Encodable {
        struct Text: Encodable { var body: String }
        struct Context: Encodable { var message_id: String }
        var messaging_product = "whatsapp"
        var recipient_type: String
        var to: String?
        var recipient: String?
        var type = "text"
        var text: Text
        var context: Context?
    }

    private struct ReadBody: Encodable {
        struct Typing: Encodable { var type: String }
        var messaging_product = "whatsapp"
        var status = "read"
        var message_id: String
        var typing_indicator: Typing?
    }
}
