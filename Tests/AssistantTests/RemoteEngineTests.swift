import ChorusCore
import Foundation
import Simulator
import Testing

/// `chorus serve --engine-url` against `chorus engine serve` in another process: the assistant's
/// replies come from Chorus's own OpenAI-compatible endpoint, and equal the in-process engine's.
@Suite("Remote engine", .serialized)
struct RemoteEngineTests {
    static let key = "sk-engine-host-☃"

    /// Starts an engine host on the fixture model (its key required).
    static func engineHost() throws -> ChorusProcess {
        var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
        options.command = ["engine", "serve"]
        options.arguments = ["--model", Harness.model, "--model-name", "tiny-remote", "--parallel", "4", "--log-level", "info"]
        options.environment = ["CHORUS_OPENAI_API_KEY": key]
        return try ChorusProcess(options)
    }

    /// Completions the engine host logged.
    static func completions(_ host: ChorusProcess) -> Int {
        let log = (try? String(contentsOf: host.logFile, encoding: .utf8)) ?? ""
        return log.components(separatedBy: "\n").filter { $0.contains("chat completion") && $0.contains("stream=true") }.count
    }

    static let people = (1...3).map { MetaSimulator.Person(id: WebhookFactory.userID(platform: .messenger, index: $0), name: "P\($0)") }
    static let lines = ["Hello there, how are you?", "What is the capital of France?", "Tell me a joke about cats."]

    /// The same messages, one at a time (same queue ids, so the same seeds), to a server.
    static func conversation(_ harness: Harness) async throws -> [String] {
        for (index, person) in people.enumerated() {
            let delivery = try await harness.simulator.say(lines[index], from: person, on: .messenger)
            #expect(delivery.status == 200)
            _ = await harness.delivered(index + 1, settle: .zero)
        }
        return await harness.simulator.ledger.deliveredTexts.map { $0.text ?? "" }
    }

    @Test("replies come from another process's OpenAI endpoint and equal the in-process engine's")
    func remoteEqualsLocal() async throws {
        let host = try Self.engineHost()
        defer { host.stop() }
        let remote = try await Harness.start(
            engine: ["--engine-url", "http://127.0.0.1:\(host.port)", "--engine-model", "tiny-remote"],
            environment: ["CHORUS_ENGINE_API_KEY": Self.key])
        let remoteTexts: [String]
        do {
            remoteTexts = try await Self.conversation(remote)
        } catch {
            await remote.shutdown()
            throw error
        }
        let remoteLog = remote.chorus.tail(200)
        await remote.shutdown()
        #expect(Self.completions(host) == Self.people.count, "each reply is one streamed request to the engine host")
        #expect(!remoteLog.contains(Self.key), "the key is never logged")
        #expect(remoteLog.contains("answering with an OpenAI-compatible server"))

        let local = try await Harness.start()
        let localTexts: [String]
        do {
            localTexts = try await Self.conversation(local)
        } catch {
            await local.shutdown()
            throw error
        }
        await local.shutdown()
        #expect(remoteTexts.count == Self.people.count)
        #expect(remoteTexts.allSatisfy { !$0.isEmpty })
        #expect(remoteTexts == localTexts, "same prompt, same seed, same model: the same replies")
    }

    @Test("many conversations at once share the engine host; a wrong key is a clear failure, not a reply")
    func burstAndWrongKey() async throws {
        let host = try Self.engineHost()
        defer { host.stop() }
        let remote = try await Harness.start(
            engine: ["--engine-url", "http://127.0.0.1:\(host.port)/v1"], environment: ["CHORUS_ENGINE_API_KEY": Self.key])
        do {
            let people = (1...6).map { MetaSimulator.Person(id: WebhookFactory.userID(platform: .whatsapp, index: $0), name: "W\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for person in people {
                    group.addTask { _ = try await remote.simulator.say("Good morning, \(person.name)!", from: person, on: .whatsapp) }
                }
                try await group.waitForAll()
            }
            let texts = await remote.delivered(people.count)
            #expect(Set(texts.compactMap(\.to)) == Set(people.map(\.id)))
            #expect(texts.allSatisfy { !($0.text ?? "").isEmpty })
            #expect(Self.completions(host) == people.count)
        } catch {
            await remote.shutdown()
            throw error
        }
        await remote.shutdown()

        let wrong = try await Harness.start(engine: ["--engine-url", "http://127.0.0.1:\(host.port)"],
                                            environment: ["CHORUS_ENGINE_API_KEY": "sk-wrong"])
        _ = try await wrong.simulator.say("Hello?", from: Self.people[0], on: .messenger)
        try await Task.sleep(for: .seconds(2))
        let log = wrong.chorus.tail(200)
        let delivered = await wrong.simulator.ledger.deliveredTexts
        await wrong.shutdown()
        #expect(delivered.isEmpty)
        #expect(log.contains("HTTP 401"), "\(log)")
        #expect(!log.contains("sk-wrong"))
    }

