#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the next token is chosen from logits. The defaults are llama.cpp's (`common_params_sampling`).
public struct SamplerSettings: Sendable, Equatable {
    /// Logits are divided by this; 0 or less means greedy (argmax).
    public var temperature: Float = 0.8
    /// Keep only the k most likely tokens; 0 or less disables.
    public var topK: Int = 40
    /// Keep the most likely tokens whose probabilities add up to at least p; 1 disables.
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP × the most likely one; 0 disables.
    public var minP: Float = 0.05
    /// llama.cpp's repeat penalty: a recent token's positive logit is divided by it, a negative
    /// one multiplied; 1 disables.
    public var repetitionPenalty: Float = 1.0
    /// Subtracted from a recent token's logit once per occurrence.
    public var frequencyPenalty: Float = 0
    /// Subtracted once from the logit of any recent token.
    public var presencePenalty: Float = 0
    /// How many of the last accepted tokens the penalties look at; 0 disables them, a negative
    /// value means all.
    public var penaltyWindow: Int = 64
    /// Seed of the sampler's own random generator (same seed, same logits → same tokens).
    public var seed: UInt64 = 0

    /// Settings with llama.cpp's defaults and the given overrides.
    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1.0, frequencyPenalty: Float = 0, presencePenalty: Float = 0,
                penaltyWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyWindow = penaltyWindow
        self.seed = seed
    }

    /// Always the most likely token.
    public static let greedy = SamplerSettings(temperature: 0)

    var penaltiesEnabled: Bool {
        penaltyWindow != 0 && (repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0)
    }
}

/// Chooses tokens from logits: repetition penalties, then top-k, top-p, min-p, temperature and
/// a seeded draw, in llama.cpp's order (`common_sampler`: penalties → top_k → top_p → min_p →
/// temp → dist). Reproducible: the random generator is its own, seeded from the settings.
///
/// As with llama.cpp's `common_sampler_sample` / `common_sampler_accept`, choosing does not
/// record: call `accept(_:)` with each prompt and kept token so the penalties see them.
public struct Sampler: Sendable {
    /// A token and its (adjusted) logit.
    public struct Candidate: Sendable, Equatable {
        /// The token.
        public var id: Int32
        /// Its logit at this stage.
        public var logit: Float
        /// A candidate.
        public init(id: Int32, logit: Float) { self.id = id; self.logit = logit }
    }

    /// The settings in use.
    public let settings: SamplerSettings
    private var random: Xoshiro256
    /// Accepted tokens, oldest first (at most `penaltyWindow` when it is positive).
    public private(set) var recentTokens: [Int32] = []

    /// A sampler with `settings`, its generator seeded from `settings.seed`.
    public init(settings: SamplerSettings = SamplerSettings()) {
        self.settings = settings
        self.random = Xoshiro256(seed: settings.seed)
    }

    /// Records a token for the repetition penalties (prompt tokens, or tokens chosen elsewhere).
    public mutating func accept(_ token: Int32) {
        guard settings.penaltyWindow != 0 else { return }
        recentTokens.append(token)
        if settings.penaltyWindow > 0 && recentTokens.count > settings.penaltyWindow {
            recentTokens.removeFirst(recentTokens.count - settings.penaltyWindow)
        }
    }

    /// Records several tokens.
    public mutating func accept<S: Sequence>(contentsOf tokens: S) where S.Element == Int32 {
        for t in tokens { accept(t) }
    }

    /// Forgets the accepted tokens and reseeds the generator.
    public mutating func reset() {
        recentTokens.removeAll()
        random = Xoshiro256(seed: settings.seed)
    }

    /// Chooses the next token from one row of logits (without accepting it).
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        precondition(!logits.isEmpty, "no logits")
        let chosen: Int32
        let penalties = penalizedLogits(logits)
        if settings.temperature <= 0 {
            chosen = Sampler.argmax(logits, overrides: penalties)
        } else {
            let candidates = Sampler.filter(logits, overrides: penalties, settings: settings)
            chosen = draw(candidates)
        }
        return chosen
    }

    /// Chooses the next token from one row of logits (without accepting it).
    public mutating func sample(_ logits: [Float]) -> Int32 {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    /// The tokens `sample` would draw from and their final logits (after penalties, filters and
    /// temperature), most likely first. Greedy settings give the single argmax.
    public func candidates(_ logits: [Float]) -> [Candidate] {
        guard !logits.isEmpty else { return [] }
        return logits.withUnsafeBufferPointer { buf in
            let penalties = penalizedLogits(buf)
            if settings.temperature <= 0 {
                let id = Sampler.argmax(buf, overrides: penalties)
                return [Candidate(id: id, logit: penalties[id] ?? buf[Int(id)])]
            }
            return Sampler.filter(buf, overrides: penalties, settings: settings)
        }
    }

    /// Penalized logits of the recent tokens (llama.cpp `llama_sampler_penalties_apply`).
    func penalizedLogits(_ logits: UnsafeBufferPointer<Float>) -> [Int32: Float] {
        guard settings.penaltiesEnabled, !recentTokens.isEmpty else { return [:] }
        var counts: [Int32: Int] = [:]
        for t in recentTokens where t >= 0 && Int(t) < logits.count { counts[t, default: 0] += 1 }
        var out: [Int32: Float] = [:]
        for (t, count) in counts {
            var l = logits[Int(t)]
            if l <= 0 { l *= settings.repetitionPenalty } else { l /= settings.repetitionPenalty }
            l -= Float(count) * settings.frequencyPenalty + settings.presencePenalty
            out[t] = l
        }
        return out
    }

    /// Draws from the softmax of the candidates' logits.
    private mutating func draw(_ candidates: [Candidate]) -> Int32 {
        guard candidates.count > 1 else { return candidates.first?.id ?? 0 }
        let m = candidates.map(\.logit).max()!
        var weights = [Double](repeating: 0, count: candidates.count)
        var sum = 0.0
        for (i, c) in candidates.enumerated() {
            let w = Double(c.logit - m).isNaN ? 0 : exp(Double(c.logit - m))
            weights[i] = w
            sum += w
        }
        guard sum > 0, sum.isFinite else { return candidates[0].id }
        let u = random.nextUnitDouble() * sum
        var acc = 0.0
        for (i, w) in weights.enumerated() {
            acc += w
            if u < acc { return candidates[i].id }
        }
        return candidates[candidates.count - 1].id
    }
}
