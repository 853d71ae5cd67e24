import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A misbehaving OpenAI-compatible server for the client's tests: each request gets the next
/// scripted behaviour (the last one repeats); it records bodies, headers and concurrency.
actor FakeEngineServer {
    enum Behaviour: Sendable {
        /// A stream of text pieces, `delay` apart, ending with a finish chunk and [DONE] (unless `complete` is false).
        case stream([String], delay: Duration = .zero, complete: Bool = true)
        /// A status with a JSON body.
        case status(Int, String, retryAfter: String? = nil)
        /// Waits before sending the head.
        case stallBeforeHead(Duration)
        /// Sends the head, then waits before any text.
        case stallAfterHead(Duration)
        /// Raw bytes as an event stream.
        case raw(String)
    }

    private var script: [Behaviour]
    private(set) var bodies: [Data] = []
    private(set) var authorizations: [String?] = []
    private(set) var inFlight = 0
    private(set) var maxInFlight = 0
    private var group: ServiceGroup?
    private var task: Task<Void, any Error>?
    private(set) var port = 0

    init(_ script: [Behaviour]) { self.script = script }

    var requests: Int { bodies.count }

    func next(body: Data, authorization: String?) -> Behaviour {
        bodies.append(body)
        authorizations.append(authorization)
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        return script.count > 1 ? script.removeFirst() : script[0]
    }

    func done() { inFlight -= 1 }

    /// Starts listening on a free loopback port.
    func start() async {
        var logger = Logger(label: "fake-engine")
        logger.logLevel = .critical
        let router = Router(context: BasicRequestContext.self)
        router.post("/v1/chat/completions") { [self] request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 24)
            let behaviour = await self.next(body: Data(body.readableBytesView), authorization: request.headers[.authorization])
            return try await Self.respond(behaviour, server: self)
        }
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"remote-model","object":"model","created":1,"owned_by":"x"}]}"#)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop() async {
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    static func chunk(_ content: String?, finish: String? = nil) -> String {
        let delta = content.map { #"{"content":\#(String(decoding: try! JSONEncoder().encode($0), as: UTF8.self))}"# } ?? "{}"
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        return #"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(reason)}]}"# + "\n\n"
    }

    private static func respond(_ behaviour: Behaviour, server: FakeEngineServer) async throws -> Response {
        let sse: HTTPFields = [.contentType: "text/event-stream"]
        switch behaviour {
        case .status(let code, let body, let retryAfter):
            await server.done()
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter { headers[.retryAfter] = retryAfter }
            return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .stallBeforeHead(let wait):
            try? await Task.sleep(for: wait)
            await server.done()
            return Response(status: .ok, headers: sse, body: .init(byteBuffer: ByteBuffer(string: chunk(nil, finish: "stop") + "data: [DONE]\n\n")))
        case .stallAfterHead(let wait):
            return Response(status: .ok, headers: sse, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                try? await Task.sleep(for: wait)
                await server.done()
                try await writer.write(ByteBuffer(string: chunk("late", finish: "stop") + "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        case .raw(let text):
            await server.done()
            return Response(status: .ok, headers: sse, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .stream(let pieces, let delay, let complete):
            return Response(status: .ok, headers: sse, body: ResponseBody { writer in
                for piece in pieces {
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    try await writer.write(ByteBuffer(string: chunk(piece)))
                }
                if complete { try await writer.write(ByteBuffer(string: chunk(nil, finish: "stop") + "data: [DONE]\n\n")) }
                await server.done()
                try await writer.finish(nil)
            })
        }
    }
}
