import ChorusCore
import Foundation
import Queue
import Simulator
import Testing

/// The assistant end to end: real `chorus serve`, real model file, real SQLite, the simulator's
/// fake Graph API.
@Suite("Assistant conversations", .serialized)
struct ConversationTests {
    @Test("1:1 on each platform: one reply, to the sender, marked read with typing", arguments: Platform.allCases)
    func direct(platform: Platform) async throws {
        try await Harness.with { harness in
            let ana = MetaSimulator.Person(id: WebhookFactory.userID(platform: platform, index: 1), name: "Ana")
            let delivery = try await harness.simulator.say("Hello there, how are you?", from: ana, on: platform)
            #expect(delivery.status == 200)
            let texts = await harness.delivered(1)
            #expect(texts.count == 1)
            let reply = try #require(texts.first)
            #expect(reply.to == ana.id)
            #expect(reply.platform == platform)
            #expect(!(reply.text ?? "").isEmpty)
            #expect(reply.messageID == nil, "direct replies do not quote")
            let records = await harness.simulator.ledger.records
            #expect(records.contains { $0.kind == .typing && $0.to == ana.id || $0.kind == .typing && $0.messageID == delivery.messageID })
            let history = try await harness.store().history(conversation: "\(platform.rawValue):\(harness.simulator.accounts[platform]!):direct:\(ana.id)", limit: 10)
            #expect(history.map(\.role) == [.user, .assistant])
            #expect(history.last?.messageID == reply.sentID)
        }
    }

    @Test("a WhatsApp group of three: answers only when addressed, quotes the right message, addresses the person")
    func group() async throws {
        try await Harness.with { harness in
            let group = "120363025246125486@g.us"
            let ana = MetaSimulator.Person(id: "15550000001", name: "Ana")
            let ben = MetaSimulator.Person(id: "15550000002", name: "Ben")
            let cleo = MetaSimulator.Person(id: "15550000003", name: "Cléo")
            try await harness.simulator.say("Who is coming tonight?", from: ana, on: .whatsapp, group: group)
            try await harness.simulator.say("Me! 🎉", from: ben, on: .whatsapp, group: group)
            var texts = try await harness.idle()
            #expect(texts.isEmpty, "nobody addressed the bot")
            let asked = try await harness.simulator.say("CHÖRUS, what should we bring?", from: ben, on: .whatsapp, group: group)
            texts = await harness.delivered(1)
            #expect(texts.count == 1)
            let first = try #require(texts.first)
            #expect(first.isGroup)
            #expect(first.to == group)
            #expect(first.messageID == asked.messageID, "quotes the message answered")
            #expect(first.text?.hasPrefix("Ben, ") == true, "several people spoke: the reply addresses Ben")
            // A quote-reply to the bot's message is addressed to it, without its name.
            let followUp = try await harness.simulator.say("and when?", from: cleo, on: .whatsapp, group: group, replyTo: first.sentID)
            // An @mention anywhere addresses it too.
            let mention = try await harness.simulator.say("thanks @chorus 🙏", from: ana, on: .whatsapp, group: group)
            try await harness.simulator.say("see you all", from: cleo, on: .whatsapp, group: group)
            _ = await harness.delivered(3)
            texts = try await harness.idle()
            #expect(texts.count == 3)
            #expect(Set(texts.dropFirst().compactMap(\.messageID)) == [followUp.messageID, mention.messageID])
            let records = await harness.simulator.ledger.records
            #expect(!records.contains { $0.kind == .read || $0.kind == .typing }, "no read receipts or typing in groups")
            let memory = try await harness.store().history(conversation: "whatsapp:\(harness.simulator.accounts[.whatsapp]!):group:\(group)", limit: 50)
            #expect(memory.filter { $0.role == .user }.count == 6, "every group message is remembered")
            #expect(memory.filter { $0.role == .user }.map { $0.speakerName ?? "" }.contains("Cléo"))
        }
    }
}
