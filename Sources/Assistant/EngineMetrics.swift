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
    /// The last snapshot published and the expert counters made so far (made once: the
    /// Prometheus factory locks and looks up on every `Counter(label:)`).
    private let state: Mutex<(published: EngineUsageSnapshot, experts: [Int: Counter])>
    private let promptTokens = Counter(label: "chorus_engine_prompt_tokens_total")
    private let generatedTokens = Counter(label: "chorus_engine_generated_tokens_total")
    private let decodeSteps = Counter(label: "chorus_engine_decode_steps_total")
    private let promptSeconds = FloatingPointCounter(label: "chorus_engine_prompt_seconds_total")
    private let decodeSeconds = FloatingPointCounter(label: "chorus_engine_decode_seconds_total")

    /// Publishes `model`'s counters (the first `publish()` adds all it has counted since it was loaded).
    public init(model: Model) {
        usage = model.usage
        state = Mutex((EngineUsageSnapshot(), [:]))
        for counter in [promptTokens, generatedTokens, decodeSteps] { counter.increment(by: 0) }
        promptSeconds.increment(by: 0)
        decodeSeconds.increment(by: 0)
    }

    /// Adds what the engine counted since the last call to the swift-metrics counters.
    public func publish() {
        state.withLock { state in
            let now = usage.snapshot()
            let d = now.since(state.published)
            state.published = now
            if d.promptTokens > 0 { promptTokens.increment(by: Int64(d.promptTokens)) }
            if d.decodedTokens > 0 { generatedTokens.increment(by: Int64(d.decodedTokens)) }
            if d.decodeSteps > 0 { decodeSteps.increment(by: Int64(d.decodeSteps)) }
            if d.promptSeconds > 0 { promptSeconds.increment(by: d.promptSeconds) }
            if d.decodeSeconds > 0 { decodeSeconds.increment(by: d.decodeSeconds) }
            for layer in d.moeLayers where layer < d.expertTokens.count {
                for (expert, tokens) in d.expertTokens[layer].enumerated() where tokens > 0 {
                    let key = layer * usage.expertCount + expert
                    let counter = state.experts[key] ?? Counter(label: "chorus_engine_expert_tokens_total",
                                                                dimensions: [("layer", "\(layer)"), ("expert", "\(expert)")])
                    state.experts[key] = counter
                    counter.increment(by: Int64(tokens))
                }
            }
        }
    }
}
