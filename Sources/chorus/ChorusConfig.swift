import Assistant
import ChorusCore
import Foundation
import OpenAIServer
import Webhooks

/// The resolved configuration of `chorus serve`: flags over environment over config file over defaults.
/// Secrets come only from the environment or the file, never from flags (they would show in `ps`).
struct ChorusConfig: Sendable {
    /// The address to bind.
    var host = "127.0.0.1"
    /// The port to bind (0: any free port, for tests).
    var port = 8080
    /// The SQLite database file of the queue.
    var database = "chorus.sqlite"
    /// Credentials and limits of the ingress.
    var ingress = IngressSettings(platforms: [:])
    /// Warnings to log once the logger exists (e.g. a config file readable by others).
    var warnings: [String] = []
    /// The GGUF model the assistant answers with (nil: ingress only).
    var model: String?
    /// The Llama 4 vision projector (mmproj GGUF), for pictures in English conversations.
    var mmproj: String?
    /// Hosts pictures may be fetched from besides Meta's CDN (plain HTTP allowed for these).
    var mediaAllowHosts: Set<String> = []
    /// The largest picture fetched, in bytes.
    var mediaMaxBytes = 10 * 1024 * 1024
    /// How long one picture download may take, in seconds.
    var mediaTimeout: Double = 15
    /// Sends per second per platform.
    var sendRates = SendRateLimiter.defaultRates
    /// Seconds a connection may stay silent (slow or idle clients) before it is closed.
    var idleTimeout: Double = 30
    /// The Graph API base URL (Meta's, or the simulator's fake).
    var graphURL = URL(string: "https://graph.facebook.com")!
    /// How long one Send API call may take, in seconds, before it is retried (a call that timed
    /// out may still have been delivered: the documented duplicate window).
    var graphTimeout: Double = 15
    /// Compute threads for the engine.
    var threads = 1
    /// How the assistant behaves.
    var assistant = AssistantSettings()
    /// The OpenAI-compatible server that answers instead of the in-process engine (`--engine-url`).
    var engine: OpenAIEngineSettings?
    /// Whether the main server also exposes the in-process engine at `/v1/…` (`--openai`).
    var openAI: OpenAIServerSettings?
    /// This process's lease owner name: stable across restarts (host:port by default, env
    /// CHORUS_WORKER_ID), so a restarted server takes back its own leases at once.
    var workerID = "chorus"

    /// The environment variable that holds one platform's credential.
    static func variable(_ platform: Platform, _ field: CredentialField) -> String {
        "CHORUS_\(platform.rawValue.uppercased())_\(field.rawValue.uppercased())"
    }

    /// The three credentials of a platform, by their config-file key.
    enum CredentialField: String, CaseIterable {
        case appSecret = "app_secret"
        case verifyToken = "verify_token"
        case accessToken = "access_token"
    }
}

/// The assistant's command-line options (nil or empty: environment, file, default).
struct AssistantOptions {
    var model: String?
    var mmproj: String?
    var mediaAllowHosts: [String] = []
    var graphURL: String?
    var botName: String?
    var aliases: [String] = []
    var alwaysAnswerGroups: [String] = []
    var threads: Int?
    /// `--engine-url` (else CHORUS_ENGINE_URL): answer with a remote OpenAI-compatible server.
    var engineURL: String?
    /// `--engine-model` (else CHORUS_ENGINE_MODEL).
    var engineModel: String?
    /// `--engine-vision`: the remote model takes images.
    var engineVision = false
    /// `--engine-max-in-flight`.
    var engineMaxInFlight: Int?
    /// `--engine-timeout`: seconds for a whole reply.
    var engineTimeout: Double?
    /// `--openai`: expose the in-process engine at /v1/… on the main server.
    var openAI = false
    /// `--model-name`: the model's name at /v1/models.
    var modelName: String?
    /// `--ingress-only`: no engine at all, whatever CHORUS_ENGINE_URL says.
    var ingressOnly = false
}

