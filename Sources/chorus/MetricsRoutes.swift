import Assistant
import Hummingbird
import HTTPTypes
import Metrics
import NIOCore
import Prometheus
import Queue

/// `GET /metrics` in Prometheus's text format. Queue gauges (depth by state, oldest queued event
/// and lease ages, outbox) are read from the database at each scrape, so they are never stale.
/// The in-process engine's counters (tokens, seconds, decode steps, expert routing; see
/// `EngineMetrics`) are published at each scrape too.
struct MetricsRoutes: Sendable {
    let registry: PrometheusCollectorRegistry
    let queue: any QueueBackend
    /// The in-process engine's counters, when there is one.
    var engine: EngineMetrics? = nil

    func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            await refreshQueueGauges()
            engine?.publish()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    private func refreshQueueGauges() async {
        guard let stats = try? await queue.stats() else { return }
        for state in JobState.allCases {
            Gauge(label: "chorus_queue_events", dimensions: [("state", state.rawValue)]).record(stats.counts[state] ?? 0)
        }
        Gauge(label: "chorus_queue_oldest_queued_seconds").record(stats.oldestQueuedAge ?? 0)
        Gauge(label: "chorus_queue_oldest_lease_seconds").record(stats.oldestLeaseAge ?? 0)
        Gauge(label: "chorus_quarantined_bodies").record(stats.quarantined)
        if let outbox = try? await queue.outboxCounts() {
            for state in [OutboxItem.State.pending, .sending, .sent, .dead] {
                Gauge(label: "chorus_outbox_sends", dimensions: [("state", state.rawValue)]).record(outbox[state] ?? 0)
            }
        }
    }
}

/// The process-wide Prometheus registry behind swift-metrics (bootstrapped once, by `serve`).
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
