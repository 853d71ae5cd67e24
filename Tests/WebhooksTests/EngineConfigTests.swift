import ChorusCore
import Foundation
import Testing
@testable import chorus

/// `--engine-url`, `--openai` and their environment variables.
@Suite("chorus serve engine configuration")
struct EngineConfigTests {
    static let full: [String: String] = Dictionary(uniqueKeysWithValues: Platform.allCases.flatMap { p in
        [(ChorusConfig.variable(p, .appSecret), "s"), (ChorusConfig.variable(p, .verifyToken), "t"), (ChorusConfig.variable(p, .accessToken), "a")]
    })

    func resolve(_ options: AssistantOptions, _ environment: [String: String] = full) throws -> ChorusConfig {
        try ChorusConfig.resolve(host: nil, port: nil, database: nil, configFile: nil, platforms: [], maxBodyBytes: nil,
                                 environment: environment, assistant: options)
    }

    @Test func engineURLReplacesTheModelFile() throws {
        var environment = Self.full
        environment["CHORUS_ENGINE_API_KEY"] = "sk-remote"
        let config = try resolve(AssistantOptions(model: "m.gguf", mmproj: "p.gguf", engineURL: "http://gpu:8000/v1", engineModel: "llama",
                                                  engineVision: true, engineMaxInFlight: 3, engineTimeout: 20), environment)
        let engine = try #require(config.engine)
        #expect(config.model == nil && config.mmproj == nil)
        #expect(engine.baseURL.absoluteString == "http://gpu:8000/v1")
        #expect(engine.endpoint("chat/completions").absoluteString == "http://gpu:8000/v1/chat/completions")
        #expect(engine.model == "llama")
        #expect(engine.apiKey == "sk-remote")
        #expect(engine.seesImages && engine.maxInFlight == 3 && engine.totalTimeout == 20 && engine.firstTokenTimeout <= 20)
        environment["CHORUS_ENGINE_URL"] = "https://engine.internal"
        let fromEnvironment = try resolve(AssistantOptions(model: "m.gguf"), environment)
        #expect(fromEnvironment.engine?.endpoint("models").absoluteString == "https://engine.internal/v1/models")
        #expect(try resolve(AssistantOptions(ingressOnly: true), environment).engine == nil, "--ingress-only wins")
    }

    @Test func badEngineSettingsAreClearErrors() {
        let cases: [(AssistantOptions, String)] = [
            (AssistantOptions(engineURL: "ftp://x"), "not an http(s) URL"),
            (AssistantOptions(engineURL: "gpu:8000"), "not an http(s) URL"),
            (AssistantOptions(engineURL: "http://gpu", engineMaxInFlight: 0), "--engine-max-in-flight"),
            (AssistantOptions(engineURL: "http://gpu", engineTimeout: -1), "--engine-timeout"),
            (AssistantOptions(model: "m.gguf", engineURL: "http://gpu", openAI: true), "cannot be combined"),
            (AssistantOptions(openAI: true), "--openai needs a model"),
        ]
        for (options, message) in cases {
            #expect { try resolve(options) } throws: { "\($0)".contains(message) }
        }
        var noTokens = Self.full
        noTokens["CHORUS_MESSENGER_ACCESS_TOKEN"] = nil
        #expect { try resolve(AssistantOptions(engineURL: "http://gpu"), noTokens) } throws: { "\($0)".contains("CHORUS_MESSENGER_ACCESS_TOKEN") }
    }

    @Test func openAIServesTheModelUnderItsNameWithTheKey() throws {
        var environment = Self.full
        environment["CHORUS_OPENAI_API_KEY"] = "sk-local"
        let named = try resolve(AssistantOptions(model: "/models/big.Q4_K_M.gguf", openAI: true), environment)
        #expect(named.openAI?.modelName == "big.Q4_K_M.gguf")
        #expect(named.openAI?.apiKey == "sk-local")
        let renamed = try resolve(AssistantOptions(model: "/models/big.gguf", openAI: true, modelName: "maverick"))
        #expect(renamed.openAI?.modelName == "maverick")
        #expect(renamed.openAI?.apiKey == nil)
        #expect(try resolve(AssistantOptions(model: "m.gguf")).openAI == nil)
    }
}
