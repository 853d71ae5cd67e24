import ChorusCore
import Foundation
import MetaWebhook

/// WhatsApp webhook body → `[InboundEvent]`: every `entry[].changes[]` with `field: "messages"`,
/// and in each `value` every `messages[]`, `statuses[]` and `errors[]` item, routed by
/// `metadata.phone_number_id` (the conversation's `account`).
/// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
public enum WhatsAppInbound: InboundDecoder {
    /// WhatsApp.
    public static var platform: Platform { .whatsapp }

    /// Every event in `body` (`object: "whatsapp_business_account"`), in order: per change, its
    /// messages, then statuses, then errors. Other change fields and unreadable items become
    /// `.unsupported`.
    public static func decode(_ body: Data) throws(WebhookDecodeError) -> [InboundEvent] {
        let envelope = try WebhookEnvelope<WhatsAppPayload.Entry>.decode(body, platform: platform)
        return envelope.entries.flatMap(events(in:))
    }

    /// The events of one `entry[]` element.
    static func events(in entry: WebhookItem<WhatsAppPayload.Entry>) -> [InboundEvent] {
        let waba = entry.raw["id"]?.lenientString ?? ""
        guard let changes = entry.wire?.changes, !changes.isEmpty else {
            let why = entry.problem.map { "entry: \($0)" } ?? "entry has no changes"
            return [UnsupportedEvent.make(platform: platform, account: waba, raw: entry.raw, reason: why)]
        }
        return changes.flatMap { events(in: $0, waba: waba) }
    }

    /// The events of one `changes[]` element.
    static func events(in change: WebhookItem<WhatsAppPayload.Change>, waba: String) -> [InboundEvent] {
        func unsupported(_ reason: String, account: String = waba) -> [InboundEvent] {
            [UnsupportedEvent.make(platform: platform, account: account, raw: change.raw, reason: reason)]
        }
        guard let wire = change.wire else { return unsupported("change: \(change.problem ?? "undecodable")") }
        guard wire.field == "messages" else { return unsupported("change field \"\(wire.field ?? "?")\" is not decoded") }
        guard let value = wire.value else { return unsupported("change without value") }
        // Replies go out from /{phone_number_id}/messages: without it the change cannot be routed.
        guard let account = value.metadata?.phone_number_id?.string, !account.isEmpty else {
            return unsupported("value without metadata.phone_number_id")
        }
        let directory = WhatsAppDirectory(contacts: value.contacts ?? [])
        var events: [InboundEvent] = []
        events += (value.messages ?? []).map { WhatsAppMessages.event(for: $0, account: account, directory: directory) }
        events += (value.statuses ?? []).map { status($0, account: account, directory: directory) }
        events += (value.errors ?? []).map { error($0, account: account) }
        // A value with none of the three lists is something new: keep it. Empty lists carry nothing.
        if value.messages == nil, value.statuses == nil, value.errors == nil {
            return unsupported("value has no messages, statuses or errors", account: account)
        }
        return events
    }

    /// A `statuses[]` item → `.status`: `messageID` the business's `wamid`, `detail` the status,
    /// `text` the errors of a failed message and `payload` the first error's code (machine-readable:
    /// 131047 window closed, 131049 ecosystem limit, …).
    static func status(_ item: WebhookItem<WhatsAppPayload.Status>, account: String,
                       directory: WhatsAppDirectory) -> InboundEvent {
        guard let s = item.wire, let id = nonEmpty(s.id), let value = nonEmpty(s.status) else {
            return UnsupportedEvent.make(platform: platform, account: account, raw: item.raw,
                                         reason: "status: \(item.problem ?? "missing id or status")")
        }
        let isGroup = s.recipient_type == "group" || nonEmpty(s.group_id) != nil
        let conversation: ConversationRef
        let sender: Participant?
        var keyParts = ["status", id, value]
        if isGroup {
            let groupID = nonEmpty(s.group_id) ?? s.recipient_id ?? ""
            conversation = ConversationRef(platform: platform, account: account, kind: .group, id: groupID)
            let participant = nonEmpty(s.recipient_participant_id) ?? nonEmpty(s.recipient_user_id)
            sender = participant.map { Participant(id: $0) }
            // One group message gets a status per participant: keep each.
            keyParts.append(participant ?? groupID)
        } else {
            sender = directory.participant(phone: s.recipient_id, userID: s.recipient_user_id)
            conversation = ConversationRef(platform: platform, account: account, kind: .direct, id: sender?.id ?? "")
        }
        return InboundEvent(
            platform: platform, kind: .status, conversation: conversation, sender: sender, messageID: id,
            timestamp: WhatsAppMessages.milliseconds(s.timestamp), text: describe(s.errors),
            payload: s.errors?.first?.code.map { String($0.int) }, detail: value,
            dedupKey: keyParts.reduce(DedupKey.make(platform, account: account)) { $0 + ":" + $1 },
            raw: item.rawText)
    }

    /// A value-level `errors[]` item → `.error`: `detail` the code, `text` title and details.
    /// It names no message or user, so its key is the SHA-256 of its JSON.
    static func error(_ item: WebhookItem<WhatsAppPayload.ErrorItem>, account: String) -> InboundEvent {
        let raw = item.rawText
        return InboundEvent(
            platform: platform, kind: .error,
            conversation: ConversationRef(platform: platform, account: account, kind: .direct, id: ""),
            sender: nil, messageID: nil, timestamp: 0,
            text: item.wire.flatMap { describe([$0]) }, detail: item.wire?.code.map { String($0.int) },
            dedupKey: DedupKey.hashed(platform, account: account, raw: raw), raw: raw)
    }

    /// `"<code> <title>: <details>"` for each error, joined by `"; "`; nil when none.
    static func describe(_ errors: [WhatsAppPayload.ErrorItem]?) -> String? {
        guard let errors, !errors.isEmpty else { return nil }
        return errors.map { e in
            var text = [e.code.map { String($0.int) }, e.title ?? e.message].compactMap { $0 }.joined(separator: " ")
            if let details = e.error_data?.details, !details.isEmpty { text += ": \(details)" }
            return text
        }.joined(separator: "; ")
    }
}

/// The string, or nil when absent or empty (WhatsApp sends `""` for hidden phone numbers).
func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
}
