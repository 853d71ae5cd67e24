import ChorusCore
import MetaWebhook

/// `Reply` → Instagram Send API request: `POST /{ig-account-id}/messages`
/// (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api).
/// Text limit about 1000.
public enum InstagramOutbound {
    /// `{"recipient":{"id":IGSID},"messaging_type":"RESPONSE","message":{"text":…}}` to
    /// `"<ig-account-id>/messages"`.
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
