import ChorusCore
import Foundation
import MetaWebhook

/// Instagram webhook body → `[InboundEvent]`. Instagram messaging is one-to-one: the
/// conversation is the user's IGSID on the professional account (`entry.id`); echoes
/// (`is_echo`) are kept as `.echo`.
public enum InstagramInbound: InboundDecoder {
    /// Instagram.
    public static var platform: Platform { .instagram }

    /// Every event in `body` (`object: "instagram"`); see `MessagingDecoder` for the mapping.
    public static func decode(_ body: Data) throws(WebhookDecodeError) -> [InboundEvent] {
        try MessagingDecoder.decode(body, platform: platform)
    }
}
