import ChorusCore
import Foundation
import Simulator
import Testing
@testable import chorus

/// The shipped scenarios (Scenarios/*.json) against a real `chorus serve`, as
/// `chorus simulate run` plays them.
@Suite("Shipped scenarios", .serialized)
struct ScenarioTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0).path }
    }

    @Test("there is a scenario for each platform and for a group")
    func coverage() throws {
        let scenarios = try Self.files.map(Scenario.load(path:))
        #expect(Set(scenarios.map(\.platform)) == Set(ChorusCore.Platform.allCases))
        #expect(scenarios.contains { $0.group != nil })
    }

    @Test("each shipped scenario holds", arguments: ScenarioTests.files)
    func scenario(path: String) async throws {
        let scenario = try Scenario.load(path: path)
        let deployment = try await SimulatedDeployment.start(model: Harness.model, config: ["max_reply_tokens": 16])
        let failures = try await deployment.whileRunning {
            try await ScenarioRunner(simulator: deployment.simulator, probe: deployment.probe).run(scenario)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test("a failing expectation is reported, not passed")
    func failingExpectation() async throws {
        let scenario = Scenario(name: "wrong", platform: .whatsapp, people: [.init(name: "Ana", id: nil)], group: nil, steps: [
            .init(say: "Hello there!"),
            .init(expect: .init(replies: 2, within: 3)),
        ])
        let deployment = try await SimulatedDeployment.start(model: Harness.model, config: ["max_reply_tokens": 8])
        let failures = try await deployment.whileRunning {
            try await ScenarioRunner(simulator: deployment.simulator, probe: deployment.probe).run(scenario)
        }
        #expect(failures == ["wrong step 2: expected 2 new replies, got 1"])
    }

    @Test("bad scenario files are clear errors", arguments: [
        (#"{"name":"x","platform":"whatsapp","people":[],"steps":[]}"#, "at least one person"),
        (#"{"name":"x","platform":"messenger","group":"g","people":[{"name":"A"}],"steps":[]}"#, "WhatsApp only"),
        (#"{"name":"x","platform":"whatsapp","people":[{"name":"A"}],"steps":[{"say":"hi","from":"Z"}]}"#, "nobody called 'Z'"),
        (#"{"name":"x","platform":"whatsapp","people":[{"name":"A"}],"steps":[{"expect":{"quotes":"q"}}]}"#, "not an earlier label"),
        (#"{"name":"x","platform":"telegram","people":[{"name":"A"}],"steps":[]}"#, "bad value for 'platform'"),
        (#"{"name":"x","platform":"whatsapp","#, "not valid JSON"),
    ])
    func badFiles(json: String, message: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID()).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try Scenario.load(path: path) } throws: { "\($0)".contains(message) }
    }

    @Test("a scenario against a chorus serve that was already running (simulate run --server-port)")
    func attached() async throws {
        let graphPort = ChorusProcess.freePort()
        var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
        options.arguments = ["--model", Harness.model, "--graph-url", "http://127.0.0.1:\(graphPort)", "--log-level", "warning"]
        let server = try ChorusProcess(options)
        defer { server.stop() }
        let environment = server.environment
        let scenario = try Scenario.load(path: Self.folder.appendingPathComponent("whatsapp-group.json").path)
        let attached = try await SimulatedDeployment.attach(serverPort: server.port, graphPort: graphPort, database: server.database,
                                                            platform: .whatsapp, environment: environment)
        let failures = try await ScenarioRunner(simulator: attached.simulator, probe: SimulatedDeployment.probe(attached.store)).run(scenario)
        await attached.simulator.stopGraph()
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        await #expect(throws: ConfigError.self) {
            _ = try await SimulatedDeployment.attach(serverPort: server.port, graphPort: graphPort, database: nil, platform: .whatsapp, environment: [:])
        }
    }
}
