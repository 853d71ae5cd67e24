import ArgumentParser
import Foundation
import Hummingbird
import Logging

/// `chorus serve`: the webhook ingress (and, with a model, the assistant).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive Messenger, Instagram and WhatsApp webhooks into the durable queue.",
        discussion: """
            Secrets come from the environment or the config file only: per platform \
            CHORUS_<PLATFORM>_APP_SECRET, CHORUS_<PLATFORM>_VERIFY_TOKEN and CHORUS_<PLATFORM>_ACCESS_TOKEN \
            (PLATFORM is MESSENGER, INSTAGRAM or WHATSAPP).
            """)

    @Option(help: "Address to bind (default 127.0.0.1, env CHORUS_HOST).")
    var host: String?

    @Option(help: "Port to bind (default 8080, env CHORUS_PORT).")
    var port: Int?

    @Option(help: "The queue: a SQLite file or a postgres:// URL shared by several servers (default chorus.sqlite, env CHORUS_DATABASE).")
    var database: String?

    @Option(help: "JSON config file (host, port, database, max_body_bytes, platforms, and per-platform app_secret, verify_token, access_token).")
    var config: String?

    @Option(name: .customLong("platform"), help: "Enable only this platform (repeatable; default: all three, env CHORUS_PLATFORMS).")
    var platforms: [String] = []

    @Option(help: "Largest webhook body accepted, in bytes (default 4 MiB).")
    var maxBodyBytes: Int?

    @Option(help: "GGUF model the assistant answers with (env CHORUS_MODEL; default: the bundled Models/chorus-tiny-llama4.gguf).")
    var model: String?

    @Flag(help: "Only receive webhooks into the queue; answer nothing (for ingress-only processes).")
    var ingressOnly = false

    @Option(help: "Llama 4 vision projector (mmproj GGUF): pictures in English conversations reach the model (env CHORUS_MMPROJ).")
    var mmproj: String?

    @Option(name: .customLong("media-allow-host"), help: "Also fetch pictures from this host, over HTTP too (repeatable; e.g. 127.0.0.1 for the simulator).")
    var mediaAllowHosts: [String] = []

    @Option(help: "Graph API base URL (default https://graph.facebook.com, env CHORUS_GRAPH_URL); the simulator's for local runs.")
    var graphURL: String?

    @Option(help: "The bot's name: groups address it by name or @mention (default Chorus, env CHORUS_BOT_NAME).")
    var botName: String?

    @Option(name: .customLong("bot-alias"), help: "Another name the bot answers to in groups (repeatable).")
    var botAliases: [String] = []

    @Option(name: .customLong("always-answer-group"), help: "A WhatsApp group id where the bot answers every message (repeatable).")
    var alwaysAnswerGroups: [String] = []

    @Option(help: "Engine compute threads (default 1).")
    var threads: Int?

    @Option(help: "Answer with this OpenAI-compatible server (vLLM, llama-server, chorus engine serve) instead of a model file (env CHORUS_ENGINE_URL; key from CHORUS_ENGINE_API_KEY).")
    var engineURL: String?

    @Option(help: "Model name to ask the --engine-url server for (env CHORUS_ENGINE_MODEL; default: the first it lists).")
    var engineModel: String?

    @Flag(help: "The --engine-url model takes images: pictures in English conversations travel as image_url data URLs.")
    var engineVision = false

    @Option(help: "Most requests in flight to the --engine-url server (default 8).")
    var engineMaxInFlight: Int?

    @Option(help: "Seconds a whole reply from the --engine-url server may take (default 600).")
    var engineTimeout: Double?

    @Flag(help: "Also serve the in-process engine as an OpenAI-compatible API at /v1 (key from CHORUS_OPENAI_API_KEY).")
    var openai = false

    @Option(help: "The model's name at /v1/models with --openai (default: the model's file name).")
    var modelName: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    /// The model: the flag, else CHORUS_MODEL, else the bundled one.
    private var defaultedModel: String? {
        model ?? ProcessInfo.processInfo.environment["CHORUS_MODEL"] ?? BundledModel.model
    }

    /// The bundled projector goes with the bundled model only.
    private var defaultedMMProj: String? {
        if let mmproj { return mmproj }
        if model == nil, ProcessInfo.processInfo.environment["CHORUS_MODEL"] == nil,
           ProcessInfo.processInfo.environment["CHORUS_MMPROJ"] == nil { return BundledModel.mmproj }
        return nil
    }

    func run() async throws {
        let resolved: ChorusConfig
        do {
            resolved = try ChorusConfig.resolve(
                host: host, port: port, database: database, configFile: config, platforms: platforms,
                maxBodyBytes: maxBodyBytes, environment: ProcessInfo.processInfo.environment,
                assistant: AssistantOptions(model: ingressOnly ? nil : defaultedModel, mmproj: ingressOnly ? nil : defaultedMMProj, mediaAllowHosts: mediaAllowHosts, graphURL: graphURL, botName: botName, aliases: botAliases,
                                            alwaysAnswerGroups: alwaysAnswerGroups, threads: threads,
                                            engineURL: engineURL, engineModel: engineModel, engineVision: engineVision,
                                            engineMaxInFlight: engineMaxInFlight, engineTimeout: engineTimeout,
                                            openAI: openai, modelName: modelName, ingressOnly: ingressOnly))
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
        var logger = Logger(label: "chorus")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        for warning in resolved.warnings { logger.warning("\(warning)") }
        let app = try await buildApplication(config: resolved, logger: logger)
        try await app.runService()
    }
}
