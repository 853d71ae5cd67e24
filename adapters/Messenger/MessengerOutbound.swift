import ChorusCore
import MetaWebhook

/// `Reply` → Messenger Send API request: `POST /{page-id}/messages`
/// (https://developers.facebook.com/docs/messenger-platform/reference/send-api). Text limit 2000.
public enum MessengerOutbound {
    /// `{"recipient":{"id":PSID},"messaging_type":"RESPONSE","message":{"text":…}}` to
    /// `"<page-id>/messages"`.
    public static func render(_ reply: Reply) -> SendRequest {
        MessagingOutbound.render(reply)
    }

    /// `sender_action: mark_seen` for the conversation `event` belongs to.
    public static func markRead(_ event: InboundEvent) -> SendRequest? {
        MessagingOutbound.senderAction(.markSeen, in: event.conversation)
    }

    /// `sender_action: typing_on` for the conversation `event` belongs to.
    public static func typing(_ event: InboundEvent) -> SendRequest? {
        MessagingOutbound.senderAction(.typingOn, in: event.conversation)
    }

    /// Any sender action (`mark_seen`, `typing_on`, `typing_off`) in `conversation`.
    public static func senderAction(_ action: MessagingOutbound.SenderAction, in conversation: ConversationRef) -> SendRequest {
        MessagingOutbound.senderAction(action, in: conversation)
    }
}
