import ChorusCore
import Metrics

/// The ingress's Prometheus series (through swift-metrics): webhooks received and rejected by
/// reason, events stored and deduplicated.
enum IngressMetrics {
    /// The per-request series, made once per platform: swift-metrics' factory takes a lock and
    /// looks the series up by label and dimensions on every `Counter(label:)`. Built on first use,
    /// after `MetricsSystem.bootstrap`.
    private struct Accepted: Sendable {
        let received: Counter
        let stored: Counter
        let duplicates: Counter

        init(_ platform: Platform) {
            let p = [("platform", platform.rawValue)]
            received = Counter(label: "chorus_webhooks_received_total", dimensions: p)
            stored = Counter(label: "chorus_events_stored_total", dimensions: p)
            duplicates = Counter(label: "chorus_events_duplicate_total", dimensions: p)
        }
    }

    private static let accepted: [Platform: Accepted] = Dictionary(
        uniqueKeysWithValues: Platform.allCases.map { ($0, Accepted($0)) })

    static func record(_ outcome: IngressOutcome, platform: Platform) {
        let p = ("platform", platform.rawValue)
        switch outcome {
        case .accepted(let result):
            guard let series = accepted[platform] else { return }
            series.received.increment()
            if result.inserted > 0 { series.stored.increment(by: result.inserted) }
            if result.duplicates > 0 { series.duplicates.increment(by: result.duplicates) }
        case .unknownPlatform: rejected(p, "unknown_platform")
        case .badSignature: rejected(p, "bad_signature")
        case .tooLarge: rejected(p, "too_large")
        case .rejected(_, let quarantined): rejected(p, quarantined ? "unreadable_quarantined" : "wrong_object")
        case .unavailable: rejected(p, "queue_unavailable")
        }
    }

    private static func rejected(_ platform: (String, String), _ reason: String) {
        Counter(label: "chorus_webhooks_rejected_total", dimensions: [platform, ("reason", reason)]).increment()
    }
}
