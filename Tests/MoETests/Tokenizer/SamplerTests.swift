import Foundation
import Testing
@testable import MoE

@Suite("Sampler")
struct SamplerTests {
    /// Logits whose softmax is exactly `probabilities` (up to float rounding).
    func logits(_ probabilities: [Double]) -> [Float] { probabilities.map { Float(log($0)) } }

    func ids(_ settings: SamplerSettings, _ logits: [Float], history: [Int32] = []) -> [Int32] {
        var s = Sampler(settings: settings)
        s.accept(contentsOf: history)
        return s.candidates(logits).map(\.id)
    }

    @Test("greedy picks the argmax (first on ties)")
    func greedy() {
        var rng = Xoshiro256(seed: 7)
        for _ in 0..<20 {
            let row = (0..<1000).map { _ in Float(rng.nextUnitDouble() * 20 - 10) }
            var s = Sampler(settings: .greedy)
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            #expect(s.sample(row) == Int32(best))
        }
        var s = Sampler(settings: .greedy)
        #expect(s.sample([1, 3, 3, 2]) == 1)
        #expect(s.sample([.nan, -1, .nan]) == 1)
        #expect(s.sample([-.infinity, -.infinity]) == 0)
    }

    @Test("the same seed gives the same tokens")
    func seeded() {
        var rng = Xoshiro256(seed: 1)
        let rows = (0..<50).map { _ in (0..<500).map { _ in Float(rng.nextUnitDouble() * 8) } }
        let settings = SamplerSettings(temperature: 1.0, topK: 0, topP: 1, minP: 0, seed: 42)
        var a = Sampler(settings: settings), b = Sampler(settings: settings)
        let ta = rows.map { a.sample($0) }, tb = rows.map { b.sample($0) }
        #expect(ta == tb)
        var c = Sampler(settings: SamplerSettings(temperature: 1.0, topK: 0, topP: 1, minP: 0, seed: 43))
        #expect(rows.map { c.sample($0) } != ta)
        a.reset()
        #expect(rows.map { a.sample($0) } == ta)
    }

    @Test("top-k keeps the k largest, most likely first")
    func topK() {
        let row: [Float] = [1, 5, 3, 4, 2]
        #expect(ids(SamplerSettings(temperature: 1, topK: 2, topP: 1, minP: 0), row) == [1, 3])
        #expect(ids(SamplerSettings(temperature: 1, topK: 4, topP: 1, minP: 0), row) == [1, 3, 2, 4])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 1, minP: 0), row) == [1, 3, 2, 4, 0])
        #expect(ids(SamplerSettings(temperature: 1, topK: 10, topP: 1, minP: 0), row) == [1, 3, 2, 4, 0])
    }

