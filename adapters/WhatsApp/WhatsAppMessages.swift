import ChorusCore
import MetaWebhook

/// Maps one WhatsApp `messages[]` item to an `InboundEvent`, type by type.
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
enum WhatsAppMessages {
    static let platform = Platform.whatsapp

    /// The event for `item`: `.message` (text, media, location, contacts, interactive and button
    /// replies, orders), `.reaction`, `.system`, or `.unsupported` (keyed by its `wamid` when it
    /// has one, so redeliveries still collapse).
    static func event(for item: WebhookItem<WhatsAppPayload.Message>, account: String,
                      directory: WhatsAppDirectory) -> InboundEvent {
        let raw = item.rawText
        guard let m = item.wire else {
            return UnsupportedEvent.make(platform: platform, account: account, raw: item.raw,
                                         reason: "message: \(item.problem ?? "undecodable")",
                                         conversation: groupConversation(item.raw["group_id"]?.stringValue, account: account))
        }
        let sender = directory.participant(phone: m.from, userID: m.from_user_id)
        let groupID = nonEmpty(m.group_id)
        guard let conversationID = groupID ?? sender?.id else {
            return UnsupportedEvent.make(platform: platform, account: account, raw: item.raw,
                                         reason: "message without sender", messageID: m.id)
        }
        let conversation = ConversationRef(platform: platform, account: account,
                                           kind: groupID == nil ? .direct : .group, id: conversationID)
        let dedupKey = nonEmpty(m.id).map { DedupKey.make(platform, account: account, "wamid", $0) }
            ?? DedupKey.hashed(platform, account: account, raw: raw)
        var event = InboundEvent(
            platform: platform, kind: .message, conversation: conversation, sender: sender, messageID: m.id,
            timestamp: milliseconds(m.timestamp), replyTo: m.context?.id,
            forwarded: m.context?.forwarded == true || m.context?.frequently_forwarded == true,
            dedupKey: dedupKey, raw: raw)

        switch m.type {
        case "text":
            event.text = m.text?.body
        case "image", "audio", "video", "document", "sticker":
            if let media = media(of: m) {
                event.text = media.caption
                event.attachments = [attachment(media, type: m.type ?? "")]
            } else {
                unsupported(&event, "\(m.type ?? "media") message without its media object", m)
            }
        case "location":
            let location = m.location
            event.attachments = [Attachment(kind: .location, url: location?.url, caption: location?.address,
                                            title: location?.name ?? location?.address,
                                            detail: item.raw["location"]?.jsonText)]
        case "contacts":
            let names = m.contacts.flatMap(contactNames) ?? []
            event.attachments = [Attachment(kind: .contacts, title: names.isEmpty ? nil : names.joined(separator: ", "),
                                            detail: m.contacts?.jsonText)]
        case "interactive":
            let i = m.interactive
            if let reply = i?.button_reply ?? i?.list_reply {
                event.text = reply.title
                event.payload = reply.id
            } else if let flow = i?.nfm_reply {
                event.text = flow.body
                event.payload = flow.response_json
                event.detail = "nfm_reply"
            } else {
                unsupported(&event, "interactive type \(i?.type ?? "?") is not decoded", m)
            }
        case "button":
            event.text = m.button?.text
            event.payload = m.button?.payload
        case "reaction":
            // The reacted message goes in `replyTo`; an absent emoji means the reaction was removed.
            event.kind = .reaction
            event.replyTo = m.reaction?.message_id
            event.detail = m.reaction?.emoji ?? ""
        case "order":
            event.text = m.order?["text"]?.stringValue
            event.attachments = [Attachment(kind: .unknown, title: "order", detail: m.order?.jsonText)]
        case "system":
            event.kind = .system
            event.text = m.system?.body
            event.detail = m.system?.type
        default:
            unsupported(&event, "message type \(m.type ?? "?")"
                        + (m.unsupported?["type"]?.stringValue.map { " (\($0))" } ?? "") + " is not decoded", m)
        }
        return event
    }

    /// Turns `event` into `.unsupported`, keeping its ids, with the platform's errors as text.
    private static func unsupported(_ event: inout InboundEvent, _ reason: String, _ m: WhatsAppPayload.Message) {
        event.kind = .unsupported
        event.detail = reason
        event.text = WhatsAppInbound.describe(m.errors)
    }

    /// The media object named by the message's `type`.
    static func media(of m: WhatsAppPayload.Message) -> WhatsAppPayload.Media? {
        switch m.type {
        case "image": m.image
        case "audio": m.audio
        case "video": m.video
        case "document": m.document
        case "sticker": m.sticker
        default: nil
        }
    }

    /// An image/audio/video/document/sticker object as an attachment.
    static func attachment(_ media: WhatsAppPayload.Media, type: String) -> Attachment {
        let kind: Attachment.Kind = switch type {
        case "image": .image
        case "audio": .audio
        case "video": .video
        case "sticker": .sticker
        default: .file
        }
        return Attachment(kind: kind, url: media.url, mediaID: media.id?.string, mimeType: media.mime_type,
                          caption: media.caption, sha256: media.sha256, title: media.filename)
    }

    /// The `formatted_name` (or first + last name) of each shared contact card.
    static func contactNames(_ contacts: JSONValue) -> [String]? {
        guard case .array(let cards) = contacts else { return nil }
        return cards.compactMap { card in
            card["name"]?["formatted_name"]?.stringValue
                ?? [card["name"]?["first_name"]?.stringValue, card["name"]?["last_name"]?.stringValue]
                    .compactMap { $0 }.joined(separator: " ").nilIfEmpty
        }
    }

    /// WhatsApp's string Unix seconds → milliseconds; 0 when absent or not a number.
    static func milliseconds(_ timestamp: LenientString?) -> Int64 {
        guard let text = timestamp?.string, let seconds = Int64(text) else { return 0 }
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? 0 : ms
    }

    /// A group conversation for `groupID`, or nil for a direct one.
    static func groupConversation(_ groupID: String?, account: String) -> ConversationRef? {
        nonEmpty(groupID).map { ConversationRef(platform: platform, account: account, kind: .group, id: $0) }
    }
}

extension String {
    /// The string, or nil when empty.
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