/// The config file's shape (JSON). Every field is optional; unknown fields are an error so typos show.
struct ConfigFile: Decodable {
    /// One platform's section.
    struct PlatformSection: Decodable {
        var app_secret: String?
        var verify_token: String?
        var access_token: String?
    }
    var host: String?
    var port: Int?
    var database: String?
    var max_body_bytes: Int?
    var platforms: [String]?
    var model: String?
    var graph_url: String?
    var bot_name: String?
    var bot_aliases: [String]?
    var always_answer_groups: [String]?
    var system_prompt: String?
    var threads: Int?
    var max_reply_tokens: Int?
    var min_reply_tokens: Int?
    var batch_size: Int?
    var seed: UInt64?
    var send_retry_base_seconds: Double?
    var send_retry_cap_seconds: Double?
    var send_max_attempts: Int?
    var send_lease_seconds: Double?
    var lease_seconds: Double?
    var worker_id: String?
    var mmproj: String?
    var media_allow_hosts: [String]?
    var media_max_bytes: Int?
    var media_timeout_seconds: Double?
    var send_rates: [String: Double]?
    var idle_timeout_seconds: Double?
    var graph_timeout_seconds: Double?
    var messenger: PlatformSection?
    var instagram: PlatformSection?
    var whatsapp: PlatformSection?

    func section(_ platform: Platform) -> PlatformSection? {
        switch platform {
        case .messenger: messenger
        case .instagram: instagram
        case .whatsapp: whatsapp
        }
    }
}

/// A configuration that cannot start: the message says what to set.
struct ConfigError: Error, CustomStringConvertible {
    let description: String
}

extension ChorusConfig {
    /// Resolves the configuration from flags, the environment and an optional JSON config file.
    static func resolve(
        host: String?, port: Int?, database: String?, configFile: String?, platforms: [String],
        maxBodyBytes: Int?, environment: [String: String], assistant options: AssistantOptions = AssistantOptions()
    ) throws -> ChorusConfig {
        var config = ChorusConfig()
        var file = ConfigFile()
        if let path = configFile {
            (file, config.warnings) = try loadFile(path)
        }
        config.host = host ?? environment["CHORUS_HOST"] ?? file.host ?? config.host
        if let port = try port ?? environment["CHORUS_PORT"].map({ try parsePort($0) }) ?? file.port {
            guard (0...65535).contains(port) else { throw ConfigError(description: "port \(port) is out of range 0…65535") }
            config.port = port
        }
        config.database = database ?? environment["CHORUS_DATABASE"] ?? file.database ?? config.database
        let limit = maxBodyBytes ?? file.max_body_bytes ?? IngressSettings.defaultMaxBodyBytes
        guard limit > 0 else { throw ConfigError(description: "max body size must be positive, got \(limit)") }

        let names = !platforms.isEmpty ? platforms
            : environment["CHORUS_PLATFORMS"].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            ?? file.platforms ?? Platform.allCases.map(\.rawValue)
        var enabled: [Platform] = []
        for name in names {
            guard let platform = Platform(rawValue: name.lowercased()) else {
                throw ConfigError(description: "unknown platform '\(name)': use messenger, instagram or whatsapp")
            }
            if !enabled.contains(platform) { enabled.append(platform) }
        }

        var missing: [String] = []
        var credentials: [Platform: PlatformCredentials] = [:]
        for platform in enabled {
            let section = file.section(platform)
            func value(_ field: CredentialField) -> String? {
                let fromEnv = environment[variable(platform, field)]
                let fromFile: String? = switch field {
                case .appSecret: section?.app_secret
                case .verifyToken: section?.verify_token
                case .accessToken: section?.access_token
                }
                return [fromEnv, fromFile].compactMap { $0 }.first { !$0.isEmpty }
            }
            let secret = value(.appSecret), token = value(.verifyToken)
            if secret == nil { missing.append(variable(platform, .appSecret)) }
            if token == nil { missing.append(variable(platform, .verifyToken)) }
            if let secret, let token {
                credentials[platform] = PlatformCredentials(
                    appSecret: Secret(secret), verifyToken: Secret(token), accessToken: value(.accessToken).map(Secret.init))
            }
        }
        if !missing.isEmpty {
            throw ConfigError(description: """
                missing credentials for enabled platforms: set \(missing.joined(separator: ", ")) \
                in the environment (or the matching app_secret/verify_token in the config file), \
                or enable fewer platforms with --platform
                """)
        }
        config.ingress = IngressSettings(platforms: credentials, maxBodyBytes: limit)
        config.mmproj = options.mmproj ?? environment["CHORUS_MMPROJ"] ?? file.mmproj
        config.mediaAllowHosts = Set((options.mediaAllowHosts.isEmpty ? file.media_allow_hosts ?? [] : options.mediaAllowHosts).map { $0.lowercased() })
        config.mediaMaxBytes = file.media_max_bytes ?? config.mediaMaxBytes
        config.mediaTimeout = file.media_timeout_seconds ?? config.mediaTimeout
        config.idleTimeout = file.idle_timeout_seconds ?? config.idleTimeout
        config.graphTimeout = file.graph_timeout_seconds ?? config.graphTimeout
        guard config.graphTimeout > 0 else { throw ConfigError(description: "graph_timeout_seconds must be positive") }
        guard config.idleTimeout > 0 else { throw ConfigError(description: "idle_timeout_seconds must be positive") }
        for (name, rate) in file.send_rates ?? [:] {
            guard let platform = Platform(rawValue: name), rate > 0 else {
                throw ConfigError(description: "send_rates: '\(name)' must be messenger, instagram or whatsapp with a positive rate")
            }
            config.sendRates[platform] = rate
        }
        guard config.mediaTimeout > 0 else { throw ConfigError(description: "media_timeout_seconds must be positive") }
        guard config.mediaMaxBytes > 0 else { throw ConfigError(description: "media_max_bytes must be positive") }
        try config.resolveAssistant(
            model: options.model, graphURL: options.graphURL, botName: options.botName, aliases: options.aliases,
            alwaysAnswerGroups: options.alwaysAnswerGroups, threads: options.threads, environment: environment, file: file)
        try config.resolveEngine(options, environment: environment)
        return config
    }

