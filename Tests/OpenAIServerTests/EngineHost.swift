import Assistant
import Foundation
import Hummingbird
import Logging
import OpenAIServer
import ServiceLifecycle
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The OpenAI routes over a real engine on a loopback port, and a plain HTTP client for them.
struct EngineHost {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let modelPath = fixtures.appendingPathComponent("MoETests/Fixtures/models/llama4-tiny.f32.gguf").path
    /// One engine for every test (loading is the slow part); servers over it are cheap.
    static let engine: MoEReplyEngine = try! MoEReplyEngine(path: modelPath, streamingBatch: 4)

    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Serves `engine` with `settings` on a free port until `body` returns.
    static func with<R>(engine: MoEReplyEngine = EngineHost.engine, settings: OpenAIServerSettings = OpenAIServerSettings(modelName: "tiny"),
                        _ body: (EngineHost) async throws -> R) async throws -> R {
        var logger = Logger(label: "engine-host-test")
        logger.logLevel = .error
        let router = Router(context: BasicRequestContext.self)
        OpenAIRoutes<BasicRequestContext>(engine: engine, settings: settings, logger: logger).register(on: router)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        let host = EngineHost(port: port, group: group, task: task)
        do {
            let result = try await body(host)
            await host.stop()
            return result
        } catch {
            await host.stop()
            throw error
        }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// A response: status, headers (lower-cased names) and body.
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }

        func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }

        /// The `data:` payloads of an event stream, `[DONE]` included.
        func events() throws -> [String] {
            var parser = ServerSentEventParser()
            return try parser.feed(body).map(\.data)
        }
    }

    /// Sends one request and reads the whole answer.
    func request(_ method: String = "POST", _ path: String = "/v1/chat/completions", body: String? = nil,
                 headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        request.timeoutInterval = 120
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    /// A chat completion body as JSON text.
    static func body(_ text: String = "Hello there, how are you?", maxTokens: Int = 12, seed: Int = 7, temperature: Double? = 0,
                     stream: Bool = false, extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = ["model": "tiny", "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": text]],
                                     "max_tokens": maxTokens, "seed": seed, "stream": stream]
        if let temperature { object["temperature"] = temperature }
        if stream { object["stream_options"] = ["include_usage": true] }
        object.merge(extra) { _, new in new }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
