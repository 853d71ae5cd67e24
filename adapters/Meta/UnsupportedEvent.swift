import ChorusCore

/// The `.unsupported` event an item becomes when we cannot (or do not yet) read it: kept with
/// its raw JSON, never dropped, never failing the body.
public enum UnsupportedEvent {
    /// An unsupported event for the item `raw`, `detail` saying why.
    ///
    /// Without an explicit `conversation`, it is a direct one with whatever sender id the raw JSON
    /// offers (`sender.id`, WhatsApp `from_user_id` or `from`), or `""`. Without an explicit
    /// `dedupKey` (a `mid` or `wamid` one), the key is the SHA-256 of the raw text.
    public static func make(platform: Platform, account: String, raw: JSONValue, reason: String,
                            conversation: ConversationRef? = nil, sender: Participant? = nil,
                            messageID: String? = nil, dedupKey: String? = nil,
                            fallbackTimestamp: Int64 = 0) -> InboundEvent {
        let text = raw.jsonText
        let senderID = [raw["sender"]?["id"], raw["from_user_id"], raw["from"]]
            .lazy.compactMap { $0?.lenientString }.first { !$0.isEmpty }
        // Messenger/Instagram timestamps are milliseconds; WhatsApp's are seconds.
        let timestamp = raw["timestamp"]?.lenientInt64.map { platform == .whatsapp ? $0 &* 1000 : $0 }
            ?? raw["time"]?.lenientInt64 ?? fallbackTimestamp
        return InboundEvent(
            platform: platform, kind: .unsupported,
            conversation: conversation
                ?? ConversationRef(platform: platform, account: account, kind: .direct, id: senderID ?? ""),
            sender: sender ?? senderID.map { Participant(id: $0) },
            messageID: messageID,
            timestamp: timestamp, detail: reason,
            dedupKey: dedupKey ?? DedupKey.hashed(platform, account: account, raw: text), raw: text)
    }
}
