import Hummingbird
import HTTPTypes
import NIOCore

/// `GET /healthz` (the process answers) and `GET /readyz` (the database takes writes).
public struct HealthRoutes<Context: RequestContext>: Sendable {
    /// Whether the queue's database is writable right now.
    public let isReady: @Sendable () async -> Bool

    /// Creates the routes.
    public init(isReady: @escaping @Sendable () async -> Bool) { self.isReady = isReady }

    /// Registers the routes on `router`.
    public func register(on router: Router<Context>) {
        router.get("/healthz") { _, _ in
            WebhookRoutes<Context>.text(.ok, "ok\n")
        }
        router.get("/readyz") { _, _ in
            await isReady()
                ? WebhookRoutes<Context>.text(.ok, "ready\n")
                : WebhookRoutes<Context>.text(.serviceUnavailable, "database not writable\n")
        }
    }
}
