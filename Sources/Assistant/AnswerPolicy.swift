import ChorusCore
import Foundation

/// Decides whether an event gets an answer: direct messages and postbacks do; echoes, receipts,
/// statuses, deletions never do; reactions are recorded only; in groups the bot answers only
/// when addressed.
public struct AnswerPolicy: Sendable {
    /// Why an event is or is not answered (stored with the event for operators).
    public enum Decision: Sendable, Equatable {
        /// Answer it.
        case answer(reason: String)
        /// Keep it in memory but do not answer.
        case remember(reason: String)
        /// Nothing to do.
        case ignore(reason: String)

        /// Whether this decision produces a reply.
        public var answers: Bool { if case .answer = self { true } else { false } }
    }

    /// The bot's name and aliases, matched case- and accent-insensitively.
    public var names: [String]
    /// Group ids where the bot answers every message.
    public var alwaysAnswerGroups: Set<String>

    /// Creates a policy.
    public init(botName: String, aliases: [String] = [], alwaysAnswerGroups: Set<String> = []) {
        self.names = [botName] + aliases
        self.alwaysAnswerGroups = alwaysAnswerGroups
    }

    /// The decision for `event`; `quotesBot` tells whether it quote-replies one of the bot's messages.
    public func decide(_ event: InboundEvent, quotesBot: Bool) -> Decision {
        switch event.kind {
        case .echo, .read, .delivery, .status, .deleted, .error, .system, .referral, .unsupported:
            return .ignore(reason: "\(event.kind.rawValue) events are never answered")
        case .reaction:
            return .remember(reason: "reactions are recorded, not answered")
        case .message, .postback:
            guard Self.words(of: event) != nil else { return .ignore(reason: "nothing to answer: no text or media") }
            guard event.conversation.isGroup else { return .answer(reason: "direct message") }
            if alwaysAnswerGroups.contains(event.conversation.id) { return .answer(reason: "group configured to always answer") }
            if quotesBot { return .answer(reason: "quote-reply to the bot") }
            if let text = event.text, addresses(text) { return .answer(reason: "addressed by name") }
            return .remember(reason: "group message not addressed to the bot")
        }
    }

    /// Whether `text` addresses the bot: one of its names at the start (`Chorus, …`) or as an
    /// @mention anywhere, whole-word, ignoring case and accents.
    public func addresses(_ text: String) -> Bool {
        let folded = Self.fold(text)
        for name in names.map(Self.fold) where !name.isEmpty {
            if folded.hasPrefix(name), Self.isBoundary(folded, after: name.count) { return true }
            var search = folded[...]
            while let range = search.range(of: "@" + name) {
                if Self.isBoundary(folded, after: folded.distance(from: folded.startIndex, to: range.upperBound)) { return true }
                search = search[range.upperBound...]
            }
        }
        return false
    }

    /// Text the model should read for an event: the text, a postback's title, or a media note.
    public static func words(of event: InboundEvent) -> String? {
        if let text = event.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty { return text }
        if let first = event.attachments.first { return "[sent \(first.kind.rawValue)]" }
        if let payload = event.payload, !payload.isEmpty { return payload }
        return nil
    }

    /// Lowercased, accents removed (Unicode folding), so "Chörus" and "CHORUS" match "chorus".
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }

    private static func isBoundary(_ text: String, after count: Int) -> Bool {
        guard count < text.count else { return true }
        let next = text[text.index(text.startIndex, offsetBy: count)]
        return !(next.isLetter || next.isNumber || next == "_")
    }
}
