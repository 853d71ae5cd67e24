import Foundation
import PostgresNIO
import Queue

/// How a `PostgresQueue` connects and behaves, read from a `postgres://` URL.
///
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|prefer|require&pool=N&schema=NAME`
/// (`postgresql://` too; user and password percent-decoded; `host=/path` in the query selects a
/// Unix socket folder). Credentials come only from the URL (hence `--database` or
/// `CHORUS_DATABASE`); `description` masks the password so the value can be logged.
public struct PostgresQueueConfiguration: Sendable, CustomStringConvertible {
    /// The server, user, password and database, as postgres-nio's pool takes them.
    public var client: PostgresClient.Configuration
    /// The same for one direct connection: opening the queue connects once with it first, so a
    /// wrong password or an unreachable server is reported at once, not after the pool's retries.
    public var probe: PostgresConnection.Configuration
    /// The schema the queue's tables live in (created by the migrations when missing).
    public var schema: String
    /// Connections in the pool (`pool=` in the URL): concurrent enqueues and leases each hold one.
    public var poolSize: Int
    /// Events in flight in `enqueue` calls; past it `enqueue` throws `QueueError.overloaded`.
    public var maxPendingEvents: Int
    /// The longest any one queue call waits (`timeout=` seconds in the URL, default 10): past it
    /// the call fails (the ingress answers 503 and Meta retries) instead of waiting for the pool.
    public var operationTimeout: Duration
    /// Attempts and backoff for failing events.
    public var retryPolicy: RetryPolicy
    /// The time source for `created_at` and `updated_at`.
    public var clock: @Sendable () -> Date
    /// The URL with its password masked.
    public let description: String

    /// Parses `url`; a malformed URL, a missing user or host, or a bad option is an error that
    /// never repeats the password.
    public init(url: String, maxPendingEvents: Int = 10_000, retryPolicy: RetryPolicy = RetryPolicy(),
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        let masked = QueueLocation.masked(url)
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw QueueLocationError("not a postgres:// URL: \(masked)")
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw QueueLocationError("\(masked): the URL needs a user (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        let password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? user : path
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name.lowercased()] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "pool", "schema", "host", "timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw QueueLocationError("\(masked): unknown option \(unknown) (known: sslmode, pool, schema, timeout, host)")
        }
        var operationTimeout = Duration.seconds(10)
        if let text = query["timeout"] {
            guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                throw QueueLocationError("\(masked): timeout must be seconds, more than 0 and at most 3600")
            }
            operationTimeout = .milliseconds(Int64(seconds * 1000))
        }

        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw QueueLocationError("\(masked): sslmode \(other) is not one of disable, prefer, require")
        }
        var client: PostgresClient.Configuration
        var probe: PostgresConnection.Configuration
        if let socketFolder = query["host"], socketFolder.hasPrefix("/") {
            let port = components.port ?? 5432
            client = PostgresClient.Configuration(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user,
                                                  password: password, database: database)
            probe = PostgresConnection.Configuration(unixSocketPath: "\(socketFolder)/.s.PGSQL.\(port)", username: user,
                                                     password: password, database: database)
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw QueueLocationError("\(masked): the URL needs a host (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
            }
            client = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                  password: password, database: database, tls: tls)
            let probeTLS: PostgresConnection.Configuration.TLS
            do {
                switch query["sslmode"] ?? "prefer" {
                case "disable": probeTLS = .disable
                case "prefer", "allow": probeTLS = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                default: probeTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            } catch {
                throw QueueLocationError("\(masked): cannot set up TLS: \(error)")
            }
            probe = PostgresConnection.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                     password: password, database: database, tls: probeTLS)
        }
        let poolSize: Int
        if let text = query["pool"] {
            guard let size = Int(text), (1...1000).contains(size) else {
                throw QueueLocationError("\(masked): pool must be a number of connections from 1 to 1000")
            }
            poolSize = size
        } else {
            poolSize = 10
        }
        let schema = query["schema"] ?? "public"
        guard Self.isIdentifier(schema) else {
            throw QueueLocationError("\(masked): schema must be letters, digits and underscores, starting with a letter")
        }
        client.options.maximumConnections = poolSize
        client.options.minimumConnections = 0
        client.options.connectTimeout = .seconds(10)
        // Every connection resolves the queue's unqualified table names in the chosen schema.
        client.options.additionalStartupParameters = [("search_path", schema), ("application_name", "chorus")]

        probe.options.connectTimeout = .seconds(10)
        self.client = client
        self.probe = probe
        self.schema = schema
        self.poolSize = poolSize
        self.operationTimeout = operationTimeout
        self.maxPendingEvents = maxPendingEvents
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.description = masked
    }

    /// Whether `name` is a plain SQL identifier (safe to splice into DDL).
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
              name.count <= 63 else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}
