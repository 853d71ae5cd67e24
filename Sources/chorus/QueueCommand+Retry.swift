import ArgumentParser
import Foundation
import Queue

extension QueueCommand {
    /// `chorus queue retry ID`: a dead or retrying event goes back to the queue, now; a handled
    /// event whose reply was dead-lettered has its sends re-sent (the reply is not generated again).
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead (or backing-off) event back in the queue, or re-send its dead-lettered reply.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The event's id (see `chorus queue list --state dead`).")
        var id: Int64

        func run() async throws {
            let queue = try await database.open()
            defer { try? queue.close() }
            let resent = try await queue.retrySends(eventID: id, now: Date())
            if resent > 0 {
                print("event \(id): \(resent) dead-lettered send(s) will be sent again by the running server")
                return
            }
            do {
                try await queue.retry(id: id)
            } catch {
                throw QueueCommandError.from(error, id: id)
            }
            print("event \(id) is queued again")
        }
    }
}
