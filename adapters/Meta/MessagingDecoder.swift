import ChorusCore
import Foundation

/// Decodes the `entry[].messaging[]` format Messenger and Instagram share into `InboundEvent`s.
/// `MessengerInbound` and `InstagramInbound` are this with their platform.
///
/// Every `entry[]` and every `messaging[]`/`standby[]` item is taken (Meta batches up to 1000).
/// Items that fail to decode, or carry no event we know, become `.unsupported` with their raw JSON.
public enum MessagingDecoder {
    /// Every event in a Messenger or Instagram webhook body, in order.
    public static func decode(_ body: Data, platform: Platform) throws(WebhookDecodeError) -> [InboundEvent] {
        let envelope = try WebhookEnvelope<MessagingPayload.Entry>.decode(body, platform: platform)
        return envelope.entries.flatMap { events(in: $0, platform: platform) }
    }

    /// The events of one `entry[]` element.
    static func events(in entry: WebhookItem<MessagingPayload.Entry>, platform: Platform) -> [InboundEvent] {
        let entryID = entry.raw["id"]?.lenientString
        let time = entry.raw["time"]?.lenientInt64 ?? 0
        guard let wire = entry.wire else {
            return [UnsupportedEvent.make(platform: platform, account: entryID ?? "", raw: entry.raw,
                                          reason: "entry: \(entry.problem ?? "undecodable")", fallbackTimestamp: time)]
        }
        var events = (wire.messaging ?? []).map { event(for: $0, entryID: entryID, time: time, platform: platform) }
        // standby[]: another app owns the thread (handover protocol). Kept, and marked so the
        // assistant can tell it should not answer: `detail` "standby" on messages and postbacks.
        events += (wire.standby ?? []).map { item in
            var event = event(for: item, entryID: entryID, time: time, platform: platform)
            if [.message, .postback].contains(event.kind), event.detail == nil { event.detail = "standby" }
            return event
        }
        for change in wire.changes ?? [] {
            let field = change.raw["field"]?.stringValue ?? "?"
            events.append(UnsupportedEvent.make(platform: platform, account: entryID ?? "", raw: change.raw,
                                                reason: "entry change \"\(field)\" is not decoded", fallbackTimestamp: time))
        }
        if wire.messaging == nil, wire.standby == nil, wire.changes == nil {
            // Nothing we know of: keep the entry itself. (Empty arrays simply carry no events.)
            events.append(UnsupportedEvent.make(platform: platform, account: entryID ?? "", raw: entry.raw,
                                                reason: "entry has no messaging, standby or changes", fallbackTimestamp: time))
        }
        return events
    }

    /// The event of one `messaging[]` item.
    static func event(for item: WebhookItem<MessagingPayload.Item>, entryID: String?, time: Int64,
                      platform: Platform) -> InboundEvent {
        func unsupported(_ reason: String, account: String) -> InboundEvent {
            UnsupportedEvent.make(platform: platform, account: account, raw: item.raw, reason: reason, fallbackTimestamp: time)
        }
        guard let wire = item.wire else {
            return unsupported("messaging item: \(item.problem ?? "undecodable")", account: entryID ?? "")
        }
        let senderID = wire.sender?.id?.string
        let recipientID = wire.recipient?.id?.string
        let timestamp = wire.timestamp?.int64 ?? time
        let raw = item.rawText

        // Echoes: the page/account is the sender, the conversation is the recipient user.
        let isEcho = wire.message?.is_echo == true
        let account = entryID ?? (isEcho ? senderID : recipientID) ?? ""
        guard let userID = isEcho ? recipientID : senderID, !userID.isEmpty else {
            return unsupported(isEcho ? "echo without recipient id" : "messaging item without sender id", account: account)
        }
        let conversation = ConversationRef(platform: platform, account: account, kind: .direct, id: userID)
        let sender = senderID.map { Participant(id: $0) }
        func key(_ parts: String...) -> String {
            ([platform.rawValue, account] + parts).joined(separator: ":")
        }
        func make(_ kind: InboundEvent.Kind, messageID: String? = nil, text: String? = nil,
                  attachments: [Attachment] = [], replyTo: String? = nil, payload: String? = nil,
                  detail: String? = nil, dedupKey: String) -> InboundEvent {
            InboundEvent(platform: platform, kind: kind, conversation: conversation, sender: sender,
                         messageID: messageID, timestamp: timestamp, text: text, attachments: attachments,
                         replyTo: replyTo, payload: payload, detail: detail, dedupKey: dedupKey, raw: raw)
        }
        let hashed = DedupKey.hashed(platform, account: account, raw: raw)

        if let m = wire.message {
            // An empty mid is no id: fall back to the hash rather than collide on "mid:".
            let mid = m.mid.flatMap { $0.isEmpty ? nil : $0 }
            let midKey = mid.map { key("mid", $0) } ?? hashed
            if m.is_deleted == true {
                return make(.deleted, messageID: m.mid, dedupKey: mid.map { key("deleted", $0) } ?? hashed)
            }
            if m.is_unsupported == true {
                return make(.unsupported, messageID: m.mid, detail: "message type not delivered by the platform",
                            dedupKey: midKey)
            }
            var attachments = (m.attachments ?? []).map(MessagingAttachments.attachment)
            var replyTo = m.reply_to?.mid
            if let story = m.reply_to?.story {
                // Instagram story reply: the story is what the user answers.
                replyTo = replyTo ?? story.id?.string
                attachments.append(Attachment(kind: .ighStory, url: story.url, title: story.id?.string))
            }
            return make(isEcho ? .echo : .message, messageID: m.mid, text: m.text, attachments: attachments,
                        replyTo: replyTo, payload: m.quick_reply?.payload, dedupKey: midKey)
        }
        if let p = wire.postback {
            let dedup = p.mid.flatMap { $0.isEmpty ? nil : key("postback", $0) }
                ?? key("postback", userID, String(timestamp), p.payload ?? "")
            return make(.postback, messageID: p.mid, text: p.title, payload: p.payload,
                        detail: p.referral?.ref, dedupKey: dedup)
        }
        if let r = wire.reaction {
            let action = r.action ?? "react"
            // Unreact carries no emoji: detail is empty, as `InboundEvent.detail` documents.
            let emoji = action == "unreact" ? "" : (r.emoji ?? r.reaction ?? "")
            return make(.reaction, replyTo: r.mid, payload: action, detail: emoji,
                        dedupKey: key("reaction", r.mid ?? "", userID, action, emoji))
        }
        if let r = wire.read {
            let watermark = r.watermark.map { String($0.int) }
            guard let mark = watermark ?? r.mid else { return unsupported("read without watermark or mid", account: account) }
            return make(.read, messageID: r.mid, detail: watermark, dedupKey: key("read", userID, mark))
        }
        if let d = wire.delivery {
            let watermark = d.watermark.map { String($0.int) }
            let mids = d.mids ?? []
            return make(.delivery, messageID: mids.first, detail: watermark,
                        dedupKey: key("delivery", userID, watermark ?? mids.joined(separator: ",")))
        }
        if let r = wire.referral {
            return make(.referral, payload: r.ref, detail: r.source, dedupKey: hashed)
        }
        return unsupported("messaging item with no known event field", account: account)
    }
}
