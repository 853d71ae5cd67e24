import ChorusCore
import Foundation
import Queue
import Simulator

/// A real `chorus serve` process with a real model, talking to the simulator's fake Graph API.
struct Harness {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MoETests/Fixtures/models/llama4-tiny.f32.gguf").path

    let simulator: MetaSimulator
    let chorus: ChorusProcess

    /// Starts the fake Graph API (unless `graphDown`), then `chorus serve` pointed at it.
    /// `engine` replaces `--model <fixture>` (e.g. `--engine-url …`); `environment` adds variables.
    static func start(config: [String: Any] = [:], arguments: [String] = [], graphDown: Bool = false,
                      database: String? = nil, engine: [String]? = nil, environment: [String: String] = [:]) async throws -> Harness {
        let port = ChorusProcess.freePort()
        var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
        options.port = port
        options.database = database
        let simulator = await MetaSimulator(serverPort: port, appSecret: options.appSecret, accessToken: options.accessToken)
        let graphPort = ChorusProcess.freePort()
        if !graphDown { try await simulator.startGraph(port: graphPort) }
        // The fake Graph API runs in this test process, which heavy suites can starve for seconds:
        // a generous send timeout keeps a slow answer from becoming a retry and a second delivery.
        var settings: [String: Any] = ["send_retry_base_seconds": 0.05, "send_retry_cap_seconds": 0.5, "max_reply_tokens": 24,
                                       "graph_timeout_seconds": 60]
        settings.merge(config) { _, new in new }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-config-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: settings).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        options.environment.merge(environment) { _, new in new }
        options.arguments = (engine ?? ["--model", model]) + ["--graph-url", "http://127.0.0.1:\(graphPort)", "--config", file.path,
                             "--log-level", "info"] + arguments
        let chorus = try ChorusProcess(options)
        return Harness(simulator: simulator, chorus: chorus)
    }

    /// Runs `body` with a fresh harness and always shuts everything down.
    static func with(config: [String: Any] = [:], arguments: [String] = [], _ body: (Harness) async throws -> Void) async throws {
        let harness = try await start(config: config, arguments: arguments)
        do {
            try await body(harness)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    func shutdown() async {
        chorus.stop()
        await simulator.stopGraph()
    }

    /// The queue, memory and outbox, read from the server's database file.
    func store() throws -> SQLiteQueue { try SQLiteQueue(path: chorus.database) }

    /// Waits until every event is handled and every send settled (sent or dead); returns the
    /// delivered texts. For checks that nothing (more) is sent.
    func idle(timeout: Duration = .seconds(60)) async throws -> [GraphRecord] {
        let store = try store()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let stats = try await store.stats()
            let busy = [JobState.queued, .leased, .retry].map { stats.counts[$0] ?? 0 }.reduce(0, +)
            let outbox = try await store.outboxCounts()
            if busy == 0, (outbox[.pending] ?? 0) + (outbox[.sending] ?? 0) == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return await simulator.ledger.deliveredTexts
    }

    /// Waits for `count` delivered texts, then a little longer to catch extras.
    func delivered(_ count: Int, settle: Duration = .milliseconds(300)) async -> [GraphRecord] {
        let texts = await simulator.ledger.waitForDeliveredTexts(count, timeout: .seconds(60))
        try? await Task.sleep(for: settle)
        let settled = await simulator.ledger.deliveredTexts
        if texts.count < count || settled.count > count {
            let records = await simulator.ledger.records
            print("expected \(count) delivered texts, got \(settled.count); fake Graph records: \(records)\nchorus log:\n\(chorus.tail(40))")
        }
        return settled
    }
}
