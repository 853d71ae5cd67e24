import ChorusCore
import Foundation
import MetaWebhook
import Simulator
import Testing

/// The ingress over a real socket, against a real SQLite file.
@Suite("Ingress over loopback")
struct IngressTests {
    static func textMessages(_ platform: Platform, count: Int, salt: UInt64 = 42, text: String = "Olá, café ☕️") -> [UInt8] {
        let messages = (0..<count).map { i in
            WebhookFactory.TextMessage(
                user: WebhookFactory.userID(platform: platform, index: i % 7), name: "Zoë \(i % 7)",
                id: WebhookFactory.messageID(platform: platform, conversation: i % 7, sequence: i, salt: salt),
                text: "\(text) #\(i)", timestamp: 1_732_000_000_000 + Int64(i) * 1000)
        }
        return try! WebhookFactory().body(platform: platform, messages: messages)
    }

    @Test("handshake echoes exactly hub.challenge for the right token", arguments: Platform.allCases)
    func handshake(platform: Platform) async throws {
        try await TestServer.with { server in
            let good = try await server.get("/webhooks/\(platform.rawValue)?hub.mode=subscribe&hub.verify_token=\(TestServer.verifyToken)&hub.challenge=1158201444")
            #expect(good.status == 200)
            #expect(good.text == "1158201444")
            let badToken = try await server.get("/webhooks/\(platform.rawValue)?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
            #expect(badToken.status == 403)
            let badMode = try await server.get("/webhooks/\(platform.rawValue)?hub.mode=unsubscribe&hub.verify_token=\(TestServer.verifyToken)&hub.challenge=1")
            #expect(badMode.status == 403)
            let noChallenge = try await server.get("/webhooks/\(platform.rawValue)?hub.mode=subscribe&hub.verify_token=\(TestServer.verifyToken)")
            #expect(noChallenge.status == 403)
        }
    }

    @Test("unknown platforms are 404")
    func unknownPlatform() async throws {
        try await TestServer.with { server in
            let get = try await server.get("/webhooks/telegram?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1")
            #expect(get.status == 404)
            let post = try await HTTPConnection.send(port: server.port, method: "POST", path: "/webhooks/telegram", body: Array("{}".utf8))
            #expect(post.status == 404)
        }
    }

    @Test("missing or wrong signature: 401 and nothing stored", arguments: Platform.allCases)
    func badSignature(platform: Platform) async throws {
        try await TestServer.with { server in
            let body = Self.textMessages(platform, count: 2)
            let missing = try await server.post(platform, body: body, signature: .some(nil))
            #expect(missing.status == 401)
            let wrong = try await server.post(platform, body: body, signature: "sha256=" + String(repeating: "0", count: 64))
            #expect(wrong.status == 401)
            var tampered = body
            tampered[tampered.count / 2] ^= 1
            let tamperedResponse = try await server.post(platform, body: tampered, signature: WebhookSignature.sign(body: body, appSecret: TestServer.secret))
            #expect(tamperedResponse.status == 401)
            let stored = try await server.storedEvents()
            #expect(stored.isEmpty)
        }
    }

    @Test("a body over the limit is 413 and nothing is stored")
    func oversize() async throws {
        try await TestServer.with(maxBodyBytes: 4096) { server in
            let body = Self.textMessages(.whatsapp, count: 40)
            #expect(body.count > 4096)
            let response = try await server.post(.whatsapp, body: body)
            #expect(response.status == 413)
            let stored = try await server.storedEvents()
            #expect(stored.isEmpty)
            let small = try await server.post(.whatsapp, body: Self.textMessages(.whatsapp, count: 1))
            #expect(small.status == 200)
        }
    }

    @Test("a signed delivery is stored before the 200, normalized, with non-ASCII text intact", arguments: Platform.allCases)
    func stored(platform: Platform) async throws {
        try await TestServer.with { server in
            let body = Self.textMessages(platform, count: 3)
            #expect(!body.contains(where: { $0 >= 0x80 }), "Meta's bodies are escaped ASCII")
            let response = try await server.post(platform, body: body)
            #expect(response.status == 200)
            let stored = try await server.storedEvents()
            #expect(stored.count == 3)
            let first = try #require(stored.first)
            #expect(first.event.platform == platform)
            #expect(first.event.kind == .message)
            #expect(first.event.text == "Olá, café ☕️ #0")
            #expect(first.event.conversation.kind == .direct)
        }
    }

    @Test("duplicate deliveries give one event, even across a server restart")
    func duplicates() async throws {
        let database = TestServer.temporaryDatabase()
        let body = Self.textMessages(.whatsapp, count: 5)
        try await TestServer.with(database: database) { first in
            let r1 = try await first.post(.whatsapp, body: body)
            #expect(r1.status == 200)
            let r2 = try await first.post(.whatsapp, body: body)
            #expect(r2.status == 200)
        }
        try await TestServer.with(database: database) { second in
            let r3 = try await second.post(.whatsapp, body: body)
            #expect(r3.status == 200)
            let stored = try await second.storedEvents()
            #expect(stored.count == 5)
        }
    }

    @Test("every event of a 1000-item batch is stored", arguments: [Platform.messenger, .whatsapp])
    func bigBatch(platform: Platform) async throws {
        try await TestServer.with { server in
            let body = Self.textMessages(platform, count: 1000)
            let response = try await server.post(platform, body: body)
            #expect(response.status == 200)
            let stored = try await server.storedEvents()
            #expect(stored.count == 1000)
            #expect(Set(stored.compactMap(\.event.messageID)).count == 1000)
        }
    }

    @Test("wrong object is 400; a signed body that is not JSON is 400 and quarantined")
    func badBodies() async throws {
        try await TestServer.with { server in
            let messenger = Self.textMessages(.messenger, count: 1)
            let wrongObject = try await server.post(.whatsapp, body: messenger)
            #expect(wrongObject.status == 400)
            let garbage = Array("{\"object\": \"page\", \"entry\": [".utf8)
            let notJSON = try await server.post(.messenger, body: garbage)
            #expect(notJSON.status == 400)
            #expect(!notJSON.text.isEmpty)
            let quarantined = try await server.quarantined()
            #expect(quarantined.count == 1)
            #expect(quarantined.first?.body == garbage)
            let stored = try await server.storedEvents()
            #expect(stored.isEmpty)
        }
    }

    @Test("health and readiness")
    func health() async throws {
        try await TestServer.with { server in
            let r4 = try await server.get("/healthz")
            #expect(r4.status == 200)
            let r5 = try await server.get("/readyz")
            #expect(r5.status == 200)
        }
    }
}
