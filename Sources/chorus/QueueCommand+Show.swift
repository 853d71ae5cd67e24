import ArgumentParser
import Foundation
import Queue

extension QueueCommand {
    /// `chorus queue show ID`: one event with its lifecycle and raw webhook item.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one event in full, its raw webhook item included.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The event's id (see `chorus queue list`).")
        var id: Int64

        @Flag(help: "Print one JSON object (with raw) instead of text.")
        var json = false

        func run() async throws {
            let queue = try await database.open()
            defer { try? queue.close() }
            guard let stored = try await queue.event(id: id) else {
                throw QueueCommandError.from(QueueError.eventNotFound(id: id), id: id)
            }
            // What the assistant decided (answer, language gate) and what it sent.
            let note = try await queue.note(eventID: id)
            let sends = try await queue.sends(eventID: id)
            if json {
                var object = try JSONSerialization.jsonObject(with: Data(try QueueEventLine(stored: stored, includeRaw: true).jsonLine().utf8)) as? [String: Any] ?? [:]
                object["assistant"] = note.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull()
                object["sends"] = sends.map { ["kind": $0.kind.rawValue, "state": $0.state.rawValue, "attempts": $0.attempts,
                                               "last_error": $0.lastError as Any, "sent_message_id": $0.sentMessageID as Any] }
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                var text = Self.text(stored)
                if let note { text += "\n\nassistant: \(note)" }
                for send in sends {
                    text += "\nsend \(send.kind.rawValue): \(send.state.rawValue), \(send.attempts) attempt(s)"
                        + (send.lastError.map { ", last error: \($0)" } ?? "") + (send.sentMessageID.map { ", id \($0)" } ?? "")
                }
                print(text)
            }
        }

        static func text(_ stored: StoredEvent) -> String {
            let event = stored.event, job = stored.job
            var lines: [(String, String?)] = [
                ("id", "\(stored.id)"),
                ("state", job.state.rawValue),
                ("attempts", "\(job.attempts)"),
                ("last error", job.lastError),
                ("lease", job.leaseOwner.map { owner in "\(owner) until \(job.leaseExpiresAt.map(QueueFormat.date) ?? "?")" }),
                ("available at", job.state == .retry ? QueueFormat.date(job.availableAt) : nil),
                ("received", QueueFormat.date(stored.createdAt)),
                ("updated", QueueFormat.date(stored.updatedAt)),
                ("platform", event.platform.rawValue),
                ("kind", event.kind.rawValue),
                ("conversation", event.conversation.key + (event.conversation.isGroup ? " (group)" : "")),
                ("sender", event.sender.map { sender in [sender.name, sender.id].compactMap { $0 }.joined(separator: " · ") }),
                ("message id", event.messageID),
                ("timestamp", QueueFormat.date(Date(timeIntervalSince1970: TimeInterval(event.timestamp) / 1000))),
                ("reply to", event.replyTo),
                ("payload", event.payload),
                ("detail", event.detail),
                ("dedup key", event.dedupKey),
                ("text", event.text),
            ]
            for (index, attachment) in event.attachments.enumerated() {
                let parts = [attachment.kind.rawValue, attachment.mimeType, attachment.title, attachment.caption,
                             attachment.url ?? attachment.mediaID.map { "media \($0)" }]
                lines.append(("attachment \(index + 1)", parts.compactMap { $0 }.joined(separator: " · ")))
            }
            let width = lines.map(\.0.count).max() ?? 0
            let body = lines.compactMap { key, value in
                // Continuation lines of a multi-line text line up under its first line.
                value.map { key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + $0.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + String(repeating: " ", count: width + 2)) }
            }
            return (body + ["", "raw:", event.raw]).joined(separator: "\n")
        }
    }
}
