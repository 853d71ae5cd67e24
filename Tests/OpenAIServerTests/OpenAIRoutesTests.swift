import Assistant
import Foundation
import OpenAIServer
import Testing

/// The OpenAI routes over the fixture model, through real HTTP on loopback.
@Suite(.serialized) struct OpenAIRoutesTests {
    @Test func modelsListsTheLoadedModel() async throws {
        try await EngineHost.with { host in
            let list = try await host.request("GET", "/v1/models")
            #expect(list.status == 200)
            let models = try list.json(ModelList.self)
            #expect(models.object == "list")
            #expect(models.data.map(\.id) == ["tiny"])
            let result1 = try await host.request("GET", "/v1/models/tiny").status
            #expect(result1 == 200)
            let missing = try await host.request("GET", "/v1/models/other")
            #expect(missing.status == 404)
            #expect(try missing.json(APIErrorBody.self).error.code == "model_not_found")
        }
    }

    /// The whole answer has OpenAI's shape, counts its tokens, and says what the engine says alone.
    @Test func wholeAnswerMatchesTheEngineAndCountsTokens() async throws {
        try await EngineHost.with { host in
            let reply = try await host.request(body: EngineHost.body(maxTokens: 10, temperature: nil))
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/json")
            let answer = try reply.json(ChatCompletion.self)
            #expect(answer.object == "chat.completion")
            #expect(answer.id.hasPrefix("chatcmpl-"))
            #expect(answer.model == "tiny")
            let choice = try #require(answer.choices.first)
            #expect(choice.message.role == "assistant")
            let usage = try #require(answer.usage)
            #expect(usage.totalTokens == usage.promptTokens + usage.completionTokens)
            #expect(choice.finishReason == "stop" || usage.completionTokens == 10)
            #expect(["stop", "length"].contains(choice.finishReason ?? ""))

            var request = GenerationRequest(conversationKey: "x", turns: [ChatTurn(role: .system, text: "Be brief."),
                                            ChatTurn(role: .user, text: "Hello there, how are you?")], maxTokens: 10, seed: 7)
            let expected = try await EngineHost.engine.generate([request])[0]
            #expect(choice.message.content == expected)
            let engine = EngineHost.engine
            let prompt = engine.template.encode([.init(role: .system, content: "Be brief."), .init(role: .user, content: "Hello there, how are you?")],
                                                tokenizer: engine.tokenizer)
            #expect(usage.promptTokens == prompt.count)
            request.maxTokens = 1
            let result2 = try await EngineHost.engine.generate([request])[0].isEmpty
            #expect(result2 == false)
        }
    }

    /// Streamed chunks concatenate to the whole answer, greedy and seeded sampling alike.
    @Test(arguments: [(0.0, 7), (0.9, 42)])
    func streamedChunksConcatenateToTheWholeAnswer(temperature: Double, seed: Int) async throws {
        try await EngineHost.with { host in
            let whole = try await host.request(body: EngineHost.body(maxTokens: 16, seed: seed, temperature: temperature))
                .json(ChatCompletion.self)
            let streamed = try await host.request(body: EngineHost.body(maxTokens: 16, seed: seed, temperature: temperature, stream: true))
            #expect(streamed.status == 200)
            #expect(streamed.headers["content-type"] == "text/event-stream")
            let events = try streamed.events()
            #expect(events.last == "[DONE]")
            let chunks = try events.dropLast().map { try JSONDecoder().decode(ChatCompletionChunk.self, from: Data($0.utf8)) }
            #expect(chunks.allSatisfy { $0.object == "chat.completion.chunk" && $0.id == chunks[0].id })
            #expect(chunks.first?.choices.first?.delta.role == "assistant")
            let text = chunks.flatMap(\.choices).compactMap(\.delta.content).joined()
            #expect(text == whole.choices[0].message.content)
            #expect(chunks.flatMap(\.choices).compactMap(\.finishReason) == [whole.choices[0].finishReason ?? ""])
            #expect(chunks.last?.choices.isEmpty == true)
            #expect(chunks.last?.usage == whole.usage)
            #expect(chunks.count > 3, "text arrives in pieces, not at once")
        }
    }

    /// A stop string ends the reply before it, streamed or not.
    @Test func stopStringsCutTheReply() async throws {
        try await EngineHost.with { host in
            let full = try await host.request(body: EngineHost.body(maxTokens: 24)).json(ChatCompletion.self).choices[0].message.content ?? ""
            let characters = Array(full)
            try #require(characters.count >= 8, "the fixture answer is long enough: \(full)")
            let stop = String(characters[4..<7])
            let expected = String(full[..<full.range(of: stop)!.lowerBound])
            let cut = try await host.request(body: EngineHost.body(maxTokens: 24, extra: ["stop": stop])).json(ChatCompletion.self)
            #expect(cut.choices[0].message.content == expected)
            #expect(cut.choices[0].finishReason == "stop")
            let streamed = try await host.request(body: EngineHost.body(maxTokens: 24, stream: true, extra: ["stop": [stop, "never-there"]]))
            let chunks = try streamed.events().dropLast().map { try JSONDecoder().decode(ChatCompletionChunk.self, from: Data($0.utf8)) }
            #expect(chunks.flatMap(\.choices).compactMap(\.delta.content).joined() == expected)
        }
    }

