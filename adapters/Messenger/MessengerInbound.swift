import ChorusCore
import Foundation
import MetaWebhook

/// Messenger webhook body → `[InboundEvent]`. Messenger is one-to-one: the conversation is the
/// user's PSID on the page (`entry.id`); echoes (`is_echo`) are kept as `.echo`.
public enum MessengerInbound: InboundDecoder {
    /// Messenger.
    public static var platform: Platform { .messenger }

    /// Every event in `body` (`object: "page"`); see `MessagingDecoder` for the mapping.
    public static func decode(_ body: Data) throws(WebhookDecodeError) -> [InboundEvent] {
        try MessagingDecoder.decode(body, platform: platform)
    }
}
