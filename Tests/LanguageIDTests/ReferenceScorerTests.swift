import Testing
import LanguageID

/// The Swift scorer against the Python reference it mirrors: `scripts/langid/build_model.py` writes the
/// reference scorer's answers on the quantized tables it stores in the model file
/// (Benchmarks/langid/reference.tsv: every hard case and every fifth held-out text).
struct ReferenceScorerTests {
    @Test func answersEqualTheReferenceScorer() {
        let identifier = LanguageIdentifier.shared
        let references = Fixtures.references
        #expect(references.count > 2000)
        var differences: [String] = []
        for r in references {
            let guess = identifier.identify(r.text)
            if guess.language != r.language || abs(guess.confidence - r.confidence) > 1e-6 {
                differences.append("\(r.text): \(guess.language) \(guess.confidence), reference \(r.language) \(r.confidence)")
            }
        }
        #expect(differences.isEmpty, "\(differences.count) differences, first: \(differences.prefix(5))")
    }

    @Test func referenceCoversTheGateDecisions() {
        // The file must exercise English, other languages, undetermined answers and weak English.
        let languages = Set(Fixtures.references.map(\.language))
        #expect(languages.isSuperset(of: ["en", "und", "es", "ms", "id", "nb", "da", "af", "nl"]))
        #expect(Fixtures.references.contains { $0.language == "und" && $0.confidence > 0.5 })
    }
}
