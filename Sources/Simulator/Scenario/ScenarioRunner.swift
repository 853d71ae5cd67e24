import ChorusCore
import Foundation

/// Plays a `Scenario` against a running server through a `MetaSimulator` and checks each
/// expectation. Returns the failures (empty: the scenario held).
public struct ScenarioRunner: Sendable {
    /// What a runner can ask the server's side (a child process's database) to decide quickly.
    public struct Probe: Sendable {
        /// Whether every event is handled and every send settled.
        public var isIdle: @Sendable () async throws -> Bool
        /// The language gate's decision for a message id: (language, open), when recorded.
        public var gate: @Sendable (_ messageID: String) async throws -> (language: String, open: Bool)?

        /// Creates a probe.
        public init(isIdle: @escaping @Sendable () async throws -> Bool,
                    gate: @escaping @Sendable (String) async throws -> (language: String, open: Bool)?) {
            self.isIdle = isIdle
            self.gate = gate
        }
    }

    /// The simulator playing Meta.
    public let simulator: MetaSimulator
    /// The server-side probe.
    public let probe: Probe
    /// Progress lines (people's messages and the bot's replies), or nil for silence.
    public let log: (@Sendable (String) -> Void)?

    /// Creates a runner.
    public init(simulator: MetaSimulator, probe: Probe, log: (@Sendable (String) -> Void)? = nil) {
        self.simulator = simulator
        self.probe = probe
        self.log = log
    }

    /// Runs the scenario; returns the failed expectations, described.
    public func run(_ scenario: Scenario) async throws -> [String] {
        var ids: [String: String] = [:]
        for (index, person) in scenario.people.enumerated() {
            ids[person.name] = person.id ?? WebhookFactory.userID(platform: scenario.platform, index: 9000 + index)
        }
        var labels: [String: String] = [:]
        var seen = await simulator.ledger.deliveredTexts.count
        var lastAnswered: String?
        var failures: [String] = []
        var held: [(message: WebhookFactory.TextMessage, count: Int)] = []
        for (index, step) in scenario.steps.enumerated() {
            if let wait = step.wait { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            let where_ = "\(scenario.name) step \(index + 1)"
            if step.release == true {
                // Out of order: the last held message first; batched: all in one body.
                let bodies: [[WebhookFactory.TextMessage]] = step.batched == true
                    ? [held.map(\.message)] : held.reversed().map { [$0.message] }
                for body in bodies where !body.isEmpty {
                    let status = try await simulator.deliver(body, on: scenario.platform)
                    if status != 200 { failures.append("\(where_): the server answered \(status) to held messages") }
                }
                if let last = held.last { lastAnswered = last.message.id }
                log?("(released \(held.count) held message(s)\(step.batched == true ? " in one body" : " in reverse order"))")
                held = []
                continue
            }
            if let text = step.say {
                let name = step.from ?? scenario.people[0].name
                let person = MetaSimulator.Person(id: ids[name]!, name: name)
                var replyTo: String?
                if let target = step.replyTo {
                    replyTo = target == "bot" ? await simulator.ledger.deliveredTexts.last?.sentID : labels[target]
                }
                if step.hold == true {
                    let message = await simulator.prepare(text, from: person, on: scenario.platform, group: scenario.group, replyTo: replyTo)
                    held.append((message, 1))
                    if let label = step.label { labels[label] = message.id }
                    log?("\(name): \(text) (held)")
                    continue
                }
                let delivery = try await simulator.say(text, from: person, on: scenario.platform, group: scenario.group,
                                                       replyTo: replyTo, deliveries: step.deliveries ?? 1)
                if delivery.status != 200 { failures.append("\(where_): the server answered \(delivery.status) to a signed webhook") }
                if let label = step.label { labels[label] = delivery.messageID }
                lastAnswered = delivery.messageID
                log?("\(name): \(text)")
                continue
            }
            guard let expect = step.expect else { continue }
            let timeout = Duration.milliseconds(Int((expect.within ?? 60) * 1000))
            let wanted = expect.replies ?? 1
            if wanted > 0 { _ = await simulator.ledger.waitForDeliveredTexts(seen + wanted, timeout: timeout) }
            try await waitIdle(timeout: timeout)
            let all = await simulator.ledger.deliveredTexts
            let fresh = Array(all.dropFirst(seen))
            seen = all.count
            for reply in fresh { log?("  bot → \(reply.to ?? "?"): \(reply.text ?? "")\(reply.messageID.map { " (quoting \($0))" } ?? "")") }
            if let count = expect.replies, fresh.count != count {
                failures.append("\(where_): expected \(count) new replies, got \(fresh.count)")
            }
            if let label = expect.quotes, fresh.first?.messageID != labels[label] {
                failures.append("\(where_): expected the reply to quote '\(label)' (\(labels[label] ?? "?")), it quoted \(fresh.first?.messageID ?? "nothing")")
            }
            if let name = expect.addresses, !(fresh.first?.text?.hasPrefix(name) ?? false) {
                failures.append("\(where_): expected the reply to address \(name), got \"\(fresh.first?.text ?? "")\"")
            }
            if let pattern = expect.matches, let regex = try? NSRegularExpression(pattern: pattern) {
                for reply in fresh {
                    let text = reply.text ?? ""
                    if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                        failures.append("\(where_): reply \"\(text)\" does not match /\(pattern)/")
                    }
                }
            }
            if expect.gate != nil || expect.language != nil {
                guard let id = lastAnswered, let decision = try await probe.gate(id) else {
                    failures.append("\(where_): no language gate decision recorded for the last message (against a running server, pass its --database)")
                    continue
                }
                if let gate = expect.gate, (gate == "open") != decision.open {
                    failures.append("\(where_): expected the gate \(gate), it was \(decision.open ? "open" : "closed")")
                }
                if let language = expect.language, language != decision.language {
                    failures.append("\(where_): expected language \(language), the gate decided \(decision.language)")
                }
            }
        }
        return failures
    }

    private func waitIdle(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await probe.isIdle() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