    @Test("top-p keeps the shortest prefix reaching p")
    func topP() {
        let row = logits([0.05, 0.5, 0.15, 0.3])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 0.75, minP: 0), row) == [1, 3])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 0.85, minP: 0), row) == [1, 3, 2])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 0.4, minP: 0), row) == [1])
        // After top-k the probabilities renormalize over the k kept: 0.5/0.8, 0.3/0.8.
        #expect(ids(SamplerSettings(temperature: 1, topK: 2, topP: 0.6, minP: 0), row) == [1])
        #expect(ids(SamplerSettings(temperature: 1, topK: 2, topP: 0.7, minP: 0), row) == [1, 3])
    }

    @Test("min-p drops tokens below minP × the best probability")
    func minP() {
        let row = logits([0.05, 0.5, 0.15, 0.3])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 1, minP: 0.2), row) == [1, 3, 2])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 1, minP: 0.35), row) == [1, 3])
        #expect(ids(SamplerSettings(temperature: 1, topK: 0, topP: 1, minP: 0.9), row) == [1])
    }

    @Test("top-p then min-p over a large vocabulary equals the sorted reference")
    func combined() {
        var rng = Xoshiro256(seed: 3)
        for trial in 0..<5 {
            let row = (0..<20_000).map { i in Float(rng.nextUnitDouble() * 4) + (i % 97 == 0 ? 6 : 0) }
            let settings = SamplerSettings(temperature: 0.7, topK: 0, topP: 0.6, minP: 0.02 * Float(trial + 1))
            // Reference: sort everything, softmax, top-p prefix, then min-p.
            let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            let m = Double(row[order[0]])
            let z = row.reduce(0.0) { $0 + exp(Double($1) - m) }
            var keep: [Int] = []
            var cum = 0.0
            for i in order {
                keep.append(i)
                cum += exp(Double(row[i]) - m) / z
                if cum >= Double(settings.topP) { break }
            }
            let threshold = row[order[0]] + logf(settings.minP)
            keep = keep.filter { row[$0] >= threshold }
            let got = Sampler(settings: settings).candidates(row)
            #expect(got.map(\.id) == keep.map { Int32($0) })
            #expect(got.allSatisfy { abs($0.logit - row[Int($0.id)] / 0.7) < 1e-5 })
        }
    }

    @Test("repetition penalty divides positive and multiplies negative logits")
    func repetition() {
        let row: [Float] = [2, -2, 1, 0.5]
        var s = Sampler(settings: SamplerSettings(repetitionPenalty: 2))
        s.accept(contentsOf: [0, 1])
        let p = row.withUnsafeBufferPointer { s.penalizedLogits($0) }
        #expect(p == [0: 1, 1: -4])
        var f = Sampler(settings: SamplerSettings(repetitionPenalty: 2, frequencyPenalty: 0.5, presencePenalty: 0.25))
        f.accept(contentsOf: [0, 0, 3])
        let q = row.withUnsafeBufferPointer { f.penalizedLogits($0) }
        let want0: Float = 2 / 2 - (2 * 0.5 + 0.25), want3: Float = 0.5 / 2 - (0.5 + 0.25)
        #expect(q[0] == want0)
        #expect(q[3] == want3)
        // Greedy sees the penalized logits: token 0 drops from 2 to 0.5, below token 2.
        var g = Sampler(settings: SamplerSettings(temperature: 0, repetitionPenalty: 4))
        g.accept(0)
        #expect(g.sample(row) == 2)
        // Choosing does not record; accepting does.
        var h = Sampler(settings: SamplerSettings(temperature: 0, repetitionPenalty: 4))
        #expect(h.sample([2, 1]) == 0)
        #expect(h.recentTokens.isEmpty)
        h.accept(0)
        #expect(h.sample([2, 1]) == 1)
        // The window forgets old tokens.
        var w = Sampler(settings: SamplerSettings(repetitionPenalty: 2, penaltyWindow: 2))
        w.accept(contentsOf: [0, 1, 2])
        #expect(w.recentTokens == [1, 2])
    }

    @Test("temperature scales the surviving logits; draws follow the softmax")
    func temperatureAndDraws() {
        let settings = SamplerSettings(temperature: 2, topK: 0, topP: 1, minP: 0, seed: 9)
        #expect(Sampler(settings: settings).candidates([4, 2]).map(\.logit) == [2, 1])
        // p(1) = 0.75 at temperature 1.
        var s = Sampler(settings: SamplerSettings(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 11))
        let row = logits([0.25, 0.75])
        let ones = (0..<4000).filter { _ in s.sample(row) == 1 }.count
        #expect(abs(Double(ones) / 4000 - 0.75) < 0.03)
    }

    /// One row of `sampler-filters.json` (written by `make_sampler_vectors.py` with llama.cpp).
    struct Vector: Decodable {
        struct Settings: Decodable {
            let topK: Int, topP: Float, minP: Float, temp: Float
            let repeatPenalty: Float, freq: Float, presence: Float, penaltyWindow: Int
            enum CodingKeys: String, CodingKey {
                case topK, topP, minP, temp, repeatPenalty = "repeat", freq, presence, penaltyWindow
            }
        }
        let logits: [Float]
        let history: [Int32]
        let settings: Settings
        let ids: [Int32]
        let final: [Float]
    }

    @Test("penalties and filters keep llama.cpp's candidates with llama.cpp's logits")
    func llamaCppChain() throws {
        let url = VocabFixtures.directory.appendingPathComponent("sampler-filters.json")
        let vectors = try JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))
        #expect(vectors.count == 150)
        var failures: [String] = []
        for (n, v) in vectors.enumerated() {
            let s = v.settings
            var sampler = Sampler(settings: SamplerSettings(
                temperature: s.temp, topK: s.topK, topP: s.topP, minP: s.minP, repetitionPenalty: s.repeatPenalty,
                frequencyPenalty: s.freq, presencePenalty: s.presence, penaltyWindow: s.penaltyWindow))
            sampler.accept(contentsOf: v.history)
            let got = sampler.candidates(v.logits).sorted { $0.id < $1.id }
            let ids = got.map { $0.id }
            if ids != v.ids {
                failures.append("#\(n) \(s): got \(ids), want \(v.ids)")
            } else if zip(got, v.final).contains(where: { abs($0.logit - $1) > 1e-4 * max(1, abs($1)) }) {
                failures.append("#\(n): logits \(got.map { $0.logit }) vs \(v.final)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }
}
