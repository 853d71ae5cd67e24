import Foundation
import Testing
@testable import Assistant

/// The OpenAI-compatible engine backend against a misbehaving local server: retries, deadlines,
/// concurrency, and what it sends.
@Suite(.serialized) struct OpenAIReplyEngineTests {
    static let request = GenerationRequest(conversationKey: "c", turns: [ChatTurn(role: .system, text: "Be kind."),
                                           ChatTurn(role: .user, text: "Hi")], maxTokens: 16, seed: 0xFFFF_FFFF_FFFF_FFF0)

    func engine(_ server: FakeEngineServer, _ adjust: (inout OpenAIEngineSettings) -> Void = { _ in }) async -> OpenAIReplyEngine {
        var settings = OpenAIEngineSettings(baseURL: await server.url, model: "m", apiKey: "sk-remote")
        settings.retryBase = 0.02
        settings.retryCap = 0.2
        adjust(&settings)
        return OpenAIReplyEngine(settings: settings)
    }

    func with(_ script: [FakeEngineServer.Behaviour], _ body: (FakeEngineServer) async throws -> Void) async throws {
        let server = FakeEngineServer(script)
        await server.start()
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func streamsAReplyAndSendsTheConversation() async throws {
        try await with([.stream(["Hel", "lo ", "wörld 👋"], delay: .milliseconds(5))]) { server in
            let engine = await engine(server)
            var request = Self.request
            request.minTokens = 3
            let result1 = try await engine.generate([request])
            #expect(result1 == ["Hello wörld 👋"])
            let body = try #require(await server.bodies.first)
            let sent = try JSONDecoder().decode(ChatCompletionRequest.self, from: body)
            #expect(sent.model == "m")
            #expect(sent.messages.map(\.role) == ["system", "user"])
            #expect(sent.messages.map(\.content.text) == ["Be kind.", "Hi"])
            #expect(sent.seed.map { UInt64(bitPattern: $0) } == Self.request.seed)
            #expect(sent.maxTokens == 16)
            #expect(sent.minTokens == 3)
            #expect(sent.stream == true)
            #expect(await server.authorizations == ["Bearer sk-remote"])
        }
    }

    @Test func imagesTravelAsDataURLsOnlyWhenTheEngineSeesImages() async throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        var request = Self.request
        request.images = [ImageInput(key: "k", data: png)]
        try await with([.stream(["ok"])]) { server in
            _ = try await engine(server) { $0.seesImages = true }.generate([request])
            _ = try await engine(server).generate([request])
            let bodies = try await server.bodies.map { try JSONDecoder().decode(ChatCompletionRequest.self, from: $0) }
            #expect(bodies[0].messages[1].content.imageURLs == ["data:image/png;base64,\(Data(png).base64EncodedString())"])
            #expect(bodies[0].messages[1].content.text == "Hi")
            #expect(bodies[1].messages[1].content == .text("Hi"))
        }
    }

