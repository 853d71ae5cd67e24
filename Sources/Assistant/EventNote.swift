import Foundation

/// What the assistant decided about an event, stored with it as JSON and shown by
/// `chorus queue show`: answered or not and why, the language gate's decision, what was sent.
public struct EventNote: Sendable, Codable, Hashable {
    /// `answered`, `remembered` or `ignored`.
    public var decision: String
    /// Why.
    public var reason: String
    /// The language gate's decision, for messages with words.
    public var gate: LanguageGate.Decision?
    /// What happened to attached pictures: `not_downloaded_gate_closed`, `no_vision_encoder`, …
    public var images: String?
    /// Reply messages queued for sending.
    public var replyParts: Int?
    /// Anything else worth knowing (an empty generation, …).
    public var remark: String?

    enum CodingKeys: String, CodingKey {
        case decision, reason, gate, images, remark
        case replyParts = "reply_parts"
    }

    /// The note as compact JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Reads a stored note.
    public static func parse(_ json: String) -> EventNote? {
        try? JSONDecoder().decode(EventNote.self, from: Data(json.utf8))
    }
}