    @Test func badRequestsGetOpenAIErrors() async throws {
        let cases: [(String, String?, String?)] = [
            ("{not json", nil, nil),
            (#"{"model":"tiny"}"#, nil, nil),
            (#"{"messages":[{"role":"user","content":5}]}"#, nil, nil),
            (#"{"messages":"hello"}"#, nil, nil),
            (#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":"ten"}"#, nil, nil),
            (#"{"messages":[{"role":"user","content":"hi"}],"n":2}"#, "n", nil),
            (#"{"messages":[{"role":"user","content":"hi"}],"temperature":3}"#, "temperature", nil),
            (#"{"messages":[{"role":"user","content":"hi"}],"top_p":0}"#, "top_p", nil),
            (#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}"#, "max_tokens", nil),
            (#"{"messages":[]}"#, "messages", nil),
            (#"{"messages":[{"role":"tool","content":"hi"}]}"#, "messages[0].role", nil),
            (#"{"messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}"#, "stop", nil),
            (#"{"messages":[{"role":"user","content":[{"type":"audio","audio":{}}]}]}"#, nil, nil),
            (#"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}"#,
             "messages[0].content", "images_not_supported"),
            (#"{"messages":[{"role":"user","content":"hi"}],"max_tokens":100000}"#, "messages", "context_length_exceeded"),
        ]
        try await EngineHost.with { host in
            for (body, param, code) in cases {
                let reply = try await host.request(body: body)
                #expect(reply.status == 400, "\(body)")
                let error = try reply.json(APIErrorBody.self).error
                #expect(error.type == "invalid_request_error")
                #expect(!error.message.isEmpty)
                if let param { #expect(error.param == param, "\(body): \(error.message)") }
                if let code { #expect(error.code == code, "\(body)") }
            }
            // Deep nesting would crash Foundation's JSON scanner: a 400, and the server lives on.
            let deep = #"{"messages":[{"role":"user","content":"hi"}],"x":"# + String(repeating: "[", count: 5000)
                + String(repeating: "]", count: 5000) + "}"
            let nested = try await host.request(body: deep)
            #expect(nested.status == 400)
            let afterwards = try await host.request(body: EngineHost.body(maxTokens: 2))
            #expect(afterwards.status == 200)
            // Seeds are 64-bit patterns, kept exact (not through a Double).
            let exact = try await host.request(body: #"{"messages":[{"role":"user","content":"hi"}],"max_tokens":3,"seed":-9223372036854775807}"#)
            #expect(exact.status == 200)
            let wrongMethod = try await host.request("GET")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "POST")
            #expect(try wrongMethod.json(APIErrorBody.self).error.type == "invalid_request_error")
            let unknown = try await host.request("GET", "/v1/completions/nothing")
            #expect(unknown.status == 404)
            #expect(try unknown.json(APIErrorBody.self).error.code == "unknown_url")
        }
        var small = OpenAIServerSettings(modelName: "tiny")
        small.maxBodyBytes = 1000
        try await EngineHost.with(settings: small) { host in
            let reply = try await host.request(body: EngineHost.body(String(repeating: "long ", count: 400)))
            #expect(reply.status == 413)
            #expect(try reply.json(APIErrorBody.self).error.message.contains("1000"))
        }
    }

    @Test func apiKeyIsRequiredWhenSet() async throws {
        try await EngineHost.with(settings: OpenAIServerSettings(modelName: "tiny", apiKey: "sk-test-☃-key")) { host in
            let none = try await host.request(body: EngineHost.body(maxTokens: 2))
            #expect(none.status == 401)
            #expect(try none.json(APIErrorBody.self).error.type == "authentication_error")
            #expect(!none.text.contains("sk-test"))
            let wrong = try await host.request(body: EngineHost.body(maxTokens: 2), headers: ["Authorization": "Bearer sk-test-x-key"])
            #expect(wrong.status == 401)
            let result3 = try await host.request("GET", "/v1/models", headers: ["Authorization": "Basic abc"]).status
            #expect(result3 == 401)
            let right = try await host.request(body: EngineHost.body(maxTokens: 2), headers: ["Authorization": "Bearer sk-test-☃-key"])
            #expect(right.status == 200)
            let result4 = try await host.request("GET", "/v1/models", headers: ["Authorization": "Bearer sk-test-☃-key"]).status
            #expect(result4 == 200)
        }
    }
}
