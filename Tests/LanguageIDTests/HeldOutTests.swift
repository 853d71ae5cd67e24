import Testing
import LanguageID

/// Accuracy on the held-out set (Benchmarks/langid/eval.tsv: Django's catalogs, chatterbot-corpus,
/// wordfreq; never used for training or tuning), per language and for the English gate.
struct HeldOutTests {
    /// Accuracy floor for every language over all its held-out texts: well above chance (1/38 in
    /// Latin script) even for the close pairs the model confuses most (ms/id, nb/da, af/nl).
    static let floor = 0.2

    @Test(arguments: Fixtures.languages)
    func language(_ code: String) {
        let identifier = LanguageIdentifier.shared
        #expect(identifier.supportedLanguages.contains(code))
        let samples = Fixtures.samples.filter { $0.language == code }
        let right = samples.filter { identifier.identify($0.text).language == code }.count
        #expect(samples.count >= 10)
        #expect(Double(right) / Double(max(1, samples.count)) >= Self.floor, "\(code): \(right)/\(samples.count)")
    }

    @Test func englishGate() {
        let identifier = LanguageIdentifier.shared
        var english = 0, englishRight = 0, foreign = 0, calledEnglish = 0
        for sample in Fixtures.samples {
            let said = identifier.identify(sample.text).language
            if sample.language == "en" {
                english += 1
                englishRight += said == "en" ? 1 : 0
            } else {
                foreign += 1
                calledEnglish += said == "en" ? 1 : 0
            }
        }
        #expect(english > 100 && foreign > 1000)
        let falseEnglish = Double(calledEnglish) / Double(foreign)
        // The goal: at most 0.3% (this model: 0.16%, BENCHMARKS.md "Language identification").
        #expect(falseEnglish <= 0.003, "false-English rate \(falseEnglish)")
        // This model: 79.3% (222/280), equal to lingua's on the same texts, so the "above lingua"
        // is not met; the guard keeps it from sliding further.
        #expect(Double(englishRight) / Double(english) >= 0.77, "English recall \(englishRight)/\(english)")
    }

    @Test func overallAccuracyByLength() {
        let identifier = LanguageIdentifier.shared
        var total: [String: (right: Int, all: Int)] = [:]
        for sample in Fixtures.samples {
            let right = identifier.identify(sample.text).language == sample.language
            total[sample.bucket, default: (0, 0)].right += right ? 1 : 0
            total[sample.bucket, default: (0, 0)].all += 1
        }
        for (bucket, floor) in ["1-2": 0.6, "3-5": 0.85, "6+": 0.9] {
            let t = total[bucket, default: (0, 1)]
            #expect(Double(t.right) / Double(max(1, t.all)) >= floor, "\(bucket) words: \(t.right)/\(t.all)")
        }
    }
}
