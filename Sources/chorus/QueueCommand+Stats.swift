import ArgumentParser
import Foundation
import Queue

extension QueueCommand {
    /// `chorus queue stats`: counts by state, oldest waiting event and lease, quarantine.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how many events are in each state and how old the oldest waiting one is.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        func run() async throws {
            let queue = try await database.open()
            defer { try? queue.close() }
            let stats = try await queue.stats()
            if json {
                print(try Self.json(stats, path: queue.location))
            } else {
                print(Self.text(stats, path: queue.location))
            }
        }

        static func text(_ stats: QueueStats, path: String) -> String {
            let age: (TimeInterval?) -> String = { $0.map { "oldest \(QueueFormat.duration($0))" } ?? "" }
            var leased = age(stats.oldestLeaseAge)
            if stats.expiredLeases > 0 { leased += ", \(stats.expiredLeases) expired" }
            let rows: [[String]] = [
                ["queued", "\(stats.counts[.queued] ?? 0)", age(stats.oldestQueuedAge)],
                ["leased", "\(stats.counts[.leased] ?? 0)", leased],
                ["retry", "\(stats.counts[.retry] ?? 0)", "waiting for their backoff"],
                ["dead", "\(stats.counts[.dead] ?? 0)", (stats.counts[.dead] ?? 0) > 0 ? "see `chorus queue list --state dead`" : ""],
                ["done", "\(stats.counts[.done] ?? 0)", ""],
                ["total", "\(stats.total)", ""],
                ["quarantined", "\(stats.quarantined)", "bodies that could not be decoded"],
            ]
            return "queue \(path)\n" + QueueFormat.table(["STATE", "EVENTS", ""], rows)
        }

        static func json(_ stats: QueueStats, path: String) throws -> String {
            var object: [String: JSONValueLite] = [
                "database": .string(path),
                "total": .int(stats.total),
                "quarantined": .int(stats.quarantined),
                "expired_leases": .int(stats.expiredLeases),
                "oldest_queued_age_s": stats.oldestQueuedAge.map { .double($0) } ?? .null,
                "oldest_lease_age_s": stats.oldestLeaseAge.map { .double($0) } ?? .null,
            ]
            for state in JobState.allCases { object[state.rawValue] = .int(stats.counts[state] ?? 0) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(object), as: UTF8.self)
        }
    }
}

/// The few JSON scalars `stats --json` prints.
enum JSONValueLite: Encodable {
    case string(String), int(Int), double(Double), null

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode((value * 1000).rounded() / 1000)
        case .null: try container.encodeNil()
        }
    }
}
