import Testing
import Foundation
import LanguageID

/// The conversation-level gate: short or empty messages keep the language, real switches win fast.
struct ConversationLanguageTests {
    let identifier = LanguageIdentifier.shared

    func run(_ messages: [String], from start: ConversationLanguage = ConversationLanguage()) -> ConversationLanguage {
        start.update(with: messages.map { identifier.identify($0) })
    }

    @Test func startsUndetermined() {
        let state = ConversationLanguage()
        #expect(state.language == "und")
        #expect(state.confidence == 0)
        #expect(state.update(with: .undetermined) == state)
    }

    @Test func shortRepliesAfterEnglishStayEnglish() {
        let english = run(["hey, can you help me plan a trip to Lisbon?"])
        #expect(english.language == "en")
        for reply in ["ok", "👍", "lol", "?", "k", "haha", "https://example.com/x", "12:30", "ok 👍", "thx"] {
            let next = run([reply], from: english)
            #expect(next.language == "en", "\(reply)")
        }
        #expect(run(["ok", "👍", "lol", "?", "ok"], from: english).language == "en")
    }

    @Test func realSwitchToSpanishIsFollowedQuickly() {
        let english = run(["hey, can you help me plan a trip to Lisbon?", "sounds great, thanks"])
        #expect(english.language == "en")
        let switched = run(["bueno, mejor hablamos en español si no te importa"], from: english)
        #expect(switched.language == "es")
        // Two shorter Spanish messages in a row switch as well.
        let twoShort = run(["¿qué tal?", "gracias amigo"], from: english)
        #expect(twoShort.language == "es")
    }

    @Test func oneWeakForeignWordDoesNotSwitch() {
        let english = ConversationLanguage(language: "en", confidence: 0.9)
        let weak = LanguageGuess(language: "es", confidence: 0.7, script: .latin)
        let once = english.update(with: weak)
        #expect(once.language == "en")
        #expect(once.pending == "es")
        #expect(once.confidence < english.confidence)
        #expect(once.update(with: weak).language == "es")
        // Agreement in between forgets the pending switch.
        let back = once.update(with: LanguageGuess(language: "en", confidence: 0.8, script: .latin))
        #expect(back.pending == nil)
        #expect(back.update(with: weak).language == "en")
    }

    @Test func confidenceGrowsWithAgreement() {
        let a = ConversationLanguage().update(with: LanguageGuess(language: "en", confidence: 0.8))
        let b = a.update(with: LanguageGuess(language: "en", confidence: 0.8))
        #expect(a.confidence == 0.8)
        #expect(b.confidence > a.confidence && b.confidence <= 1)
    }

    @Test func nonLatinMessageSwitchesAtOnce() {
        let english = run(["what are we doing this weekend?"])
        #expect(run(["привет, как дела?"], from: english).language == "ru")
    }

    @Test func isCodable() throws {
        let state = ConversationLanguage(language: "en", confidence: 0.7, pending: "es")
        let decoded = try JSONDecoder().decode(ConversationLanguage.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
