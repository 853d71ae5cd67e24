import Foundation
import Testing
@testable import LanguageID

/// The identifier on hand-written cases, cleaning rules and the model file.
struct LanguageIdentifierTests {
    let identifier = LanguageIdentifier.shared

    @Test func supportsAtLeastFiftyLanguages() {
        #expect(identifier.supportedLanguages.count >= 50)
        #expect(identifier.supportedLanguages.contains("en"))
        #expect(identifier.supportedLanguages.allSatisfy { $0.count == 2 })
    }

    @Test func fixturesArePresent() {
        #expect(Fixtures.samples.count > 5000)
        #expect(Fixtures.hardCases.count > 50)
    }

    @Test func everySupportedLanguageHasHeldOutTexts() {
        let covered = Set(Fixtures.samples.map(\.language)).union(Fixtures.hardCases.compactMap(\.accepted.first))
        #expect(Set(identifier.supportedLanguages).subtracting(covered).isEmpty)
    }

    /// Hard cases this model gets wrong, with why: still run, reported as known issues (and as a
    /// failure once they pass, so that the list is kept true).
    static let knownMisses: [String: String] = [
        // Czech without diacritics: "moc", "za" and "pomoc" are Polish words too, and "dekuji"
        // (děkuji) is rarer in the training text than they are.
        "dekuji moc za pomoc": "pl wins over cs without diacritics",
    ]

    @Test(arguments: Fixtures.hardCases)
    func hardCase(_ c: Fixtures.HardCase) {
        let guess = identifier.identify(c.text)
        if let why = Self.knownMisses[c.text] {
            withKnownIssue(Comment(rawValue: why)) {
                #expect(c.accepted.contains(guess.language), "\(c.text) → \(guess.language) (\(guess.confidence))")
            }
        } else {
            #expect(c.accepted.contains(guess.language), "\(c.text) → \(guess.language) (\(guess.confidence))")
        }
    }

    @Test func nothingLeftIsUndetermined() {
        for text in ["", "   ", "👍", "https://example.com/a?b=c", "@someone", "42 + 17 = 59", "?!", "#️⃣ 🔥"] {
            let guess = identifier.identify(text)
            #expect(guess.language == "und", "\(text)")
            #expect(guess.confidence == 0)
            #expect(guess.script == nil)
        }
    }

    @Test func ignoresTheBotsOwnName() {
        #expect(identifier.identify("Chorus", ignoring: ["Chorus"]).language == "und")
        #expect(identifier.identify("ChorusBot hola", ignoring: ["ChorusBot"]).script == .latin)
        let plain = identifier.identify("what time is it")
        #expect(identifier.identify("Bonjourbot what time is it", ignoring: ["Bonjourbot"]) == plain)
        #expect(identifier.identify("hey @Bonjourbot what time is it") .language == "en")
    }

    @Test func nonLatinScriptIsNeverEnglish() {
        for text in ["привет как дела", "γεια σου", "שלום", "你好", "こんにちは", "안녕하세요", "नमस्ते", "สวัสดี", "ok ok привет"] {
            let guess = identifier.identify(text)
            #expect(guess.language != "en", "\(text)")
            #expect(guess.script != .latin, "\(text)")
        }
    }

    @Test func scriptsDecideTheirOnlyLanguage() {
        #expect(identifier.identify("ありがとう").language == "ja")
        #expect(identifier.identify("東京に行きます").language == "ja")
        #expect(identifier.identify("谢谢").language == "zh")
        #expect(identifier.identify("감사합니다").language == "ko")
        #expect(identifier.identify("ευχαριστώ").language == "el")
    }

    @Test func englishIsConfident() {
        let guess = identifier.identify("could you send me the photo from yesterday please")
        #expect(guess.language == "en")
        #expect(guess.confidence > 0.95)
        #expect(guess.script == .latin)
    }

    @Test func caseAndDiacriticsDoNotMatter() {
        #expect(identifier.identify("WHERE ARE YOU GOING").language == "en")
        #expect(identifier.identify("donde estas ahora mismo").language == "es")
    }

    @Test func concurrentCallsAgree() async {
        let texts = ["good morning everyone", "buenos días a todos", "guten Morgen zusammen", "bom dia a todos"]
        let expected = texts.map { identifier.identify($0) }
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask { LanguageIdentifier.shared.identify(texts[i % texts.count]) == expected[i % texts.count] }
            }
            for await same in group { #expect(same) }
        }
    }

    @Test func guessIsCodable() throws {
        let guess = identifier.identify("thank you very much")
        let data = try JSONEncoder().encode(guess)
        #expect(try JSONDecoder().decode(LanguageGuess.self, from: data) == guess)
    }

    @Test func featureHashesMatchTheTrainingScript() {
        // Values from scripts/langid/features.py: word_features("ok").
        var hashes: [UInt64] = []
        FeatureHasher.forEachFeature(of: Array("ok".unicodeScalars)) { h, _ in hashes.append(h) }
        #expect(hashes == [0xd0f1_9a18_6769_5776, 0xeb0d_1918_763c_1bd0, 0xa35d_5f90_e823_1ec1, 0xbac8_443a_73ad_7853,
                           0x0839_3907_b4f1_085e, 0xea44_1d18_7590_f20f, 0xa2af_9f8f_c54b_85dd, 0x0839_3d07_b4f1_0f2a,
                           0xea51_be18_759c_8dfe])
        var accented: [UInt64] = []
        FeatureHasher.forEachFeature(of: Array("été".unicodeScalars)) { h, _ in accented.append(h) }
        #expect(Array(accented.prefix(3)) == [0x3fd7_780e_8a7d_0fb8, 0xa167_2590_e679_0de7, 0xbb52_6837_9fb2_10c9])
    }

    @Test func cleaningDropsLinksMentionsDigitsAndEmoji() {
        let words = TextCleaner.words("Hey @bob check https://x.com/a 👍 it's 2 GREAT!!! www.foo.org google.com/x a.b@c.de lol")
        #expect(words.map { String(String.UnicodeScalarView($0)) } == ["hey", "check", "it's", "great", "lol"])
    }

    @Test func malformedModelIsRejected() {
        #expect(throws: (any Error).self) { try LanguageModel(data: Data("nope".utf8)) }
        #expect(throws: (any Error).self) { try LanguageModel(data: Data("CHLI\u{1}\0\0\0".utf8)) }
    }
}
