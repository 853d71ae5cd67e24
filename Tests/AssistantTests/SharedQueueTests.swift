import ChorusCore
import Foundation
import Queue
@testable import QueuePostgres
import Simulator
import Testing

/// Two real `chorus serve` processes on one PostgreSQL queue, with the fixture model and the fake
/// Graph API; Meta's webhooks spread over both, as a load balancer would. Needs
/// `CHORUS_TEST_POSTGRES_URL` (scripts/test.sh starts a server).
@Suite("Two servers on one PostgreSQL queue", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false))
struct SharedQueueTests {
    static let people = (0..<6).map { MetaSimulator.Person(id: "1555300\($0)000", name: "Person \($0)") }
    static let messagesEach = 4

    @Test("every message is answered exactly once, each conversation's replies in order")
    func everyMessageAnsweredOnceInOrder() async throws {
        let base = try #require(ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"])
        let schema = "e2e" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)&pool=4&timeout=60"
        // As an operator would before a rollout: the schema first, then the servers.
        let (status, output) = try OperatorCommandTests.chorus(["queue", "migrate", "--database", url])
        #expect(status == 0 && output.contains("applied v1: event and quarantine"), "\(output)")
        #expect(!output.contains(Self.password(base) ?? "\u{0}"), "the password is never printed")

        let ports = [ChorusProcess.freePort(), ChorusProcess.freePort()]
        let options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
        // One simulator owns the fake Graph API (every reply lands there); the other only signs
        // and posts webhooks to the second server.
        let front = await MetaSimulator(serverPort: ports[0], appSecret: options.appSecret, accessToken: options.accessToken)
        let back = await MetaSimulator(serverPort: ports[1], appSecret: options.appSecret, accessToken: options.accessToken)
        try await front.startGraph()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-config-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: ["send_retry_base_seconds": 0.05, "send_retry_cap_seconds": 0.5,
                                                    "max_reply_tokens": 12]).write(to: config)
        var servers: [ChorusProcess] = []
        defer {
            for server in servers { server.stop() }
            try? FileManager.default.removeItem(at: config)
        }
        for port in ports {
            var serverOptions = options
            serverOptions.port = port
            serverOptions.database = url
            serverOptions.arguments = ["--model", Harness.model, "--graph-url", front.graphURL, "--config", config.path,
                                       "--log-level", "info"]
            servers.append(try ChorusProcess(serverOptions))
        }

        // Each person writes in order; message k of person p goes to server (p + k) % 2.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (p, person) in Self.people.enumerated() {
                group.addTask {
                    for k in 0..<Self.messagesEach {
                        let message = await front.prepare("question \(k) from \(person.name)", from: person, on: .whatsapp)
                        let status = try await [front, back][(p + k) % 2].deliver([message], on: .whatsapp)
                        #expect(status == 200)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = Self.people.count * Self.messagesEach
        let texts = await front.ledger.waitForDeliveredTexts(total, timeout: .seconds(240))
        try await Task.sleep(for: .milliseconds(500))  // catch extras
        let delivered = await front.ledger.deliveredTexts
        if texts.count < total {
            Issue.record("\(texts.count) of \(total) replies; logs:\n\(servers.map { $0.tail(30) }.joined(separator: "\n---\n"))")
        }
        #expect(delivered.count == total, "one reply per message, no duplicates")

        let queue = try await PostgresQueue(url: url, migrate: false)
        defer { Task { try? await queue.dropSchema(); try? queue.close() } }
        let events = try await queue.list(state: nil, limit: 1000, offset: 0)
        #expect(events.count == total)
        #expect(events.allSatisfy { $0.job.state == .done }, "\(events.map(\.job.state))")
        // Each event's one text send, sent, and the fake Graph's record of it.
        let sequenceBySentID = Dictionary(delivered.compactMap { record in record.sentID.map { ($0, record.sequence) } },
                                          uniquingKeysWith: { first, _ in first })
        var repliesByPerson: [String: [(ts: Int64, sequence: Int)]] = [:]
        for stored in events {
            let texts = try await queue.sends(eventID: stored.id).filter { $0.kind == .text }
            #expect(texts.count == 1 && texts.first?.state == .sent, "event \(stored.id): \(texts)")
            guard let sentID = texts.first?.sentMessageID, let sequence = sequenceBySentID[sentID] else {
                Issue.record("event \(stored.id)'s reply is not among the delivered texts")
                continue
            }
            repliesByPerson[stored.event.sender?.id ?? "", default: []].append((stored.event.timestamp, sequence))
        }
        for person in Self.people {
            let replies = (repliesByPerson[person.id] ?? []).sorted { $0.ts < $1.ts }
            #expect(replies.count == Self.messagesEach)
            #expect(replies.map(\.sequence) == replies.map(\.sequence).sorted(), "\(person.name)'s replies out of order")
            let history = try await queue.history(conversation: ConversationRef(
                platform: .whatsapp, account: front.accounts[.whatsapp] ?? "", kind: .direct, id: person.id).key, limit: 100)
            #expect(history.map(\.role) == Array(repeating: [HistoryEntry.Role.user, .assistant], count: Self.messagesEach).flatMap { $0 },
                    "each question answered before the next one was read")
        }
        // The operator's view of the shared queue, password masked.
        let (statsStatus, stats) = try OperatorCommandTests.chorus(["queue", "stats", "--json", "--database", url])
        #expect(statsStatus == 0 && stats.contains(#""done":\#(total)"#) && stats.contains(":***@"), "\(stats)")
        #expect(!stats.contains(Self.password(base) ?? "\u{0}"))
        // Both front ends took webhooks; together they stored and handled each event once.
        let stored = try servers.map { try Self.counter("chorus_events_stored_total", port: $0.port) }
        let handled = try servers.map { try Self.counter("chorus_events_handled_total", port: $0.port) }
        print("two servers on one PostgreSQL queue: stored \(stored), handled \(handled)")
        #expect(stored.allSatisfy { $0 > 0 } && stored.reduce(0, +) == Double(total))
        #expect(handled.reduce(0, +) == Double(total))
        for server in servers { #expect(server.isRunning) }
        await front.stopGraph()
    }

    /// The sum of a counter's series on a server's `/metrics`.
    static func counter(_ name: String, port: Int) throws -> Double {
        let response = try HTTPConnection(host: "127.0.0.1", port: port).request(method: "GET", path: "/metrics")
        return String(decoding: response.body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    /// The password in a `postgres://user:password@…` URL, if any.
    static func password(_ url: String) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        return components.password
    }
}
