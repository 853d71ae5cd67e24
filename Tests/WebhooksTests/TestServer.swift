import ChorusCore
import Foundation
import Hummingbird
import Logging
import MetaWebhook
import Queue
import ServiceLifecycle
import Simulator
import Webhooks
@testable import chorus

/// A real `chorus serve` application on a loopback port over a real SQLite file.
struct TestServer {
    static let secret = "test-app-secret-☃"
    static let verifyToken = "test-verify-token"

    let port: Int
    let database: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts the composition root on port 0 and waits for the bound port.
    static func start(database: String? = nil, maxBodyBytes: Int? = nil, idleTimeout: Double? = nil) async throws -> TestServer {
        let database = database ?? temporaryDatabase()
        var environment: [String: String] = [:]
        for platform in Platform.allCases {
            environment[ChorusConfig.variable(platform, .appSecret)] = secret
            environment[ChorusConfig.variable(platform, .verifyToken)] = verifyToken
        }
        var config = try ChorusConfig.resolve(
            host: "127.0.0.1", port: 0, database: database, configFile: nil, platforms: [],
            maxBodyBytes: maxBodyBytes, environment: environment)
        if let idleTimeout { config.idleTimeout = idleTimeout }
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try await buildApplication(config: config, logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ConfigError(description: "server did not start") }
        return TestServer(port: port, database: database, group: group, task: task)
    }

    /// Runs `body` against a fresh server and always shuts it down gracefully afterwards.
    static func with<R>(database: String? = nil, maxBodyBytes: Int? = nil, idleTimeout: Double? = nil,
                        _ body: (TestServer) async throws -> R) async throws -> R {
        let server = try await start(database: database, maxBodyBytes: maxBodyBytes, idleTimeout: idleTimeout)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops the server gracefully (in-flight requests finish) and waits for it.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    static func temporaryDatabase() -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("queue.sqlite").path
    }

    /// Sends a body to `/webhooks/{platform}`, signed unless told otherwise.
    func post(_ platform: Platform, body: [UInt8], signature: String?? = .none) async throws -> HTTPConnection.Response {
        let header: String? = switch signature {
        case .none: WebhookSignature.sign(body: body, appSecret: Self.secret)
        case .some(let given): given
        }
        var headers = [("Content-Type", "application/json")]
        if let header { headers.append(("X-Hub-Signature-256", header)) }
        return try await HTTPConnection.send(port: port, method: "POST", path: "/webhooks/\(platform.rawValue)",
                                             headers: headers, body: body)
    }

    /// A plain GET.
    func get(_ path: String) async throws -> HTTPConnection.Response {
        try await HTTPConnection.send(port: port, method: "GET", path: path)
    }

    /// The queue's contents, read through a separate connection to the same file.
    func storedEvents() async throws -> [StoredEvent] {
        let queue = try SQLiteQueue(path: database)
        return try await queue.list(state: nil, limit: 100_000, offset: 0)
    }

    func quarantined() async throws -> [QuarantinedBody] {
        try await SQLiteQueue(path: database).quarantined(limit: 100, offset: 0)
    }
}

extension HTTPConnection.Response {
    var text: String { String(decoding: body, as: UTF8.self) }
}
