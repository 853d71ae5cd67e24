import ArgumentParser
import Foundation
import Queue
import QueuePostgres

extension QueueCommand {
    /// `chorus queue migrate`: brings the queue's schema up to date and says what it did.
    /// `chorus serve` migrates on start too; this is for doing it ahead of a rollout.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the queue's schema (SQLite file or PostgreSQL database) and list what was applied.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let location = database.resolvedPath
            let queue: any QueueBackend
            do {
                queue = try await QueueBackends.open(location, createIfMissing: true, migrate: false)
            } catch let error as PostgresQueueError {
                throw QueueCommandError(error.description)
            } catch let error as QueueLocationError {
                throw QueueCommandError(error.description)
            } catch {
                throw QueueCommandError("cannot open the queue at \((try? QueueLocation(location).description) ?? location): \(error)")
            }
            defer { try? queue.close() }
            let applied = try await queue.migrate()
            let all = try await queue.appliedMigrations()
            for name in applied { print("applied \(name)") }
            print(applied.isEmpty
                  ? "\(queue.location): schema up to date (\(all.count) migrations), nothing to do"
                  : "\(queue.location): schema up to date (\(all.count) migrations, \(applied.count) applied now)")
        }
    }
}
