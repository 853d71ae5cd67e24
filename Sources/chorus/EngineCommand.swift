import ArgumentParser
import Assistant
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import OpenAIServer
import Webhooks

/// `chorus engine`: the engine on its own.
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Run the in-process engine on its own.",
        subcommands: [EngineServeCommand.self])
}

/// `chorus engine serve`: an engine host. The model behind OpenAI's `/v1/chat/completions` and
/// `/v1/models`, for other tools and for `chorus serve --engine-url` front ends; no webhooks,
/// no queue.
struct EngineServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model as an OpenAI-compatible API (/v1/chat/completions, /v1/models).",
        discussion: """
            When CHORUS_OPENAI_API_KEY is set, every request needs 'Authorization: Bearer <key>'. \
            Concurrent requests decode together (--parallel at once, --max-queue more waiting; 503 past that).
            """)

    @Option(help: "GGUF model (env CHORUS_MODEL; default: the bundled Models/chorus-tiny-llama4.gguf).")
    var model: String?

    @Option(help: "Llama 4 vision projector (mmproj GGUF): requests may carry images (env CHORUS_MMPROJ).")
    var mmproj: String?

    @Option(help: "The model's name in /v1/models and in answers (default: the model's file name).")
    var modelName: String?

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to bind (default 8081; 0: any free port).")
    var port: Int = 8081

    @Option(help: "Engine compute threads (default 1).")
    var threads: Int = 1

    @Option(help: "Replies decoded together (default 8).")
    var parallel: Int = 8

    @Option(help: "Requests that may wait for a place beyond --parallel before 503 (default 32).")
    var maxQueue: Int = 32

    @Option(help: "Context length per request, prompt plus reply, in tokens (default 2048).")
    var context: Int = 2048

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("port \(port) is out of range 0…65535") }
        guard threads >= 1, parallel >= 1, maxQueue >= 0, context >= 16 else {
            throw ValidationError("--threads and --parallel must be at least 1, --max-queue at least 0, --context at least 16")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let explicitModel = model ?? environment["CHORUS_MODEL"]
        guard let path = explicitModel ?? BundledModel.model else {
            throw ValidationError("no model: give --model PATH (or set CHORUS_MODEL)")
        }
        let projector = mmproj ?? environment["CHORUS_MMPROJ"] ?? (explicitModel == nil ? BundledModel.mmproj : nil)
        var logger = Logger(label: "chorus-engine")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        logger.info("loading model", metadata: ["model": "\(path)", "mmproj": "\(projector ?? "none")", "threads": "\(threads)"])
        let engine = try MoEReplyEngine(path: path, mmproj: projector, threads: threads, contextTokens: context, streamingBatch: parallel)
        var settings = OpenAIServerSettings(modelName: modelName ?? URL(fileURLWithPath: path).lastPathComponent,
                                            apiKey: environment["CHORUS_OPENAI_API_KEY"].flatMap { $0.isEmpty ? nil : $0 })
        settings.maxQueue = maxQueue
        let app = buildEngineHost(engine: engine, settings: settings, host: host, port: port, logger: logger)
        try await app.runService()
    }
}

/// The engine host's application: the OpenAI routes and `/healthz`; `onRunning` gets the port.
func buildEngineHost(
    engine: MoEReplyEngine, settings: OpenAIServerSettings, host: String, port: Int, logger: Logger,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    HealthRoutes<BasicRequestContext>(isReady: { true }).register(on: router)
    OpenAIRoutes<BasicRequestContext>(engine: engine, settings: settings, logger: logger).register(on: router)
    var http = HTTP1Channel.Configuration(idleTimeout: .seconds(300))
    http.httpDecoder = .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
    return Application(
        router: router, server: .http1(configuration: http),
        configuration: .init(address: .hostname(host, port: port), serverName: "chorus-engine"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? port
            logger.info("engine serving", metadata: [
                "address": "\(host):\(port)", "model": "\(settings.modelName)", "parallel": "\(engine.streamingBatch)",
                "auth": "\(settings.apiKey == nil ? "none" : "bearer")",
            ])
            await onRunning(port)
        },
        logger: logger)
}
