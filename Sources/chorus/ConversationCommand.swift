import ArgumentParser
import Foundation
import Queue

/// `chorus conversation list | show KEY | forget KEY`: the assistant's memory, for operators.
struct ConversationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conversation",
        abstract: "Inspect or forget the assistant's per-conversation memory.",
        subcommands: [List.self, Show.self, Forget.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Conversations with memory, most recent first.")
        @OptionGroup var database: QueueCommand.DatabaseOptions
        @Option(help: "How many to list.") var limit = 50
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let store = try await database.open()
            defer { try? store.close() }
            let conversations = try await store.conversations(limit: limit)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for c in conversations { print(String(decoding: try encoder.encode(c), as: UTF8.self)) }
                return
            }
            if conversations.isEmpty { print("no conversations with memory"); return }
            for c in conversations {
                let language = c.language.flatMap(Self.languageCode) ?? "und"
                print("\(c.key)  turns \(c.turns)  last \(QueueFormat.date(Date(timeIntervalSince1970: Double(c.lastTimestamp) / 1000)))  language \(language)")
            }
        }

        static func languageCode(_ json: String) -> String? {
            (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["language"] as? String
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A conversation's remembered turns, oldest first.")
        @OptionGroup var database: QueueCommand.DatabaseOptions
        @Argument(help: "The conversation key (see `chorus conversation list`).") var key: String
        @Option(help: "How many recent turns.") var limit = 100
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let store = try await database.open()
            defer { try? store.close() }
            let turns = try await store.history(conversation: key, limit: limit)
            guard !turns.isEmpty else {
                throw QueueCommandError("no memory for conversation \(key). `chorus conversation list` shows the keys.")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for turn in turns {
                if json {
                    print(String(decoding: try encoder.encode(turn), as: UTF8.self))
                } else {
                    let who = turn.role == .assistant ? "bot" : (turn.speakerName ?? turn.speakerID)
                    print("[\(QueueFormat.date(Date(timeIntervalSince1970: Double(turn.timestamp) / 1000)))] \(who): \(turn.text)")
                }
            }
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a conversation's memory and language (the queue's events stay).")
        @OptionGroup var database: QueueCommand.DatabaseOptions
        @Argument(help: "The conversation key.") var key: String

        func run() async throws {
            let store = try await database.open()
            defer { try? store.close() }
            let deleted = try await store.forget(conversation: key)
            guard deleted > 0 else { throw QueueCommandError("no memory for conversation \(key); nothing forgotten.") }
            print("forgot \(deleted) turns of \(key)")
        }
    }
}
