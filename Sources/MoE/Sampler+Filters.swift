#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The candidate filters (llama.cpp src/llama-sampler.cpp: top_k, top_p, min_p, temp), done
// without sorting the whole vocabulary: top-k keeps a k-entry heap; without top-k, min-p's
// survivors (a prefix of the sorted order) are the only tokens top-p needs in order.

extension Sampler {
    /// A logit with NaN read as −∞, so a broken row cannot win or crash a comparison.
    @inline(__always)
    static func clean(_ x: Float) -> Float { x.isNaN ? -.infinity : x }

    /// The first index of the largest logit, penalized values taking precedence.
    static func argmax(_ logits: UnsafeBufferPointer<Float>, overrides: [Int32: Float]) -> Int32 {
        var best = -1
        var bestValue = -Float.infinity
        for i in 0..<logits.count {
            let v = clean(logits[i])
            // The dictionary is consulted only when a value would become the new best.
            if (v > bestValue || best < 0) && (overrides.isEmpty || overrides[Int32(i)] == nil) {
                best = i; bestValue = v
            }
        }
        for (t, raw) in overrides where t >= 0 && Int(t) < logits.count {
            let v = clean(raw)
            if best < 0 || v > bestValue || (v == bestValue && Int(t) < best) { best = Int(t); bestValue = v }
        }
        return Int32(max(best, 0))
    }

    /// top-k → top-p → min-p → temperature over `logits` (with `overrides` for penalized
    /// tokens); returns the survivors, most likely first, with temperature-scaled logits.
    static func filter(_ logits: UnsafeBufferPointer<Float>, overrides: [Int32: Float],
                       settings: SamplerSettings) -> [Candidate] {
        let n = logits.count
        var adjusted = [Float](repeating: 0, count: n)
        for i in 0..<n { adjusted[i] = clean(logits[i]) }
        for (t, v) in overrides where t >= 0 && Int(t) < n { adjusted[Int(t)] = clean(v) }
        @inline(__always) func value(_ i: Int) -> Float { adjusted[i] }
        var sorted: [Candidate]
        var normalizer: Double? = nil // Σ exp(l − max) over the candidates top-p normalizes by
        if settings.topK > 0 && settings.topK < n {
            sorted = topK(n, k: settings.topK, value: value)
        } else {
            var m = -Float.infinity
            for i in 0..<n { m = max(m, value(i)) }
            if settings.minP > 0 && m > -.infinity {
                // Only tokens passing min-p can survive; top-p's cut among them needs the
                // softmax normalizer over all tokens.
                let threshold = m + logf(settings.minP)
                var z = 0.0
                sorted = []
                for i in 0..<n {
                    let v = value(i)
                    z += exp(Double(v - m))
                    if v >= threshold { sorted.append(Candidate(id: Int32(i), logit: v)) }
                }
                normalizer = z
            } else {
                sorted = (0..<n).map { Candidate(id: Int32($0), logit: value($0)) }
            }
            sorted.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        }
        guard !sorted.isEmpty else { return [Candidate(id: 0, logit: 0)] }

        // top-p: the shortest prefix whose probability reaches p.
        if settings.topP < 1 {
            let m = sorted[0].logit
            let z = normalizer ?? sorted.reduce(0.0) { $0 + exp(Double($1.logit - m)) }
            if z > 0 && z.isFinite {
                var cum = 0.0
                for i in 0..<sorted.count {
                    cum += exp(Double(sorted[i].logit - m)) / z
                    if cum >= Double(settings.topP) {
                        sorted.removeSubrange((i + 1)...)
                        break
                    }
                }
            }
        }
        // min-p: tokens at least minP times as likely as the best.
        if settings.minP > 0 {
            let threshold = sorted[0].logit + logf(settings.minP)
            var keep = 1
            while keep < sorted.count && sorted[keep].logit >= threshold { keep += 1 }
            sorted.removeSubrange(keep...)
        }
        // temperature
        for i in sorted.indices { sorted[i].logit /= settings.temperature }
        return sorted
    }

    /// The k largest values, largest first (ties: lower id first), with a k-entry min-heap.
    private static func topK(_ n: Int, k: Int, value: (Int) -> Float) -> [Candidate] {
        var heap: [Candidate] = []
        heap.reserveCapacity(k)
        // "a below b": a is the worse candidate (smaller logit, or equal logit and larger id).
        @inline(__always) func below(_ a: Candidate, _ b: Candidate) -> Bool {
            a.logit < b.logit || (a.logit == b.logit && a.id > b.id)
        }
        func siftDown(_ start: Int) {
            var p = start
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < heap.count && below(heap[l], heap[m]) { m = l }
                if r < heap.count && below(heap[r], heap[m]) { m = r }
                if m == p { return }
                heap.swapAt(p, m); p = m
            }
        }
        for i in 0..<n {
            let c = Candidate(id: Int32(i), logit: value(i))
            if heap.count < k {
                heap.append(c)
                var x = heap.count - 1
                while x > 0 {
                    let p = (x - 1) / 2
                    guard below(heap[x], heap[p]) else { break }
                    heap.swapAt(x, p); x = p
                }
            } else if below(heap[0], c) {
                heap[0] = c
                siftDown(0)
            }
        }
        return heap.sorted { below($1, $0) }
    }
}

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: a small, fast, reproducible
/// generator, so sampling does not depend on the platform's random source.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// A uniform value in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
