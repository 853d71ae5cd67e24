import ArgumentParser
import ChorusCore
import Foundation
import Simulator

/// `chorus simulate`: Meta, locally.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Play Messenger, Instagram and WhatsApp against chorus serve, with a fake Graph API that shows the bot's replies.",
        subcommands: [SimulateRunCommand.self, SimulateChatCommand.self, SimulateLoadCommand.self, SimulateCrashCommand.self])
}

/// Options every simulation shares.
struct SimulationOptions: ParsableArguments {
    @Option(help: "Play Meta for a chorus serve already running on 127.0.0.1:PORT (its secrets in CHORUS_<PLATFORM>_APP_SECRET and _ACCESS_TOKEN) instead of starting one.")
    var serverPort: Int?

    @Option(help: "With --server-port: the port of the fake Graph API to start (the server's --graph-url must point at it).")
    var graphPort: Int?

    @Option(help: "The server's queue (SQLite path or postgres:// URL): with --server-port the running server's, for exact waits and gate checks; with crash, the one the started server uses.")
    var database: String?

    @Option(help: "GGUF model the simulated server answers with (env CHORUS_MODEL; default: the bundled model).")
    var model: String?

    func resolvedModel() throws -> String {
        guard let model = model ?? ProcessInfo.processInfo.environment["CHORUS_MODEL"] ?? BundledModel.model else {
            throw ValidationError("no model: pass --model FILE.gguf (or set CHORUS_MODEL); the bundled Models/\(BundledModel.modelName) was not found")
        }
        return model
    }

    /// `--mmproj` for the simulated server: the bundled projector when the bundled model is used.
    func serveArguments() throws -> [String] {
        let chosen = try resolvedModel()
        if chosen == BundledModel.model, let mmproj = BundledModel.mmproj {
            return ["--mmproj", mmproj, "--media-allow-host", "127.0.0.1"]
        }
        return ["--media-allow-host", "127.0.0.1"]
    }
}

/// `chorus simulate run FILE…`: scripted scenarios; exit status 1 when an expectation fails.
struct SimulateRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files (JSON) against a fresh chorus serve; non-zero exit on a failed expectation.")

    @Argument(help: "Scenario files.")
    var files: [String]

    @OptionGroup var options: SimulationOptions

    @Flag(help: "Print only failures and the summary.")
    var quiet = false

    func run() async throws {
        var scenarios: [Scenario] = []
        for path in files {
            do {
                scenarios.append(try Scenario.load(path: path))
            } catch let error as ScenarioError {
                throw ValidationError(error.description)
            }
        }
        var failed = 0
        if let port = options.serverPort {
            // One simulator for all scenarios against the running server.
            guard let graphPort = options.graphPort else { throw ValidationError("--server-port needs --graph-port (the server's --graph-url port)") }
            for scenario in scenarios {
                let attached = try await SimulatedDeployment.attach(serverPort: port, graphPort: graphPort, database: options.database,
                                                                    platform: scenario.platform)
                let printer: (@Sendable (String) -> Void)? = quiet ? nil : { @Sendable line in print("    " + line) }
                if !quiet { print("▶ \(scenario.name) (against 127.0.0.1:\(port))") }
                let failures = try await ScenarioRunner(simulator: attached.simulator, probe: SimulatedDeployment.probe(attached.store),
                                                        log: printer).run(scenario)
                await attached.simulator.stopGraph()
                failed += failures.isEmpty ? 0 : 1
                print(failures.isEmpty ? "✔ \(scenario.name)" : "✘ \(scenario.name)\n" + failures.map { "    " + $0 }.joined(separator: "\n"))
            }
            print("\(scenarios.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
            return
        }
        for scenario in scenarios {
            let deployment = try await SimulatedDeployment.start(model: try options.resolvedModel(), serveArguments: try options.serveArguments())
            let printer: (@Sendable (String) -> Void)? = quiet ? nil : { @Sendable line in print("    " + line) }
            let runner = ScenarioRunner(simulator: deployment.simulator, probe: deployment.probe, log: printer)
            if !quiet { print("▶ \(scenario.name) (\(scenario.platform.rawValue)\(scenario.group == nil ? "" : ", group"))") }
            let failures = try await deployment.whileRunning { try await runner.run(scenario) }
            if failures.isEmpty {
                print("✔ \(scenario.name)")
            } else {
                failed += 1
                print("✘ \(scenario.name)")
                for failure in failures { print("    \(failure)") }
            }
        }
        print("\(scenarios.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
