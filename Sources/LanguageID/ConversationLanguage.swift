/// The language of a conversation, decided from its messages one at a time.
///
/// A pure value: the assistant stores it with the conversation and calls `update(with:)` with each
/// new message's guess. Undetermined messages ("👍", a URL) and weak guesses ("ok", "lol")
/// keep the current language; a confident message in another language switches at once; two
/// weaker ones in a row in the same other language switch too. The gate asks `language`.
public struct ConversationLanguage: Sendable, Codable, Hashable {
    /// The decided ISO 639-1 code, or "und" before any confident message.
    public private(set) var language: String
    /// How sure the conversation is of `language`, 0…1.
    public private(set) var confidence: Double
    /// Another language seen in the previous message, not yet switched to.
    public private(set) var pending: String?

    /// A guess at least this confident switches the conversation at once.
    public static let switchConfidence = 0.95
    /// A guess at least this confident counts as evidence (twice in a row switches).
    public static let evidenceConfidence = 0.6

    /// A conversation with no language yet.
    public init() { self.init(language: "und", confidence: 0) }

    /// A conversation whose language is already known (restored from storage, say).
    public init(language: String, confidence: Double, pending: String? = nil) {
        self.language = language
        self.confidence = min(1, max(0, confidence))
        self.pending = pending
    }

    /// The state after one more message whose language was guessed as `guess`.
    public func update(with guess: LanguageGuess) -> ConversationLanguage {
        guard guess.isDetermined, guess.confidence >= Self.evidenceConfidence else { return self }
        if guess.language == language {
            // Agreement: confidence closes part of its gap to 1 and a pending switch is forgotten.
            return ConversationLanguage(language: language, confidence: confidence + (1 - confidence) * guess.confidence / 2)
        }
        if language == "und" || guess.confidence >= Self.switchConfidence || pending == guess.language {
            return ConversationLanguage(language: guess.language, confidence: guess.confidence)
        }
        // A first weak contradiction: remember it and trust the current language a little less.
        return ConversationLanguage(language: language, confidence: confidence * (1 - guess.confidence / 2), pending: guess.language)
    }

    /// `update(with:)` for a sequence of guesses, oldest first.
    public func update<S: Sequence>(with guesses: S) -> ConversationLanguage where S.Element == LanguageGuess {
        guesses.reduce(self) { $0.update(with: $1) }
    }
}
