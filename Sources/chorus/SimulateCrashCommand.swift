import ArgumentParser
import ChorusCore
import Foundation
import Queue
import Simulator

/// `chorus simulate crash`: load while the server is SIGKILLed and restarted at random moments;
/// then every acknowledged webhook must be stored once and every message answered once.
struct SimulateCrashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "Crash test: SIGKILL and restart chorus serve under load, then count lost, duplicated and stuck messages.",
        discussion: """
            Webhooks that fail (server down) are delivered again, as Meta does. Exit status 1 when a message \
            is lost or never answered, or an event stays leased. Duplicate replies are allowed only in the \
            window between a successful send and its record in the outbox, and are counted.
            """)

    @OptionGroup var options: SimulationOptions

    @Option(help: "SIGKILL + restart cycles.")
    var restarts: Int = 10

    @Option(help: "Conversations.")
    var conversations: Int = 40

    @Option(help: "Messages per conversation.")
    var messages: Int = 5

    @Option(help: "Seed of the kill schedule.")
    var seed: UInt64 = 7

    @Option(help: "Seconds to wait for the queue to drain after the last restart.")
    var drainTimeout: Double = 300

    func run() async throws {
        let deployment = try await SimulatedDeployment.start(
            model: try options.resolvedModel(),
            config: ["max_reply_tokens": 8, "lease_seconds": 10, "send_lease_seconds": 5, "send_retry_base_seconds": 0.1],
            database: options.database)
        let report = try await deployment.whileRunning { try await crash(deployment) }
        print(report.summary)
        if !report.passed { throw ExitCode(1) }
    }

    struct Report {
        var restarts = 0
        var acknowledged = 0
        var storedOnce = 0
        var lost = 0
        var expectedReplies = 0
        var repliesDelivered = 0
        var duplicateReplies = 0
        var unanswered = 0
        var generatedTwice = 0
        var stuckLeased = 0
        var stuckSends = 0

        var passed: Bool { lost == 0 && unanswered == 0 && stuckLeased == 0 && stuckSends == 0 && generatedTwice == 0 }

        var summary: String {
            """
            restarts survived         \(restarts)
            acknowledged webhooks     \(acknowledged)
            stored exactly once       \(storedOnce)
            lost                      \(lost)
            replies expected          \(expectedReplies)
            replies delivered         \(repliesDelivered)
            duplicate replies         \(duplicateReplies) (allowed: send succeeded, killed before it was recorded)
            unanswered                \(unanswered)
            generated twice           \(generatedTwice)
            stuck leased events       \(stuckLeased)
            stuck sends               \(stuckSends)
            \(passed ? "PASS" : "FAIL")
            """
        }
    }

    private func crash(_ deployment: SimulatedDeployment) async throws -> Report {
        let simulator = deployment.simulator
        let people = (0..<conversations).map {
            MetaSimulator.Person(id: WebhookFactory.userID(platform: .whatsapp, index: 70_000 + $0), name: "Crash \($0)")
        }
        let acknowledged = AcknowledgedIDs()
        // Each conversation sends its messages in order; a delivery that fails (server down) is
        // retried until acknowledged, as Meta retries.
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for (c, person) in people.enumerated() {
                    group.addTask {
                        for k in 0..<messages {
                            // A redelivery is the same message (same id and time), as Meta's retries are.
                            let id = simulator.nextMessageID(.whatsapp)
                            let sentAt = Date()
                            var attempt = 0
                            while attempt < 200 {
                                attempt += 1
                                if let delivery = try? await simulator.say("Crash test message \(k + 1) of conversation \(c + 1)",
                                                                           from: person, on: .whatsapp, messageID: id, at: sentAt),
                                   delivery.status == 200 {
                                    acknowledged.add(delivery.messageID)
                                    break
                                }
                                try? await Task.sleep(for: .milliseconds(100 * min(attempt, 10)))
                            }
                        }
                    }
                }
            }
        }
        var random = SplitMix64(seed: seed)
        var report = Report()
        for _ in 0..<restarts {
            try await Task.sleep(for: .milliseconds(Int(300 + random.next() % 1700)))
            deployment.server.kill()
            try deployment.server.start()
            report.restarts += 1
        }
        await load.value
        // Drain: nothing queued, leased or waiting to be sent.
        let deadline = ContinuousClock.now + .seconds(drainTimeout)
        while ContinuousClock.now < deadline, !(try await deployment.probe.isIdle()) {
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .milliseconds(500))

        let store = deployment.store
        let ids = acknowledged.all
        report.acknowledged = ids.count
        let stored = try await store.list(state: nil, limit: 1_000_000, offset: 0)
        let storedIDs = Dictionary(grouping: stored.compactMap(\.event.messageID), by: { $0 }).mapValues(\.count)
        report.storedOnce = ids.filter { storedIDs[$0] == 1 }.count
        report.lost = ids.filter { storedIDs[$0] == nil }.count
        let stats = try await store.stats()
        report.stuckLeased = stats.counts[.leased] ?? 0
        let outbox = try await store.outboxCounts()
        report.stuckSends = (outbox[.pending] ?? 0) + (outbox[.sending] ?? 0)

        report.expectedReplies = ids.count
        let texts = await simulator.ledger.deliveredTexts
        report.repliesDelivered = texts.count
        var repliesPerUser: [String: Int] = [:]
        for text in texts { repliesPerUser[text.to ?? "", default: 0] += 1 }
        let account = simulator.accounts[.whatsapp]!
        for person in people {
            let key = ConversationRef(platform: .whatsapp, account: account, kind: .direct, id: person.id).key
            let history = try await store.history(conversation: key, limit: 10_000)
            let asked = history.filter { $0.role == .user }.count
            let answered = history.filter { $0.role == .assistant }.count
            report.generatedTwice += max(0, answered - asked)
            let delivered = repliesPerUser[person.id] ?? 0
            report.unanswered += max(0, asked - delivered)
            report.duplicateReplies += max(0, delivered - asked)
        }
        return report
    }
}

/// Message ids acknowledged with 200, from many tasks.
final class AcknowledgedIDs: @unchecked Sendable {
    private var ids: [String] = []
    private let lock = NSLock()
    func add(_ id: String) { lock.withLock { ids.append(id) } }
    var all: [String] { lock.withLock { ids } }
}

