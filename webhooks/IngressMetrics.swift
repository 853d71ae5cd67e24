import ChorusCore
import Metrics

/// The ingress's Prometheus series (through swift-metrics): webhooks received and rejected by
/// reason, events stored and deduplicated.
enum IngressMetrics {
    static func record(_ outcome: IngressOutcome, platform: Platform) {
        let p = ("platform", platform.rawValue)
        switch outcome {
        case .accepted(let result):
            Counter(label: "chorus_webhooks_received_total", dimensions: [p]).increment()
            Counter(label: "chorus_events_stored_total", dimensions: [p]).increment(by: result.inserted)
            Counter(label: "chorus_events_duplicate_total", dimensions: [p]).increment(by: result.duplicates)
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
