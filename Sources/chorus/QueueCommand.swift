import ArgumentParser
import Foundation
import Queue
import QueuePostgres

/// `chorus queue`: look into the durable queue and act on it (stats, list, show, retry, purge).
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Inspect, operate and migrate the durable event queue.",
        subcommands: [Stats.self, List.self, Show.self, Retry.self, Purge.self, Migrate.self])
}

extension QueueCommand {
    /// `--database PATH`, shared by every subcommand.
    struct DatabaseOptions: ParsableArguments {
        @Option(name: .customLong("database"), help: ArgumentHelp(
            "The queue: a SQLite file or a postgres://USER:PASSWORD@HOST:PORT/DB URL (default: env CHORUS_DATABASE, else chorus.sqlite).",
            valueName: "path-or-url"))
        var path: String?

        /// The path to open: the option, else `CHORUS_DATABASE`, else `chorus.sqlite`.
        var resolvedPath: String {
            if let path, !path.isEmpty { return path }
            if let env = ProcessInfo.processInfo.environment["CHORUS_DATABASE"], !env.isEmpty { return env }
            return "chorus.sqlite"
        }

        /// Opens the existing queue; never creates a database (a typo must not yield an empty queue).
        func open() async throws -> any QueueBackend {
            let path = resolvedPath
            do {
                return try await QueueBackends.open(path, createIfMissing: false)
            } catch QueueError.databaseNotFound {
                throw QueueCommandError(
                    "no database at \(path). Pass --database PATH or set CHORUS_DATABASE to the file `chorus serve` uses.")
            } catch let error as QueueError {
                throw QueueCommandError(error.description)
            } catch let error as QueueLocationError {
                throw QueueCommandError(error.description)
            } catch let error as PostgresQueueError {
                throw QueueCommandError(error.description)
            } catch {
                let shown = (try? QueueLocation(path).description) ?? path
                throw QueueCommandError("cannot open the queue at \(shown): \(error)")
            }
        }
    }
}

/// A failure to report to the operator: ArgumentParser prints it as `Error: …` and exits with 1.
struct QueueCommandError: Error, CustomStringConvertible {
    /// What went wrong and what to do about it.
    let description: String

    init(_ description: String) { self.description = description }

    /// The operator-facing form of an error thrown by the queue for event `id`.
    static func from(_ error: any Error, id: Int64) -> QueueCommandError {
        switch error {
        case QueueError.eventNotFound:
            return QueueCommandError("no event with id \(id). `chorus queue list` shows the ids.")
        case QueueError.rejected(_, .notRetryable(let state)):
            return QueueCommandError("event \(id) is \(state.rawValue); only dead or retry events can be retried.")
        case let error as QueueError:
            return QueueCommandError(error.description)
        default:
            return QueueCommandError("\(error)")
        }
    }
}
