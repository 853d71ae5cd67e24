import Assistant
import ChorusCore
import Foundation
import Queue
import Simulator
import Testing

/// Pictures people send: seen by the vision encoder in English conversations, never downloaded
/// otherwise, and a failed download never loses the message.
@Suite("Pictures and the language gate", .serialized)
struct PictureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MoETests/Fixtures/vision")
    static let visionArguments = [
        "--mmproj", fixtures.appendingPathComponent("llama4-vision-mmproj.f32.gguf").path,
        "--media-allow-host", "127.0.0.1",
    ]
    static let png = try! Data(contentsOf: fixtures.appendingPathComponent("large.png"))

    /// A harness whose model is the vision fixture's text model.
    static func with(config: [String: Any] = [:], _ body: (Harness) async throws -> Void) async throws {
        // The fake Graph API runs in the test process, whose few threads other suites may keep
        // busy with engine work: give downloads time.
        var config = config
        config["media_timeout_seconds"] = config["media_timeout_seconds"] ?? 120
        let arguments = visionArguments + ["--model", fixtures.appendingPathComponent("llama4-vision-text.f32.gguf").path]
        try await Harness.with(config: config, arguments: arguments, body)
    }

    static func note(_ harness: Harness, _ messageID: String) async throws -> EventNote? {
        try await harness.store().note(messageID: messageID).flatMap(EventNote.parse)
    }

    @Test("English message with a picture: the picture is fetched and reaches the model")
    func english() async throws {
        try await Self.with { harness in
            let ana = MetaSimulator.Person(id: "15550100001", name: "Ana")
            let picture = await harness.simulator.picture(Self.png, mimeType: "image/png", caption: "What colour is the circle in this picture?", platform: .whatsapp)
            let sent = try await harness.simulator.send(picture, from: ana, on: .whatsapp)
            #expect(sent.status == 200)
            _ = await harness.delivered(1)
            let texts = try await harness.idle()
            #expect(texts.count == 1)
            let note = try #require(try await Self.note(harness, sent.messageID))
            #expect(note.gate?.open == true)
            #expect(note.images == "sent_to_model")
            let lookups = await harness.simulator.ledger.records.filter { $0.kind == .media }
            #expect(lookups.count == 1, "the media id was resolved through the Graph API")
        }
    }

    @Test("Spanish message with a picture: never downloaded, answered with the note in Spanish")
    func spanish() async throws {
        try await Self.with { harness in
            let bea = MetaSimulator.Person(id: "34600000001", name: "Bea")
            try await harness.simulator.say("Hola, ¿qué tal? Quiero preguntar por mi pedido de ayer.", from: bea, on: .whatsapp)
            _ = await harness.delivered(1)
            let picture = await harness.simulator.picture(Self.png, mimeType: "image/png", caption: "¿De qué color es el círculo de esta foto?", platform: .whatsapp)
            let sent = try await harness.simulator.send(picture, from: bea, on: .whatsapp)
            _ = await harness.delivered(2)
            let texts = try await harness.idle()
            #expect(texts.count == 2)
            #expect(texts.last?.text?.contains(LanguageGate.closedNote(language: "es")) == true)
            let note = try #require(try await Self.note(harness, sent.messageID))
            #expect(note.gate?.open == false && note.gate?.language == "es")
            #expect(note.images == "not_downloaded_gate_closed")
            let lookups = await harness.simulator.ledger.records.filter { $0.kind == .media }
            #expect(lookups.isEmpty, "nothing was downloaded")
        }
    }

    @Test("failed downloads (unknown media, wrong type, oversize, disallowed host) are recorded and the text is answered")
    func failures() async throws {
        try await Self.with(config: ["media_max_bytes": 100_000]) { harness in
            let cleo = MetaSimulator.Person(id: "15550100003", name: "Cleo")
            let caption = "Can you tell me what you see in this picture?"
            let cases: [(WebhookFactory.Content, Platform, String)] = [
                (.image(mediaIDOrURL: "999999999999999", mimeType: "image/png", sha256: "x", caption: caption), .whatsapp, "HTTP 404"),
                (await harness.simulator.picture(Data("GIF89a not a png".utf8), mimeType: "image/gif", caption: caption, platform: .whatsapp), .whatsapp, "not accepted"),
                (await harness.simulator.picture(Self.png, mimeType: "image/png", caption: caption, platform: .whatsapp), .whatsapp, "over the 100000-byte limit"),
                (.image(mediaIDOrURL: "http://10.1.2.3/x.png", mimeType: "image/png", sha256: "x", caption: caption), .messenger, "not allowed"),
            ]
            // Messenger pictures carry no caption: the conversation is English from a first message.
            try await harness.simulator.say("Hello, I have a question about a photo I took yesterday.", from: cleo, on: .messenger)
            var expected = 1
            _ = await harness.delivered(expected)
            for (content, platform, reason) in cases {
                let sent = try await harness.simulator.send(content, from: cleo, on: platform)
                expected += 1
                _ = await harness.delivered(expected)
                _ = try await harness.idle()
                let note = try #require(try await Self.note(harness, sent.messageID))
                #expect(note.images?.hasPrefix("download_failed") == true && note.images?.contains(reason) == true, "\(note.images ?? "nil")")
                #expect(note.replyParts == 1, "the text was answered")
            }
            #expect(try await harness.idle().count == cases.count + 1)
        }
    }

    @Test("a slow media server and a redirect to a host that is not allowed: text answered, failure recorded")
    func slowAndRedirected() async throws {
        try await Self.with(config: ["media_timeout_seconds": 2]) { harness in
            let dan = MetaSimulator.Person(id: "15550100004", name: "Dan")
            try await harness.simulator.say("Hello, I want to show you something.", from: dan, on: .messenger)
            _ = await harness.delivered(1)
            // Slow: the picture takes longer than the download timeout.
            var faults = GraphFaults()
            faults.mediaLatencyMilliseconds = 6000
            await harness.simulator.ledger.setFaults(faults)
            let slow = await harness.simulator.picture(Self.png, mimeType: "image/png", caption: nil, platform: .messenger)
            let slowSent = try await harness.simulator.send(slow, from: dan, on: .messenger)
            _ = await harness.delivered(2)
            _ = try await harness.idle()
            let slowNote = try #require(try await Self.note(harness, slowSent.messageID))
            #expect(slowNote.images?.hasPrefix("download_failed") == true, "\(slowNote.images ?? "nil")")
            #expect(slowNote.replyParts == 1)
            await harness.simulator.ledger.setFaults(GraphFaults())
            // Redirect: an allowed host (127.0.0.1) redirects to `localhost`, which is not allowed
            // (loopback only, so nothing leaves the machine even if a client followed it).
            let id = await harness.simulator.ledger.addMedia(Self.png, mimeType: "image/png")
            let port = harness.simulator.graphPort
            let url = "http://127.0.0.1:\(port)/_redirect/x?to=http://localhost:\(port)/_media/\(id)"
            let redirected = try await harness.simulator.send(.image(mediaIDOrURL: url, mimeType: "image/png", sha256: "x", caption: nil),
                                                              from: dan, on: .messenger)
            _ = await harness.delivered(3)
            _ = try await harness.idle()
            let redirectNote = try #require(try await Self.note(harness, redirected.messageID))
            #expect(redirectNote.images?.hasPrefix("download_failed") == true, "\(redirectNote.images ?? "nil")")
            #expect(redirectNote.replyParts == 1)
        }
    }
}
