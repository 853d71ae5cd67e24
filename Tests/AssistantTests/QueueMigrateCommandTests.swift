import Foundation
@testable import QueuePostgres
import Simulator
import Testing

/// `chorus queue migrate` on both backends: what it applies, and that a second run has nothing to do.
@Suite struct QueueMigrateCommandTests {
    static var locations: [String] {
        var locations = ["sqlite"]
        if let url = ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"], !url.isEmpty { locations.append("postgres") }
        return locations
    }

    @Test(arguments: locations) func migrateAppliesEachStepOnceAndSaysSo(_ backend: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let location: String
        if backend == "postgres" {
            let url = try #require(ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"])
            let schema = "m" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            location = url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
        } else {
            location = folder.appendingPathComponent("queue.sqlite").path
        }
        let (status, output) = try OperatorCommandTests.chorus(["queue", "migrate", "--database", location])
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "\n").filter { $0.hasPrefix("applied v") }
                == ["applied v1: event and quarantine", "applied v2: history, outbox, conversation, event note",
                    "applied v3: leased events per conversation"])
        #expect(output.contains("schema up to date (3 migrations, 3 applied now)"))
        let (again, second) = try OperatorCommandTests.chorus(["queue", "migrate", "--database", location])
        #expect(again == 0 && second.contains("nothing to do") && !second.contains("applied v"), "\(second)")
        let (stats, table) = try OperatorCommandTests.chorus(["queue", "stats", "--database", location])
        #expect(stats == 0 && table.contains("total        0"), "\(table)")
        if backend == "postgres" {
            let queue = try await PostgresQueue(url: location, migrate: false)
            try await queue.dropSchema()
            try queue.close()
        }
    }

    @Test func anUnknownSchemeIsAClearError() throws {
        let (status, output) = try OperatorCommandTests.chorus(["queue", "migrate", "--database", "mysql://u:secret@h/db"])
        #expect(status != 0)
        #expect(output.contains("unsupported database URL scheme mysql://") && !output.contains("secret"), "\(output)")
    }
}
