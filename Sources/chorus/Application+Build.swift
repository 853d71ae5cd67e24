import Assistant
import Foundation
import ChorusCore
import Hummingbird
import HummingbirdCore
import Logging
import OpenAIServer
import Queue
import ServiceLifecycle
import Webhooks

/// The one composition root: `chorus serve` and the tests build the same application.
///
/// `onRunning` receives the bound port (useful with port 0). `engine` replaces the model file's
/// engine (tests, or an OpenAI-compatible backend).
func buildApplication(
    config: ChorusConfig, logger: Logger, engine: (any ReplyEngine)? = nil,
    onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let queue = try await QueueBackends.open(config.database, logger: logger)
    let ingress = WebhookIngress(settings: config.ingress, queue: queue, logger: logger)
    let router = Router(context: BasicRequestContext.self)
    WebhookRoutes<BasicRequestContext>(ingress: ingress).register(on: router)
    HealthRoutes<BasicRequestContext>(isReady: { await queue.isWritable() }).register(on: router)

    var services: [any Service] = []
    let replyEngine: (any ReplyEngine)?
    if let engine {
        replyEngine = engine
    } else if let remote = config.engine {
        logger.info("answering with an OpenAI-compatible server", metadata: [
            "engine_url": "\(remote.baseURL.absoluteString)", "engine_model": "\(remote.model ?? "(first listed)")",
            "max_in_flight": "\(remote.maxInFlight)", "vision": "\(remote.seesImages)",
        ])
        replyEngine = OpenAIReplyEngine(settings: remote)
    } else if let model = config.model {
        logger.info("loading model", metadata: ["model": "\(model)", "threads": "\(config.threads)"])
        let progress = LoadProgressBar.standardError(path: model, otherwise: .log { logger.info("\($0)") })
        replyEngine = try MoEReplyEngine(path: model, mmproj: config.mmproj, threads: config.threads, progress: progress.callback)
    } else {
        replyEngine = nil
        logger.notice("no --model given: receiving webhooks only, nothing is answered")
    }
    if let openAI = config.openAI {
        if let local = replyEngine as? MoEReplyEngine {
            OpenAIRoutes<BasicRequestContext>(engine: local, settings: openAI, logger: logger).register(on: router)
            logger.info("OpenAI-compatible API at /v1", metadata: ["model": "\(openAI.modelName)",
                                                                 "auth": "\(openAI.apiKey == nil ? "none" : "bearer")"])
        } else {
            logger.warning("--openai needs the in-process engine; /v1 is not served")
        }
    }
    MetricsRoutes(registry: MetricsBootstrap.registry, queue: queue,
                  engine: (replyEngine as? MoEReplyEngine).map { EngineMetrics(model: $0.model) }).register(on: router)
    if let replyEngine {
        let tokens = config.ingress.platforms.compactMapValues { $0.accessToken?.value }
        let graph = GraphClient(baseURL: config.graphURL, tokens: tokens, timeout: config.graphTimeout)
        let released = try await queue.releaseLeases(owner: config.workerID, now: Date())
        if released.events + released.sends > 0 {
            logger.notice("took back leases of a previous run", metadata: [
                "worker": "\(config.workerID)", "events": "\(released.events)", "sends": "\(released.sends)",
            ])
        }
        let media = MediaFetcher(graph: graph, extraHosts: config.mediaAllowHosts, maxBytes: config.mediaMaxBytes,
                                 timeout: config.mediaTimeout)
        let worker = AssistantWorker(store: queue, engine: replyEngine, settings: config.assistant, graph: graph,
                                     media: media, owner: config.workerID, logger: logger)
        let dispatcher = SendDispatcher(store: queue, graph: graph, schedule: config.assistant.retrySchedule,
                                        leaseDuration: config.assistant.sendLeaseDuration,
                                        limiter: SendRateLimiter(rates: config.sendRates), owner: config.workerID, logger: logger)
        let owner = config.workerID
        services.append(LoopService(name: "assistant", body: { await worker.run() }, finally: {
            // Graceful shutdown: the step in progress has finished; hand back anything still leased.
            _ = try? await queue.releaseLeases(owner: owner, now: Date())
        }))
        services.append(LoopService(name: "sender", body: { await dispatcher.run() }, finally: {
            // Flush what is due now (one pass, not cancelled), then hand back any send still held.
            _ = try? await dispatcher.step()
            _ = try? await queue.releaseLeases(owner: owner, now: Date())
        }))
    }
    // Slow or idle clients are cut off; headers are bounded well below NIO's defaults (Meta's
    // requests carry a handful of small headers).
    var http = HTTP1Channel.Configuration(idleTimeout: .milliseconds(Int64(config.idleTimeout * 1000)))
    http.httpDecoder = .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
    return Application(
        router: router,
        server: .http1(configuration: http),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "chorus"),
        services: services,
        onServerRunning: { channel in
            let address = channel.localAddress.map { "\($0)" } ?? "\(config.host):\(config.port)"
            logger.info("chorus serving", metadata: [
                "address": "\(address)",
                "platforms": "\(config.ingress.platforms.keys.map(\.rawValue).sorted().joined(separator: ","))",
                "database": "\(queue.location)",
            ])
            await onRunning(channel.localAddress?.port ?? config.port)
        },
        logger: logger)
}

/// A background loop run as a service: it stops taking work on graceful shutdown (SIGTERM),
/// then runs `finally` to leave nothing half done.
struct LoopService: Service {
    let name: String
    let body: @Sendable () async -> Void
    var finally: @Sendable () async -> Void = {}

    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
        await Task { await finally() }.value
    }
}
