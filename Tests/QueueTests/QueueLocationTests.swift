import Testing
@testable import Queue

@Suite struct QueueLocationTests {
    @Test func pathsAndURLsChooseTheBackend() throws {
        #expect(try QueueLocation("chorus.sqlite") == .sqlite(path: "chorus.sqlite"))
        #expect(try QueueLocation("/var/lib/chorus/q.sqlite") == .sqlite(path: "/var/lib/chorus/q.sqlite"))
        #expect(try QueueLocation("sqlite:/tmp/q.sqlite") == .sqlite(path: "/tmp/q.sqlite"))
        #expect(try QueueLocation("sqlite:///tmp/q.sqlite") == .sqlite(path: "/tmp/q.sqlite"))
        #expect(try QueueLocation("postgres://u:p@h/db") == .postgres(url: "postgres://u:p@h/db"))
        #expect(try QueueLocation("PostgreSQL://u:p@h/db") == .postgres(url: "PostgreSQL://u:p@h/db"))
    }

    @Test(arguments: ["", "  ", "mysql://u:p@h/db", "sqlite:"]) func unusableLocationsAreErrors(_ text: String) {
        #expect(throws: QueueLocationError.self) { try QueueLocation(text) }
    }

    @Test func thePasswordIsMasked() throws {
        #expect(try QueueLocation("postgres://chorus:s3cr3t@db:5432/q?sslmode=disable").description
                == "postgres://chorus:***@db:5432/q?sslmode=disable")
        #expect(QueueLocation.masked("postgres://chorus:p@ss@db/q") == "postgres://chorus:***@db/q", "an unencoded @ in the password")
        #expect(QueueLocation.masked("postgres://chorus@db/q") == "postgres://chorus@db/q", "no password, nothing to mask")
        #expect(QueueLocation.masked("postgres://db/q?user=x") == "postgres://db/q?user=x")
    }
}
