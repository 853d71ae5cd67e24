import ChorusCore

/// Renders Send API requests for the format Messenger and Instagram share:
/// `POST /{page-or-ig-id}/messages` with `recipient`, `messaging_type` and `message`, or with
/// `sender_action` (https://developers.facebook.com/docs/messenger-platform/reference/send-api,
/// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api).
public enum MessagingOutbound {
    /// A `sender_action`: https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions
    public enum SenderAction: String, Sendable, CaseIterable {
        /// Mark the conversation's last message as seen.
        case markSeen = "mark_seen"
        /// Show the typing bubble (about 20 s, or until the next message).
        case typingOn = "typing_on"
        /// Hide the typing bubble.
        case typingOff = "typing_off"
    }

    /// A text reply: `messaging_type: RESPONSE` (an answer inside the 24-hour window).
    /// `reply.quoting` is not sent: these Send APIs have no quote parameter we rely on.
    public static func render(_ reply: Reply) -> SendRequest {
        SendRequest.json(path: "\(reply.conversation.account)/messages",
                         TextBody(recipient: .init(id: reply.conversation.id),
                                  messaging_type: "RESPONSE", message: .init(text: reply.text)))
    }

    /// A sender action in `conversation`.
    public static func senderAction(_ action: SenderAction, in conversation: ConversationRef) -> SendRequest {
        SendRequest.json(path: "\(conversation.account)/messages",
                         ActionBody(recipient: .init(id: conversation.id), sender_action: action.rawValue))
    }

    private struct Recipient: Encodable { var id: String }
    private struct Text: Encodable { var text: String }
    private struct TextBody: Encodable { var recipient: Recipient; var messaging_type: String; var message: Text }
    private struct ActionBody: Encodable { var recipient: Recipient; var sender_action: String }
}
