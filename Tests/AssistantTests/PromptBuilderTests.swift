import Assistant
import Queue
import Testing

@Suite("Prompts from memory")
struct PromptBuilderTests {
    static func entry(_ role: HistoryEntry.Role, _ text: String, name: String = "Ana") -> HistoryEntry {
        HistoryEntry(conversationKey: "c", role: role, speakerID: name, speakerName: name, text: text, messageID: nil, timestamp: 0)
    }

    @Test("the oldest turns go first when over budget; the message answered always stays")
    func budget() {
        let history = (0..<20).flatMap { [Self.entry(.user, "question \($0)"), Self.entry(.assistant, "answer \($0)")] }
            + [Self.entry(.user, "last question")]
        let builder = PromptBuilder(systemPrompt: "You are {name}.", botName: "Chorus", tokenBudget: 40)
        let turns = builder.turns(history: history, isGroup: false) { $0.split(separator: " ").count }
        #expect(turns.first == ChatTurn(role: .system, text: "You are Chorus."))
        #expect(turns.last == ChatTurn(role: .user, text: "last question"))
        #expect(turns.count < history.count)
        #expect(turns[1].role == .user, "never opens with the bot speaking")
        let tiny = PromptBuilder(systemPrompt: "x", botName: "C", tokenBudget: 1)
        #expect(tiny.turns(history: history, isGroup: false) { $0.count }.last?.text == "last question")
    }

    @Test("group turns carry speaker names; consecutive turns of one role merge")
    func group() {
        let history = [Self.entry(.user, "hi", name: "Ana"), Self.entry(.user, "hello", name: "Ben"), Self.entry(.assistant, "hey"),
                       Self.entry(.user, "Chorus, help", name: "Cléo")]
        let turns = PromptBuilder(botName: "Chorus", tokenBudget: 1000).turns(history: history, isGroup: true) { $0.count }
        #expect(turns.map(\.role) == [.system, .user, .assistant, .user])
        #expect(turns[1].text == "Ana: hi\nBen: hello")
        #expect(turns[3].text == "Cléo: Chorus, help")
    }
}
