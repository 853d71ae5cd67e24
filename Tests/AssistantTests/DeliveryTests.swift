import ChorusCore
import Foundation
import Queue
import Simulator
import Testing

/// Sending: retries, dead letters, memory across restarts, and crashes between generation and sending.
@Suite("Assistant delivery", .serialized)
struct DeliveryTests {
    static let ana = MetaSimulator.Person(id: "15551230001", name: "Ana")

    @Test("Graph answering 500, then 429 with Retry-After, then 200: the reply is delivered once")
    func transientErrors() async throws {
        try await Harness.with { harness in
            var faults = GraphFaults()
            faults.script = [.serverError, .rateLimited(retryAfter: 1)]
            await harness.simulator.ledger.setFaults(faults)
            try await harness.simulator.say("Hi!", from: Self.ana, on: .whatsapp)
            _ = await harness.delivered(1)
            let texts = try await harness.idle()
            #expect(texts.count == 1)
            let attempts = await harness.simulator.ledger.records.filter { $0.kind == .text }
            #expect(attempts.map(\.status) == [500, 429, 200])
            let gap = attempts[2].at.timeIntervalSince(attempts[1].at)
            #expect(gap >= 0.9, "Retry-After was honoured (waited \(gap) s)")
        }
    }

    @Test("a permanent error (24-hour window closed) is a dead letter with its reason; retry re-sends it")
    func deadLetter() async throws {
        try await Harness.with { harness in
            var faults = GraphFaults()
            faults.script = [.graphError(code: 131047)]
            await harness.simulator.ledger.setFaults(faults)
            try await harness.simulator.say("Hello?", from: Self.ana, on: .whatsapp)
            let texts = try await harness.idle()
            #expect(texts.isEmpty)
            let store = try harness.store()
            let events = try await store.list(state: nil, limit: 10, offset: 0)
            let event = try #require(events.first)
            let sends = try await store.sends(eventID: event.id)
            let dead = try #require(sends.first { $0.kind == .text })
            #expect(dead.state == .dead)
            #expect(dead.lastError?.contains("131047") == true)
            #expect(dead.attempts == 1, "permanent errors are not retried")
            // The operator re-sends it.
            let (status, output) = try OperatorCommandTests.chorus(["queue", "retry", "\(event.id)", "--database", harness.chorus.database])
            #expect(status == 0 && output.contains("1 dead-lettered send(s) will be sent again"))
            _ = await harness.delivered(1)
            let after = try await harness.idle()
            #expect(after.count == 1)
        }
    }

    @Test("memory survives a restart: the second reply's prompt holds the first exchange")
    func memoryAcrossRestart() async throws {
        try await Harness.with { harness in
            try await harness.simulator.say("My name is Ana.", from: Self.ana, on: .whatsapp)
            _ = await harness.delivered(1)
            _ = try await harness.idle()
            harness.chorus.stop()
            try harness.chorus.start()
            try await harness.simulator.say("What is my name?", from: Self.ana, on: .whatsapp)
            _ = await harness.delivered(2)
            let texts = try await harness.idle()
            #expect(texts.count == 2)
            let key = "whatsapp:\(harness.simulator.accounts[.whatsapp]!):direct:\(Self.ana.id)"
            let history = try await harness.store().history(conversation: key, limit: 10)
            #expect(history.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(history.first?.text == "My name is Ana.")
        }
    }

    @Test("SIGKILL between generation and sending: after restart exactly one reply reaches the Graph API")
    func crashBeforeSend() async throws {
        // The Graph API is down at first: the reply is generated and committed to the outbox,
        // and every send attempt fails. Then the server is killed, the Graph API comes up, and
        // the restarted server sends what the outbox holds, without generating again.
        let harness = try await Harness.start(config: ["send_retry_base_seconds": 0.2, "send_lease_seconds": 1], graphDown: true)
        defer { harness.chorus.kill() }
        try await harness.simulator.say("Are you there?", from: Self.ana, on: .whatsapp)
        let store = try harness.store()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try await store.outboxCounts().values.reduce(0, +) == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await store.outboxCounts().values.reduce(0, +) >= 1, "the reply is in the outbox")
        harness.chorus.kill()
        try await harness.simulator.startGraph(port: Int(URL(string: harness.chorus.options.arguments[3])!.port!))
        try harness.chorus.start()
        _ = await harness.delivered(1)
        let texts = try await harness.idle()
        #expect(texts.count == 1)
        let key = "whatsapp:\(harness.simulator.accounts[.whatsapp]!):direct:\(Self.ana.id)"
        let history = try await store.history(conversation: key, limit: 10)
        #expect(history.filter { $0.role == .assistant }.count == 1, "generated once")
        harness.chorus.stop()
        await harness.simulator.stopGraph()
    }
}

/// A reply longer than the platform's limit reaches the user as several messages, each within it.
@Suite("Long replies", .serialized)
struct LongReplyTests {
    @Test("a long reply is split at the platform's limit and delivered in order", arguments: [Platform.instagram, .messenger])
    func split(platform: Platform) async throws {
        // The random-weight fixture model with stop tokens masked writes long gibberish: enough
        // text to cross Instagram's 1000 and Messenger's 2000 UTF-16 units.
        let tokens = platform == .instagram ? 700 : 1400
        try await Harness.with(config: ["max_reply_tokens": tokens, "min_reply_tokens": tokens]) { harness in
            let ana = MetaSimulator.Person(id: WebhookFactory.userID(platform: platform, index: 77), name: "Ana")
            try await harness.simulator.say("Tell me a very long story, please.", from: ana, on: platform)
            _ = await harness.delivered(2)
            let texts = try await harness.idle()
            #expect(texts.count >= 2, "the reply was split")
            #expect(texts.allSatisfy { ($0.text ?? "").utf16.count <= platform.textLimit })
            let key = "\(platform.rawValue):\(harness.simulator.accounts[platform]!):direct:\(ana.id)"
            let history = try await harness.store().history(conversation: key, limit: 10)
            let reply = try #require(history.last { $0.role == .assistant })
            #expect(reply.text.utf16.count > platform.textLimit)
            let sent = texts.compactMap(\.text).joined(separator: " ")
            #expect(sent.split(whereSeparator: \.isWhitespace) == reply.text.split(whereSeparator: \.isWhitespace),
                    "the parts, in order, are the whole reply")
        }
    }
}