    @Test("chorus serve --openai serves /v1 beside the webhooks, with its key, and the assistant still answers")
    func openAIOnTheMainServer() async throws {
        let harness = try await Harness.start(arguments: ["--openai", "--model-name", "main-model"],
                                              environment: ["CHORUS_OPENAI_API_KEY": "sk-main"])
        do {
            let port = harness.chorus.port
            let auth = [("Authorization", "Bearer sk-main")]
            let models = try await HTTPConnection.send(port: port, method: "GET", path: "/v1/models", headers: auth)
            #expect(models.status == 200)
            #expect(String(decoding: models.body, as: UTF8.self).contains("\"main-model\""))
            let body = Array(#"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":4}"#.utf8)
            let refused = try await HTTPConnection.send(port: port, method: "POST", path: "/v1/chat/completions", body: body)
            #expect(refused.status == 401)
            let answer = try await HTTPConnection.send(port: port, method: "POST", path: "/v1/chat/completions",
                                                       headers: auth + [("Content-Type", "application/json")], body: body)
            #expect(answer.status == 200)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("chat.completion"))
            _ = try await harness.simulator.say("Hello there!", from: Self.people[0], on: .messenger)
            let texts = await harness.delivered(1)
            #expect(texts.count == 1)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test("with --engine-vision a picture reaches the remote model as a data URL, and the reply equals the in-process one")
    func pictureThroughTheRemoteEngine() async throws {
        let text = PictureTests.fixtures.appendingPathComponent("llama4-vision-text.f32.gguf").path
        let mmproj = PictureTests.fixtures.appendingPathComponent("llama4-vision-mmproj.f32.gguf").path
        var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
        options.command = ["engine", "serve"]
        options.arguments = ["--model", text, "--mmproj", mmproj, "--log-level", "info"]
        let host = try ChorusProcess(options)
        defer { host.stop() }
        let config: [String: Any] = ["media_timeout_seconds": 120]
        func picture(_ harness: Harness) async throws -> [String] {
            let ana = MetaSimulator.Person(id: "15550100001", name: "Ana")
            let content = await harness.simulator.picture(PictureTests.png, mimeType: "image/png",
                                                          caption: "What colour is the circle in this picture?", platform: .whatsapp)
            let sent = try await harness.simulator.send(content, from: ana, on: .whatsapp)
            #expect(sent.status == 200)
            return await harness.delivered(1).map { $0.text ?? "" }
        }
        let remote = try await Harness.start(config: config, arguments: ["--media-allow-host", "127.0.0.1"],
                                             engine: ["--engine-url", "http://127.0.0.1:\(host.port)", "--engine-vision"])
        let remoteTexts: [String]
        do { remoteTexts = try await picture(remote) } catch {
            await remote.shutdown()
            throw error
        }
        await remote.shutdown()
        let log = (try? String(contentsOf: host.logFile, encoding: .utf8)) ?? ""
        let prompts = log.components(separatedBy: "\n").compactMap { line -> Int? in
            guard line.contains("chat completion"), let range = line.range(of: "prompt_tokens=") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(prompts.count == 1)
        #expect((prompts.first ?? 0) > 100, "the picture's tokens are in the prompt: \(prompts)")

        let local = try await Harness.start(config: config, arguments: PictureTests.visionArguments + ["--model", text])
        let localTexts: [String]
        do { localTexts = try await picture(local) } catch {
            await local.shutdown()
            throw error
        }
        await local.shutdown()
        #expect(remoteTexts.count == 1 && !remoteTexts[0].isEmpty)
        #expect(remoteTexts == localTexts)
    }

    @Test("an engine host that is down at first: the message waits in the queue and is answered once it is up")
    func engineHostStartsLate() async throws {
        let port = ChorusProcess.freePort()
        let front = try await Harness.start(engine: ["--engine-url", "http://127.0.0.1:\(port)"])
        var host: ChorusProcess?
        do {
            _ = try await front.simulator.say("Hello there, anyone home?", from: Self.people[0], on: .messenger)
            try await Task.sleep(for: .seconds(2.5))
            let early = await front.simulator.ledger.deliveredTexts
            #expect(early.isEmpty, "no engine, no reply yet")
            let log = front.chorus.tail(400)
            #expect(log.contains("generation failed"), "the tries failed and the event went back to the queue: \(log)")
            var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
            options.command = ["engine", "serve"]
            options.port = port
            options.arguments = ["--model", Harness.model, "--log-level", "info"]
            host = try ChorusProcess(options)
            let texts = await front.delivered(1)
            #expect(texts.count == 1)
            #expect(texts.first?.text?.isEmpty == false)
        } catch {
            host?.stop()
            await front.shutdown()
            throw error
        }
        host?.stop()
        await front.shutdown()
    }
}
