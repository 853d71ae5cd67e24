import Foundation
import Simulator
import Testing

/// `chorus conversation` and `chorus queue show` on a server's database, as an operator runs them.
@Suite("Operator commands", .serialized)
struct OperatorCommandTests {
    /// Runs the chorus binary; returns (exit status, standard output + error).
    static func chorus(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = ChorusProcess.siblingExecutable()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("conversation list, show and forget; queue show carries the gate's decision")
    func conversations() async throws {
        try await Harness.with { harness in
            let ana = MetaSimulator.Person(id: "15557770001", name: "Ana")
            let asked = try await harness.simulator.say("Hello, what are your opening hours today?", from: ana, on: .whatsapp)
            _ = await harness.delivered(1)
            _ = try await harness.idle()
            let database = harness.chorus.database
            let key = "whatsapp:\(harness.simulator.accounts[.whatsapp]!):direct:\(ana.id)"

            let (listStatus, list) = try Self.chorus(["conversation", "list", "--database", database])
            #expect(listStatus == 0)
            #expect(list.contains(key) && list.contains("turns 2") && list.contains("language en"))

            let (showStatus, show) = try Self.chorus(["conversation", "show", key, "--database", database])
            #expect(showStatus == 0)
            #expect(show.contains("Ana: Hello, what are your opening hours today?"))
            #expect(show.contains("bot: "))

            let events = try await harness.store().list(state: nil, limit: 10, offset: 0)
            let event = try #require(events.first { $0.event.messageID == asked.messageID })
            let (queueStatus, shown) = try Self.chorus(["queue", "show", "\(event.id)", "--database", database])
            #expect(queueStatus == 0)
            #expect(shown.contains("\"open\":true") && shown.contains("\"language\":\"en\""), "gate decision shown:\n\(shown)")

            let (forgetStatus, forgot) = try Self.chorus(["conversation", "forget", key, "--database", database])
            #expect(forgetStatus == 0 && forgot.contains("forgot 2 turns"))
            let (againStatus, again) = try Self.chorus(["conversation", "show", key, "--database", database])
            #expect(againStatus != 0 && again.contains("no memory"))
            let (missingStatus, missing) = try Self.chorus(["conversation", "list", "--database", database + ".nope"])
            #expect(missingStatus != 0 && missing.contains("no database"))
        }
    }
}