    /// Adds the assistant's settings: model, Graph URL, bot name and group behaviour.
    mutating func resolveAssistant(
        model: String?, graphURL: String?, botName: String?, aliases: [String], alwaysAnswerGroups: [String], threads: Int?,
        environment: [String: String], file: ConfigFile
    ) throws {
        self.model = model ?? environment["CHORUS_MODEL"] ?? file.model
        if let text = graphURL ?? environment["CHORUS_GRAPH_URL"] ?? file.graph_url {
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigError(description: "graph URL '\(text)' is not an http(s) URL")
            }
            self.graphURL = url
        }
        assistant.botName = botName ?? environment["CHORUS_BOT_NAME"] ?? file.bot_name ?? assistant.botName
        guard !assistant.botName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConfigError(description: "the bot name must not be empty")
        }
        assistant.aliases = aliases.isEmpty ? file.bot_aliases ?? [] : aliases
        assistant.alwaysAnswerGroups = Set(alwaysAnswerGroups.isEmpty ? file.always_answer_groups ?? [] : alwaysAnswerGroups)
        if let prompt = file.system_prompt { assistant.systemPrompt = prompt }
        if let tokens = file.max_reply_tokens { assistant.maxReplyTokens = tokens }
        if let tokens = file.min_reply_tokens { assistant.minReplyTokens = max(1, tokens) }
        if let size = file.batch_size { assistant.batchSize = size }
        if let seed = file.seed { assistant.seed = seed }
        if let base = file.send_retry_base_seconds { assistant.retrySchedule.base = base }
        if let cap = file.send_retry_cap_seconds { assistant.retrySchedule.cap = cap }
        if let attempts = file.send_max_attempts { assistant.retrySchedule.maxAttempts = attempts }
        if let lease = file.send_lease_seconds { assistant.sendLeaseDuration = lease }
        if let lease = file.lease_seconds { assistant.leaseDuration = lease }
        workerID = environment["CHORUS_WORKER_ID"] ?? file.worker_id ?? "\(ProcessInfo.processInfo.hostName):\(port)"
        guard assistant.leaseDuration > 0 else { throw ConfigError(description: "lease_seconds must be positive") }
        guard assistant.maxReplyTokens >= 1, assistant.batchSize >= 1, assistant.retrySchedule.base > 0,
              assistant.retrySchedule.maxAttempts >= 1, assistant.sendLeaseDuration > 0 else {
            throw ConfigError(description: "max_reply_tokens, batch_size, send_max_attempts, send_retry_base_seconds and send_lease_seconds must be positive")
        }
        self.threads = threads ?? file.threads ?? self.threads
        guard self.threads >= 1 else { throw ConfigError(description: "threads must be at least 1") }
        guard self.model != nil else { return }
        try requireAccessTokens()
    }

    /// Replies are sent: every enabled platform needs its access token.
    func requireAccessTokens() throws {
        let missing = ingress.platforms.keys.sorted { $0.rawValue < $1.rawValue }
            .filter { ingress.platforms[$0]?.accessToken == nil }
            .map { Self.variable($0, .accessToken) }
        if !missing.isEmpty {
            throw ConfigError(description: "the assistant sends replies: set \(missing.joined(separator: ", ")) (or the access_token in the config file), or enable fewer platforms with --platform")
        }
    }

    /// The engine backend (`--engine-url`, which replaces the model file) and `--openai`.
    mutating func resolveEngine(_ options: AssistantOptions, environment: [String: String]) throws {
        if !options.ingressOnly, let text = options.engineURL ?? environment["CHORUS_ENGINE_URL"], !text.isEmpty {
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigError(description: "engine URL '\(text)' is not an http(s) URL")
            }
            guard !options.openAI else {
                throw ConfigError(description: "--openai exposes the in-process engine; it cannot be combined with --engine-url")
            }
            var settings = OpenAIEngineSettings(baseURL: url, model: options.engineModel ?? environment["CHORUS_ENGINE_MODEL"],
                                                apiKey: environment["CHORUS_ENGINE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 })
            settings.seesImages = options.engineVision
            if let count = options.engineMaxInFlight {
                guard count >= 1 else { throw ConfigError(description: "--engine-max-in-flight must be at least 1") }
                settings.maxInFlight = count
            }
            if let seconds = options.engineTimeout {
                guard seconds > 0 else { throw ConfigError(description: "--engine-timeout must be positive") }
                settings.totalTimeout = seconds
                settings.firstTokenTimeout = min(settings.firstTokenTimeout, seconds)
                settings.connectTimeout = min(settings.connectTimeout, seconds)
            }
            engine = settings
            model = nil
            mmproj = nil
            try requireAccessTokens()
        }
        if options.openAI {
            guard let model else { throw ConfigError(description: "--openai needs a model (--model, or the bundled one)") }
            openAI = OpenAIServerSettings(modelName: options.modelName ?? URL(fileURLWithPath: model).lastPathComponent,
                                          apiKey: environment["CHORUS_OPENAI_API_KEY"].flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    private static func parsePort(_ text: String) throws -> Int {
        guard let port = Int(text) else { throw ConfigError(description: "CHORUS_PORT must be a number, got '\(text)'") }
        return port
    }

    /// Reads the JSON config file; warns when others can read it (it may hold secrets).
    static func loadFile(_ path: String) throws -> (ConfigFile, [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(description: "cannot read config file \(path): check the path and its permissions")
        }
        let file: ConfigFile
        do {
            file = try JSONDecoder().decode(ConfigFile.self, from: data)
            try checkKeys(data, path: path)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(description: "config file \(path) is not valid: \(Self.explain(error))")
        }
        var warnings: [String] = []
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            warnings.append("config file \(path) is readable by group or others (mode \(String(mode.intValue, radix: 8))); it may hold secrets: chmod 600 \(path)")
        }
        return (file, warnings)
    }

    /// JSONDecoder ignores unknown keys; a typo in a config file should not silently do nothing.
    private static func checkKeys(_ data: Data, path: String) throws {
        let top = ["host", "port", "database", "max_body_bytes", "platforms", "model", "graph_url", "bot_name", "bot_aliases",
                   "always_answer_groups", "system_prompt", "threads", "max_reply_tokens", "min_reply_tokens", "batch_size", "seed",
                   "send_retry_base_seconds", "send_retry_cap_seconds", "send_max_attempts", "send_lease_seconds",
                   "lease_seconds", "worker_id", "mmproj", "media_allow_hosts", "media_max_bytes", "media_timeout_seconds", "send_rates", "idle_timeout_seconds",
                   "graph_timeout_seconds",
                   "messenger", "instagram", "whatsapp"]
        let section = CredentialField.allCases.map(\.rawValue)
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: data) else { return }
        for (key, value) in object {
            guard top.contains(key) else {
                throw ConfigError(description: "config file \(path): unknown key '\(key)' (known: \(top.joined(separator: ", ")))")
            }
            if case .object(let fields) = value {
                for field in fields.keys where !section.contains(field) {
                    throw ConfigError(description: "config file \(path): unknown key '\(key).\(field)' (known: \(section.joined(separator: ", ")))")
                }
            }
        }
    }

    private static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
