import ChorusCore
import Foundation
import Queue

/// One event as `chorus queue list --json` and `show --json` print it: one JSON object per line.
struct QueueEventLine: Encodable {
    let stored: StoredEvent
    /// Whether to include `raw` (show only).
    let includeRaw: Bool

    enum CodingKeys: String, CodingKey {
        case id, platform, kind
        case conversationKey = "conversation_key"
        case isGroup = "is_group"
        case sender
        case senderName = "sender_name"
        case messageID = "message_id"
        case text, attachments, state, attempts
        case lastError = "last_error"
        case raw
    }

    func encode(to encoder: any Encoder) throws {
        // Every key is always present (null when empty) so scripts can rely on the shape.
        var container = encoder.container(keyedBy: CodingKeys.self)
        let event = stored.event
        try container.encode(stored.id, forKey: .id)
        try container.encode(event.platform.rawValue, forKey: .platform)
        try container.encode(event.kind.rawValue, forKey: .kind)
        try container.encode(event.conversation.key, forKey: .conversationKey)
        try container.encode(event.conversation.isGroup, forKey: .isGroup)
        try container.encode(event.sender?.id, forKey: .sender)
        try container.encode(event.sender?.name, forKey: .senderName)
        try container.encode(event.messageID, forKey: .messageID)
        try container.encode(event.text, forKey: .text)
        try container.encode(event.attachments, forKey: .attachments)
        try container.encode(stored.job.state.rawValue, forKey: .state)
        try container.encode(stored.job.attempts, forKey: .attempts)
        try container.encode(stored.job.lastError, forKey: .lastError)
        if includeRaw { try container.encode(event.raw, forKey: .raw) }
    }

    /// The compact JSON line.
    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Plain-text formatting for the queue commands.
enum QueueFormat {
    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }

    /// `text` on one line, cut to `limit` characters with an ellipsis.
    static func oneLine(_ text: String?, limit: Int) -> String {
        guard let text else { return "" }
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(max(0, limit - 1))) + "…"
    }

    /// A short human duration: `45s`, `3m12s`, `2h05m`, `3d04h`.
    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded(.down))
        switch s {
        case ..<60: return "\(max(0, s))s"
        case ..<3600: return "\(s / 60)m\(String(format: "%02d", s % 60))s"
        case ..<86400: return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
        default: return "\(s / 86400)d\(String(format: "%02d", (s % 86400) / 3600))h"
        }
    }

    /// Parses `90s`, `30m`, `12h`, `8d`, `2w` (a bare number is seconds).
    static func parseDuration(_ text: String) -> TimeInterval? {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        guard let last = text.last else { return nil }
        if let unit = units[last], let value = Double(text.dropLast()), value >= 0 { return value * unit }
        if let value = Double(text), value >= 0 { return value }
        return nil
    }

    /// An ISO 8601 timestamp in UTC with milliseconds.
    static func date(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }
}

extension String {
    /// The string without trailing spaces (a table's empty last column).
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
