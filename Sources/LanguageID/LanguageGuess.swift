/// What the identifier says about one text.
public struct LanguageGuess: Sendable, Codable, Hashable {
    /// ISO 639-1 code, or "und" when nothing is left after cleaning or the evidence is too weak.
    public var language: String
    /// Probability of the best language among those of its script (0 for "und" with no evidence).
    public var confidence: Double
    /// The script that decided the text (nil when it has no letters).
    public var script: Script?

    /// A guess; `confidence` is clamped to 0…1.
    public init(language: String, confidence: Double, script: Script? = nil) {
        self.language = language
        self.confidence = min(1, max(0, confidence))
        self.script = script
    }

    /// The answer for a text with no letters left after cleaning.
    public static let undetermined = LanguageGuess(language: "und", confidence: 0)

    /// Whether a language was decided (not "und").
    public var isDetermined: Bool { language != "und" }
}
