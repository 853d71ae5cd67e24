import ChorusCore
import Hummingbird
import Logging
import Queue
import Webhooks

/// The one composition root: `chorus serve` and the tests build the same application.
///
/// `onRunning` receives the bound port (useful with port 0).
func buildApplication(
    config: ChorusConfig, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let queue = try SQLiteQueue(path: config.database)
    let ingress = WebhookIngress(settings: config.ingress, queue: queue, logger: logger)
    let router = Router(context: BasicRequestContext.self)
    WebhookRoutes<BasicRequestContext>(ingress: ingress).register(on: router)
    HealthRoutes<BasicRequestContext>(isReady: { await queue.isWritable() }).register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "chorus"),
        onServerRunning: { channel in
            let address = channel.localAddress.map { "\($0)" } ?? "\(config.host):\(config.port)"
            logger.info("chorus serving", metadata: [
                "address": "\(address)",
                "platforms": "\(config.ingress.platforms.keys.map(\.rawValue).sorted().joined(separator: ","))",
                "database": "\(config.database)",
            ])
            await onRunning(channel.localAddress?.port ?? config.port)
        },
        logger: logger)
}
