import ArgumentParser
import Foundation
import Queue

extension QueueCommand {
    /// `chorus queue purge`: delete old finished events (and old quarantined bodies).
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete finished events older than a cutoff (default: done events older than 8 days).",
            discussion: """
                A purged event's dedup key is gone: if Meta redelivers it afterwards it is stored again. \
                Meta retries WhatsApp deliveries for up to 7 days, hence the 8-day default.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(name: .customLong("state"), help: ArgumentHelp("Purge events in this state (repeatable; default: done).", valueName: "state"))
        var states: [JobState] = []

        @Option(name: .customLong("older-than"), help: ArgumentHelp(
            "Only what last changed longer ago than this: 90s, 30m, 12h, 8d, 2w.", valueName: "age"))
        var olderThan: String = "8d"

        @Flag(help: "Also delete quarantined bodies received before the cutoff.")
        var quarantine = false

        @Flag(help: "Allow purging queued, leased or retry events (they would never be handled).")
        var force = false

        func validate() throws {
            guard QueueFormat.parseDuration(olderThan) != nil else {
                throw ValidationError("--older-than takes a duration such as 90s, 30m, 12h, 8d or 2w, not '\(olderThan)'.")
            }
            let unfinished = Set(states).filter(\.isUnfinished)
            if !unfinished.isEmpty, !force {
                throw ValidationError(
                    "purging \(unfinished.map(\.rawValue).sorted().joined(separator: ", ")) events drops work never done; add --force if you mean it.")
            }
        }

        func run() async throws {
            let age = QueueFormat.parseDuration(olderThan) ?? 0
            let cutoff = Date().addingTimeInterval(-age)
            let states = Set(self.states.isEmpty ? [.done] : self.states)
            let queue = try await database.open()
            defer { try? queue.close() }
            let result = try await queue.purge(states: states, olderThan: cutoff, quarantine: quarantine)
            var summary = "purged \(result.events) \(states.map(\.rawValue).sorted().joined(separator: "/")) events older than \(olderThan)"
            if quarantine { summary += " and \(result.quarantined) quarantined bodies" }
            print(summary)
        }
    }
}
