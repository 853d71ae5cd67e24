import Assistant
import ChorusCore
import Testing

@Suite("Who gets an answer")
struct AnswerPolicyTests {
    static let policy = AnswerPolicy(botName: "Chorus", aliases: ["Coro"], alwaysAnswerGroups: ["always@g.us"])

    static func event(_ kind: InboundEvent.Kind, text: String? = "hi", group: String? = nil) -> InboundEvent {
        let conversation = ConversationRef(platform: .whatsapp, account: "1", kind: group == nil ? .direct : .group, id: group ?? "155")
        return InboundEvent(platform: .whatsapp, kind: kind, conversation: conversation, sender: Participant(id: "155", name: "Ana"),
                            messageID: "wamid.1", timestamp: 0, text: text, dedupKey: "k", raw: "{}")
    }

    @Test("direct messages and postbacks are answered; receipts, echoes, statuses, deletions never", arguments: InboundEvent.Kind.allCases)
    func kinds(kind: InboundEvent.Kind) {
        let decision = Self.policy.decide(Self.event(kind), quotesBot: false)
        switch kind {
        case .message, .postback: #expect(decision.answers)
        case .reaction: #expect(decision == .remember(reason: "reactions are recorded, not answered"))
        default: #expect(!decision.answers)
        }
    }

    @Test("a message with nothing in it is not answered")
    func empty() {
        #expect(!Self.policy.decide(Self.event(.message, text: "   "), quotesBot: false).answers)
    }

    @Test("in groups: addressed by name at the start or @mention, ignoring case and accents",
          arguments: [("Chorus, help", true), ("chörus what now", true), ("CHORUS!", true), ("hey @chorus?", true),
                      ("coro: ayuda", true), ("@Coro", true), ("I like chorus music", false), ("Chorusline is great", false),
                      ("@chorusfan hi", false), ("what now", false), ("", false)])
    func addressing(text: String, addressed: Bool) {
        #expect(Self.policy.addresses(text) == addressed)
        #expect(Self.policy.decide(Self.event(.message, text: text.isEmpty ? "x" : text, group: "g@g.us"), quotesBot: false).answers == addressed)
    }

    @Test("in groups: a quote-reply to the bot, or an always-answer group, is answered")
    func quotesAndAlways() {
        #expect(Self.policy.decide(Self.event(.message, text: "and then?", group: "g@g.us"), quotesBot: true).answers)
        #expect(Self.policy.decide(Self.event(.message, text: "anything", group: "always@g.us"), quotesBot: false).answers)
        #expect(!Self.policy.decide(Self.event(.message, text: "anything", group: "g@g.us"), quotesBot: false).answers)
    }
}
