import Foundation

/// Identifies the language of short chat text from the bundled model.
///
/// Cleaning drops URLs, e-mail addresses, @mentions, digits, emoji, punctuation and the given
/// names. A script used by one supported language decides it outright (a non-Latin script is
/// never English); Latin, Cyrillic, Arabic and Devanagari text is scored by the model. The
/// answer is "und" when nothing is left, when fewer than three letters are ("ok", "k"), or when the
/// best language is not confident enough (English needs more confidence than the others, so that a
/// foreign word is rarely taken for English).
public struct LanguageIdentifier: Sendable {
    /// The identifier over the bundled model, loaded once on first use and shared by all workers.
    public static let shared: LanguageIdentifier = {
        do { return LanguageIdentifier(model: try LanguageModel.bundled()) } catch {
            preconditionFailure("LanguageID: the bundled model Resources/langid.bin could not be loaded: \(error)")
        }
    }()

    let model: LanguageModel

    init(model: LanguageModel) { self.model = model }

    /// ISO 639-1 codes of the languages this identifier can answer, sorted.
    public var supportedLanguages: [String] { model.languages }

    /// Below this probability the best language is reported as "und".
    public var minimumConfidence: Double { Double(model.minConfidence) }

    /// Below this probability an English guess is reported as "und".
    public var englishConfidence: Double { Double(model.englishConfidence) }

    /// The language of `text`, ignoring the words of `names` (the bot's own name, say).
    public func identify(_ text: String, ignoring names: [String] = []) -> LanguageGuess {
        let words = TextCleaner.words(text, ignoring: TextCleaner.nameWords(names))
        var counts: [Script: Int] = [:]
        for word in words {
            for scalar in word { if let s = Script(scalar) { counts[s, default: 0] += s.letterWeight } }
        }
        guard let script = Script.dominant(counts) else { return .undetermined }
        if let index = model.single[script] {
            return LanguageGuess(language: model.languages[index], confidence: 1, script: script)
        }
        guard let group = model.groups[script] else { return LanguageGuess(language: "und", confidence: 0, script: script) }
        var scores = [Double](repeating: 0, count: group.languages.count)
        var known = 0, letters = 0
        for word in words where word.contains(where: { Script($0) == script }) {
            letters += word.count
            FeatureHasher.forEachFeature(of: word) { hash, isWord in
                if group.accumulate(hash, weight: isWord ? model.wordWeight : model.gramWeight, step: model.deltaStep, into: &scores) {
                    known += 1
                }
            }
        }
        guard known > 0 else { return LanguageGuess(language: "und", confidence: 0, script: script) }
        // Softmax over the group's languages (the naive-Bayes floor is shared, so it cancels).
        let top = scores.max()!
        var best = 0, total = 0.0
        for (i, s) in scores.enumerated() {
            total += exp((s - top) * model.beta)
            if s > scores[best] { best = i }
        }
        let confidence = 1 / total
        let language = model.languages[group.languages[best]]
        let needed = language == "en" ? englishConfidence : minimumConfidence
        let decided = confidence >= needed && letters >= model.minLetters
        return LanguageGuess(language: decided ? language : "und", confidence: confidence, script: script)
    }
}
