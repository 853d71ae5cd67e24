import Metrics
import MoE
import Synchronization

/// Publishes the in-process engine's counters (`Model.usage`) to swift-metrics, as the increase
/// since the previous `publish()` (call it before each `/metrics` scrape; any caller, any thread).
///
/// Counters, so `rate()` gives speeds over any window:
/// - `chorus_engine_prompt_tokens_total`, `chorus_engine_prompt_seconds_total`: prompt positions
///   processed and the seconds spent on them;
/// - `chorus_engine_generated_tokens_total`, `chorus_engine_decode_seconds_total`: tokens decoded
///   (one per sequence per step; a reply cut at its length limit decodes one fewer than it has)
///   and the seconds of those steps, so `rate(generated) / rate(decode_seconds)` is the decode
///   speed while decoding and `rate(generated)` the throughput;
/// - `chorus_engine_decode_steps_total`: decode passes, so `rate(generated) / rate(steps)` is the
///   mean number of sequences decoded together (the batch size the engine really ran);
/// - `chorus_engine_expert_tokens_total{layer, expert}`: tokens routed to each expert of each MoE
///   layer (a token counts once per expert it chose: top-k per layer). Series appear once used.
public final class EngineMetrics: Sendable {
    private let usage: EngineUsage
    private let published: Mutex<EngineUsageSnapshot>

    /// Publishes `model`'s counters (the first `publish()` adds all it has counted since it was loaded).
    public init(model: Model) {
        usage = model.usage
        published = Mutex(EngineUsageSnapshot())
        for label in ["chorus_engine_prompt_tokens_total", "chorus_engine_generated_tokens_total", "chorus_engine_decode_steps_total"] {
            Counter(label: label).increment(by: 0)
        }
        FloatingPointCounter(label: "chorus_engine_prompt_seconds_total").increment(by: 0)
        FloatingPointCounter(label: "chorus_engine_decode_seconds_total").increment(by: 0)
    }

    /// Adds what the engine counted since the last call to the swift-metrics counters.
    public func publish() {
        published.withLock { last in
            let now = usage.snapshot()
            publish(now.since(last))
            last = now
        }
    }

    private func publish(_ d: EngineUsageSnapshot) {
        if d.promptTokens > 0 { Counter(label: "chorus_engine_prompt_tokens_total").increment(by: Int64(d.promptTokens)) }
        if d.decodedTokens > 0 { Counter(label: "chorus_engine_generated_tokens_total").increment(by: Int64(d.decodedTokens)) }
        if d.decodeSteps > 0 { Counter(label: "chorus_engine_decode_steps_total").increment(by: Int64(d.decodeSteps)) }
        if d.promptSeconds > 0 { FloatingPointCounter(label: "chorus_engine_prompt_seconds_total").increment(by: d.promptSeconds) }
        if d.decodeSeconds > 0 { FloatingPointCounter(label: "chorus_engine_decode_seconds_total").increment(by: d.decodeSeconds) }
        for layer in d.moeLayers where layer < d.expertTokens.count {
            for (expert, tokens) in d.expertTokens[layer].enumerated() where tokens > 0 {
                Counter(label: "chorus_engine_expert_tokens_total", dimensions: [("layer", "\(layer)"), ("expert", "\(expert)")])
                    .increment(by: Int64(tokens))
            }
        }
    }
}
