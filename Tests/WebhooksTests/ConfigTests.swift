import ChorusCore
import Foundation
import Testing
@testable import chorus

@Suite("chorus serve configuration")
struct ConfigTests {
    static let full: [String: String] = Dictionary(uniqueKeysWithValues: Platform.allCases.flatMap { p in
        [(ChorusConfig.variable(p, .appSecret), "s-\(p.rawValue)"), (ChorusConfig.variable(p, .verifyToken), "t-\(p.rawValue)")]
    })

    func resolve(_ environment: [String: String], file: String? = nil, platforms: [String] = [], port: Int? = nil) throws -> ChorusConfig {
        try ChorusConfig.resolve(host: nil, port: port, database: nil, configFile: file, platforms: platforms,
                                 maxBodyBytes: nil, environment: environment)
    }

    @Test("defaults: 127.0.0.1:8080, chorus.sqlite, 4 MiB, all platforms")
    func defaults() throws {
        let config = try resolve(Self.full)
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.database == "chorus.sqlite")
        #expect(config.ingress.maxBodyBytes == 4 * 1024 * 1024)
        #expect(Set(config.ingress.platforms.keys) == Set(Platform.allCases))
    }

    @Test("a missing secret names the variable to set")
    func missingSecret() throws {
        var environment = Self.full
        environment["CHORUS_WHATSAPP_APP_SECRET"] = nil
        #expect {
            try resolve(environment)
        } throws: { error in
            "\(error)".contains("CHORUS_WHATSAPP_APP_SECRET") && !"\(error)".contains("CHORUS_MESSENGER_APP_SECRET")
        }
        let onlyMessenger = try resolve(environment, platforms: ["messenger"])
        #expect(Array(onlyMessenger.ingress.platforms.keys) == [.messenger])
    }

    @Test("secrets never appear in descriptions")
    func redacted() throws {
        let config = try resolve(Self.full)
        let described = "\(config) \(String(reflecting: config))"
        for value in Self.full.values { #expect(!described.contains(value)) }
    }

    @Test("flags over environment over file")
    func precedence() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-\(UUID()).json").path
        try #"{"port": 9000, "database": "file.sqlite", "whatsapp": {"app_secret": "from-file", "verify_token": "v"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        var environment = Self.full
        environment["CHORUS_DATABASE"] = "env.sqlite"
        let config = try resolve(environment, file: path, port: 9100)
        #expect(config.port == 9100)
        #expect(config.database == "env.sqlite")
        #expect(config.warnings.isEmpty)
        environment["CHORUS_WHATSAPP_APP_SECRET"] = nil
        let fromFile = try resolve(environment, file: path)
        #expect(fromFile.ingress.platforms[.whatsapp]?.appSecret.value == "from-file")
        #expect(fromFile.port == 9000)
    }

    @Test("a config file readable by others is warned about; unknown keys and bad JSON are errors")
    func fileProblems() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-\(UUID()).json").path
        try #"{"port": 9000}"#.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let config = try resolve(Self.full, file: path)
        #expect(config.warnings.contains { $0.contains("chmod 600") })
        try #"{"prot": 9000}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try resolve(Self.full, file: path) } throws: { "\($0)".contains("prot") }
        try #"{"port": "eighty"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try resolve(Self.full, file: path) } throws: { "\($0)".contains("port") }
        #expect { try resolve(Self.full, file: path + ".missing") } throws: { "\($0)".contains("cannot read") }
        #expect(throws: ConfigError.self) { try resolve(Self.full, platforms: ["telegram"]) }
        #expect(throws: ConfigError.self) { try resolve(Self.full, port: 70000) }
    }
}