    @Test func asksTheServerForItsModelWhenNoneIsGiven() async throws {
        try await with([.stream(["x"])]) { server in
            _ = try await engine(server) { $0.model = nil }.generate([Self.request])
            let sent = try JSONDecoder().decode(ChatCompletionRequest.self, from: try #require(await server.bodies.first))
            #expect(sent.model == "remote-model")
        }
    }

    @Test func retries5xxAnd429ThenSucceeds() async throws {
        try await with([.status(503, #"{"error":{"message":"busy"}}"#), .status(429, "{}", retryAfter: "0"),
                        .status(500, "oops"), .stream(["fine"])]) { server in
            let engine = await engine(server) { $0.maxAttempts = 4 }
            let result2 = try await engine.generate([Self.request])
            #expect(result2 == ["fine"])
            #expect(await server.requests == 4)
        }
    }

    @Test func doesNotRetryClientErrors() async throws {
        try await with([.status(400, #"{"error":{"message":"max_tokens is too large","type":"invalid_request_error"}}"#), .stream(["never"])]) { server in
            let engine = await engine(server)
            let error = await #expect(throws: OpenAIEngineError.self) { try await engine.generate([Self.request]) }
            #expect(error?.kind == .status(400))
            #expect(error?.description.contains("max_tokens is too large") == true)
            #expect(await server.requests == 1)
        }
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        try await with([.status(502, "bad gateway")]) { server in
            let engine = await engine(server) { $0.maxAttempts = 3 }
            let error = await #expect(throws: OpenAIEngineError.self) { try await engine.generate([Self.request]) }
            #expect(error?.kind == .status(502))
            #expect(await server.requests == 3)
        }
    }

    @Test func aTruncatedStreamIsRetriedAndAGarbledOneIsNot() async throws {
        try await with([.stream(["par"], complete: false), .stream(["whole"])]) { server in
            let result3 = try await engine(server).generate([Self.request])
            #expect(result3 == ["whole"])
            #expect(await server.requests == 2)
        }
        try await with([.raw("data: {\"choices\": [oops\n\n")]) { server in
            let error = await #expect(throws: OpenAIEngineError.self) { try await engine(server).generate([Self.request]) }
            #expect(error?.kind == .malformed)
            #expect(await server.requests == 1)
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        let port = Self.closedPort()
        var settings = OpenAIEngineSettings(baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "m")
        settings.maxAttempts = 3
        settings.retryBase = 0.01
        let started = ContinuousClock.now
        let error = await #expect(throws: OpenAIEngineError.self) { try await OpenAIReplyEngine(settings: settings).generate([Self.request]) }
        #expect(error?.kind == .transport)
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func deadlinesCutSilentServers() async throws {
        try await with([.stallBeforeHead(.seconds(3))]) { server in
            let engine = await engine(server) { $0.connectTimeout = 0.3; $0.maxAttempts = 2 }
            let started = ContinuousClock.now
            let error = await #expect(throws: OpenAIEngineError.self) { try await engine.generate([Self.request]) }
            #expect(error?.kind == .timeout("connect"))
            #expect(ContinuousClock.now - started < .seconds(2.5))
            #expect(await server.requests == 2)
        }
        try await with([.stallAfterHead(.seconds(3))]) { server in
            let engine = await engine(server) { $0.firstTokenTimeout = 0.3; $0.maxAttempts = 1 }
            let error = await #expect(throws: OpenAIEngineError.self) { try await engine.generate([Self.request]) }
            #expect(error?.kind == .timeout("first token"))
        }
        try await with([.stream(Array(repeating: "tick ", count: 40), delay: .milliseconds(50))]) { server in
            let engine = await engine(server) { $0.totalTimeout = 0.5; $0.maxAttempts = 3 }
            let error = await #expect(throws: OpenAIEngineError.self) { try await engine.generate([Self.request]) }
            #expect(error?.kind == .timeout("total"))
            #expect(error?.retryable == false)
            #expect(await server.requests == 1)
        }
    }

    @Test func requestsInFlightAreBounded() async throws {
        try await with([.stream(["a", "b", "c"], delay: .milliseconds(40))]) { server in
            let engine = await engine(server) { $0.maxInFlight = 2 }
            let replies = try await engine.generate(Array(repeating: Self.request, count: 7))
            #expect(replies == Array(repeating: "abc", count: 7))
            #expect(await server.maxInFlight == 2)
            #expect(await server.requests == 7)
        }
    }

    @Test func tokenCountsAreAnOverestimate() {
        let engine = OpenAIReplyEngine(settings: OpenAIEngineSettings(baseURL: URL(string: "http://127.0.0.1:1")!))
        #expect(engine.tokenCount("") == 0)
        #expect(engine.tokenCount("Hello there, how are you today?") >= 8)
        #expect(engine.seesImages == false)
    }

    /// A port nothing listens on.
    static func closedPort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
