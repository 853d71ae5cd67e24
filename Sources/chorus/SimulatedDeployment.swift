import Assistant
import ChorusCore
import Foundation
import Queue
import Simulator

/// `chorus serve` as a child process of this binary, with the simulator's fake Graph API in this
/// process: what `chorus simulate` runs scenarios, chats and load against.
final class SimulatedDeployment: @unchecked Sendable {
    let simulator: MetaSimulator
    let server: ChorusProcess
    let store: any QueueBackend

    /// Starts the fake Graph API, then `chorus serve --model MODEL --graph-url <fake>`, on `database`
    /// (a SQLite path or a postgres:// URL; a fresh temporary SQLite file when nil).
    static func start(model: String, serveArguments: [String] = [], config: [String: Any] = [:],
                      database: String? = nil) async throws -> SimulatedDeployment {
        guard FileManager.default.fileExists(atPath: model) else {
            throw ConfigError(description: "no model at \(model): pass --model FILE.gguf")
        }
        let port = ChorusProcess.freePort()
        var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
        options.port = port
        options.database = database
        let simulator = await MetaSimulator(serverPort: port, appSecret: options.appSecret, accessToken: options.accessToken)
        try await simulator.startGraph()
        var settings: [String: Any] = ["send_retry_base_seconds": 0.2, "send_retry_cap_seconds": 5]
        settings.merge(config) { _, new in new }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-simulate-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: settings).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        options.arguments = ["--model", model, "--graph-url", simulator.graphURL, "--config", file.path, "--log-level", "warning"]
            + serveArguments
        let server = try ChorusProcess(options)
        return SimulatedDeployment(simulator: simulator, server: server, store: try await QueueBackends.open(server.database))
    }

    private init(simulator: MetaSimulator, server: ChorusProcess, store: any QueueBackend) {
        self.simulator = simulator
        self.server = server
        self.store = store
    }

    /// Plays Meta for a `chorus serve` that is already running on 127.0.0.1:`serverPort` (started
    /// with `--graph-url http://127.0.0.1:<graphPort>`): signs with `CHORUS_<PLATFORM>_APP_SECRET`
    /// and expects `CHORUS_<PLATFORM>_ACCESS_TOKEN` on sends, from the environment. With the
    /// server's `database`, waits and gate checks read it; without, a quiet period stands in.
    static func attach(serverPort: Int, graphPort: Int, database: String?, platform: Platform,
                       environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> AttachedDeployment {
        let prefix = "CHORUS_\(platform.rawValue.uppercased())_"
        guard let secret = environment[prefix + "APP_SECRET"], let token = environment[prefix + "ACCESS_TOKEN"] else {
            throw ConfigError(description: "set \(prefix)APP_SECRET and \(prefix)ACCESS_TOKEN to the running server's values")
        }
        let simulator = await MetaSimulator(serverPort: serverPort, appSecret: secret, accessToken: token)
        try await simulator.startGraph(port: graphPort)
        var store: (any QueueBackend)?
        if let database { store = try await QueueBackends.open(database, createIfMissing: false) }
        return AttachedDeployment(simulator: simulator, store: store)
    }

    /// Reads the server's database: idle when nothing is queued, leased or waiting to be sent;
    /// gate decisions from the events' notes.
    var probe: ScenarioRunner.Probe { Self.probe(store) }

    static func probe(_ store: (any QueueBackend)?) -> ScenarioRunner.Probe {
        guard let store else {
            return ScenarioRunner.Probe(
                isIdle: { try await Task.sleep(for: .seconds(3)); return true },
                gate: { _ in nil })
        }
        return ScenarioRunner.Probe(
            isIdle: {
                let stats = try await store.stats()
                let busy = [JobState.queued, .leased, .retry].map { stats.counts[$0] ?? 0 }.reduce(0, +)
                let outbox = try await store.outboxCounts()
                return busy == 0 && (outbox[.pending] ?? 0) + (outbox[.sending] ?? 0) == 0
            },
            gate: { messageID in
                guard let json = try await store.note(messageID: messageID), let gate = EventNote.parse(json)?.gate else { return nil }
                return (gate.language, gate.open)
            })
    }

    /// Runs `body`, then shuts the deployment down whatever happened.
    func whileRunning<R>(_ body: () async throws -> R) async throws -> R {
        do {
            let result = try await body()
            await shutdown()
            return result
        } catch {
            await shutdown()
            throw error
        }
    }

    func shutdown() async {
        server.stop()
        await simulator.stopGraph()
    }
}

/// The simulator attached to a server it did not start.
struct AttachedDeployment {
    let simulator: MetaSimulator
    let store: (any QueueBackend)?
}
