import ArgumentParser
import Foundation
import Queue

extension QueueCommand {
    /// `chorus queue retry ID`: a dead or retrying event goes back to the queue, now.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead (or backing-off) event back in the queue with fresh attempts.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The event's id (see `chorus queue list --state dead`).")
        var id: Int64

        func run() async throws {
            let queue = try database.open()
            defer { try? queue.close() }
            do {
                try await queue.retry(id: id)
            } catch {
                throw QueueCommandError.from(error, id: id)
            }
            print("event \(id) is queued again")
        }
    }
}
