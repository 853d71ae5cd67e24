import ArgumentParser
import Foundation
import Queue

extension QueueCommand {
    /// `chorus queue list`: events in queue order, optionally one state, paged.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List events in queue order (oldest first).")

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("Only events in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).",
                                   valueName: "state"))
        var state: JobState?

        @Option(help: "At most this many events.")
        var limit: Int = 50

        @Option(help: "Skip this many events first.")
        var offset: Int = 0

        @Flag(help: "Print one JSON object per line per event.")
        var json = false

        func validate() throws {
            guard limit >= 0, offset >= 0 else { throw ValidationError("--limit and --offset must not be negative.") }
        }

        func run() async throws {
            let queue = try await database.open()
            defer { try? queue.close() }
            let events = try await queue.list(state: state, limit: limit, offset: offset)
            if json {
                for event in events { print(try QueueEventLine(stored: event, includeRaw: false).jsonLine()) }
                return
            }
            guard !events.isEmpty else {
                print(state.map { "no \($0.rawValue) events" } ?? "the queue is empty")
                return
            }
            print(Self.table(events))
        }

        static func table(_ events: [StoredEvent]) -> String {
            let rows = events.map { stored -> [String] in
                let event = stored.event
                let text = event.text ?? (event.attachments.isEmpty ? "" : "[\(event.attachments.map(\.kind.rawValue).joined(separator: ", "))]")
                return [
                    "\(stored.id)", stored.job.state.rawValue, "\(stored.job.attempts)", event.platform.rawValue, event.kind.rawValue,
                    QueueFormat.oneLine(event.conversation.id, limit: 24) + (event.conversation.isGroup ? " (group)" : ""),
                    QueueFormat.oneLine(event.sender?.name ?? event.sender?.id, limit: 20),
                    QueueFormat.oneLine(stored.job.state == .dead || stored.job.state == .retry ? stored.job.lastError.map { "! " + $0 } ?? text : text, limit: 60),
                ]
            }
            return QueueFormat.table(["ID", "STATE", "TRIES", "PLATFORM", "KIND", "CONVERSATION", "SENDER", "TEXT"], rows)
        }
    }
}

extension JobState: ExpressibleByArgument {}
