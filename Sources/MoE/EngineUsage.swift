import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a model has computed since it was loaded: prompt and decoded tokens, the seconds spent
/// in each, decode steps, and how many tokens each expert of each MoE layer was routed.
///
/// Counted where the work happens (`Session.prefill`/`decode`, `BatchDecoder.step`, and the
/// router in `Forward.moe`, shared by all architectures) with relaxed atomic adds: one per
/// forward call for the token counters and one per (layer, expert chosen in the batch) for the
/// routing, never a lock and never one per token. Read with `snapshot()`; publishing it
/// (Prometheus, logs) is the caller's business, so this module stays free of metrics libraries.
public final class EngineUsage: @unchecked Sendable {
    /// Layers of the model (rows of `expertTokens`, dense layers included).
    public let layerCount: Int
    /// Experts per MoE layer.
    public let expertCount: Int
    /// Indices of the MoE layers.
    public let moeLayers: [Int]
    private let experts: UnsafeMutablePointer<Atomic<UInt64>>  // [layer × expert]
    private let totals: UnsafeMutablePointer<Atomic<UInt64>>   // Total.allCases
    private let slots: Int

    private enum Total: Int, CaseIterable { case promptTokens, decodedTokens, decodeSteps, promptNanoseconds, decodeNanoseconds }

    init(config c: ModelConfig) {
        layerCount = c.layerCount
        expertCount = max(c.expertCount, 0)
        moeLayers = c.layers.indices.filter { c.layers[$0].isMoE }
        slots = max(layerCount * expertCount, 1)
        experts = .allocate(capacity: slots)
        for i in 0..<slots { (experts + i).initialize(to: Atomic(0)) }
        totals = .allocate(capacity: Total.allCases.count)
        for i in Total.allCases.indices { (totals + i).initialize(to: Atomic(0)) }
    }

    deinit {
        experts.deinitialize(count: slots); experts.deallocate()
        totals.deinitialize(count: Total.allCases.count); totals.deallocate()
    }

    /// `tokens` rows of one forward call were routed to `expert` of `layer`.
    @inline(__always) func addRouted(layer: Int, expert: Int, tokens: Int) {
        experts[layer * expertCount + expert].add(UInt64(tokens), ordering: .relaxed)
    }

    /// A prompt pass of `tokens` tokens took `nanoseconds`.
    func addPrompt(tokens: Int, nanoseconds: UInt64) {
        totals[Total.promptTokens.rawValue].add(UInt64(tokens), ordering: .relaxed)
        totals[Total.promptNanoseconds.rawValue].add(nanoseconds, ordering: .relaxed)
    }

    /// A decode step of `tokens` sequences (one token each) took `nanoseconds`.
    func addDecode(tokens: Int, nanoseconds: UInt64) {
        totals[Total.decodedTokens.rawValue].add(UInt64(tokens), ordering: .relaxed)
        totals[Total.decodeSteps.rawValue].add(1, ordering: .relaxed)
        totals[Total.decodeNanoseconds.rawValue].add(nanoseconds, ordering: .relaxed)
    }

    /// The counters now. Each is exact; counters updated by a forward pass still running may
    /// be seen partly.
    public func snapshot() -> EngineUsageSnapshot {
        func total(_ t: Total) -> UInt64 { totals[t.rawValue].load(ordering: .relaxed) }
        var rows: [[UInt64]] = []
        rows.reserveCapacity(layerCount)
        for l in 0..<layerCount {
            rows.append((0..<expertCount).map { experts[l * expertCount + $0].load(ordering: .relaxed) })
        }
        return EngineUsageSnapshot(
            promptTokens: total(.promptTokens), decodedTokens: total(.decodedTokens), decodeSteps: total(.decodeSteps),
            promptSeconds: Double(total(.promptNanoseconds)) / 1e9, decodeSeconds: Double(total(.decodeNanoseconds)) / 1e9,
            moeLayers: moeLayers, expertTokens: rows)
    }

    /// Monotonic nanoseconds, for timing forward calls.
    @inline(__always) static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}

/// A copy of `EngineUsage`'s counters at one moment.
public struct EngineUsageSnapshot: Sendable, Equatable {
    /// Prompt tokens processed (`Session.prefill`, images' positions included).
    public var promptTokens: UInt64
    /// Tokens decoded: one per sequence per decode step (`Session.decode`, `BatchDecoder.step`).
    /// A reply of n tokens decodes n of them, or n − 1 when it stops at its length limit (its
    /// last token is never fed back).
    public var decodedTokens: UInt64
    /// Decode forward passes (a `BatchDecoder.step` over several sequences counts once per pass).
    public var decodeSteps: UInt64
    /// Seconds spent in prompt passes.
    public var promptSeconds: Double
    /// Seconds spent in decode passes.
    public var decodeSeconds: Double
    /// Indices of the MoE layers.
    public var moeLayers: [Int]
    /// Tokens routed to each expert: `expertTokens[layer][expert]` (rows of dense layers are zeros).
    public var expertTokens: [[UInt64]]

    /// All zeros, for no model: `since` it is everything counted.
    public init() {
        self.init(promptTokens: 0, decodedTokens: 0, decodeSteps: 0, promptSeconds: 0, decodeSeconds: 0, moeLayers: [], expertTokens: [])
    }

    init(promptTokens: UInt64, decodedTokens: UInt64, decodeSteps: UInt64, promptSeconds: Double, decodeSeconds: Double,
         moeLayers: [Int], expertTokens: [[UInt64]]) {
        self.promptTokens = promptTokens
        self.decodedTokens = decodedTokens
        self.decodeSteps = decodeSteps
        self.promptSeconds = promptSeconds
        self.decodeSeconds = decodeSeconds
        self.moeLayers = moeLayers
        self.expertTokens = expertTokens
    }

    /// The counts accumulated since `earlier` (a snapshot of the same model).
    public func since(_ earlier: EngineUsageSnapshot) -> EngineUsageSnapshot {
        var d = self
        d.promptTokens -= min(earlier.promptTokens, promptTokens)
        d.decodedTokens -= min(earlier.decodedTokens, decodedTokens)
        d.decodeSteps -= min(earlier.decodeSteps, decodeSteps)
        d.promptSeconds = max(0, promptSeconds - earlier.promptSeconds)
        d.decodeSeconds = max(0, decodeSeconds - earlier.decodeSeconds)
        for l in d.expertTokens.indices where l < earlier.expertTokens.count {
            for x in d.expertTokens[l].indices where x < earlier.expertTokens[l].count {
                d.expertTokens[l][x] -= min(earlier.expertTokens[l][x], d.expertTokens[l][x])
            }
        }
        return d
    }
}
