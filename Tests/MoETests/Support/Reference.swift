import Foundation
@testable import MoE

/// A llama.cpp reference file written by scripts/make_references.py (`<model>.ref.json`).
struct Reference: Decodable {
    struct Prompt: Decodable {
        let name: String
        let tokens: [Int32]
        let logits: [[Float]]
        let greedy: [Int32]
        let greedy_max_logit: [Float]?
    }
    let model: String
    let arch: String
    let n_vocab: Int
    let prompts: [Prompt]

    static var modelsDir: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/models") }

    /// The reference for `model` (e.g. "qwen3moe-tiny.f32"), or nil if the fixture is absent.
    static func load(_ model: String) throws -> Reference? {
        let url = modelsDir.appendingPathComponent("\(model).ref.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func modelPath(_ model: String) -> String { modelsDir.appendingPathComponent("\(model).gguf").path }
}

/// Index of the largest value (first on ties).
func argmax(_ v: [Float]) -> Int {
    var b = 0
    for i in v.indices where v[i] > v[b] { b = i }
    return b
}

/// KL(p‖q) of the softmaxes of two logit rows, in nats.
func klDivergence(_ ref: [Float], _ ours: [Float]) -> Double {
    func logSoftmax(_ x: [Float]) -> [Double] {
        let m = Double(x.max()!)
        let lse = log(x.reduce(0.0) { $0 + exp(Double($1) - m) }) + m
        return x.map { Double($0) - lse }
    }
    let lp = logSoftmax(ref), lq = logSoftmax(ours)
    var kl = 0.0
    for i in lp.indices { kl += exp(lp[i]) * (lp[i] - lq[i]) }
    return kl
}

/// Agreement statistics of our logits against a reference.
struct Comparison: CustomStringConvertible {
    var maxAbsDiff: Float = 0
    var positions = 0
    var top1Agree = 0
    var klSum = 0.0
    var klMax = 0.0
    var greedyMismatches = 0
    var greedyTotal = 0
    var greedyMaxLogitDiff: Float = 0

    var top1Rate: Double { Double(top1Agree) / Double(max(positions, 1)) }
    var meanKL: Double { klSum / Double(max(positions, 1)) }
    var description: String {
        "max|Δ|=\(maxAbsDiff) top1=\(top1Agree)/\(positions) meanKL=\(meanKL) maxKL=\(klMax) greedy mismatches=\(greedyMismatches)/\(greedyTotal) greedy max-logit |Δ|=\(greedyMaxLogitDiff)"
    }

    mutating func add(_ ref: [Float], _ ours: [Float]) {
        positions += 1
        for i in ref.indices { maxAbsDiff = max(maxAbsDiff, abs(ref[i] - ours[i])) }
        if argmax(ref) == argmax(ours) { top1Agree += 1 }
        let kl = klDivergence(ref, ours)
        klSum += kl
        klMax = max(klMax, kl)
    }
}

/// Runs every prompt of a reference through the engine: all-position logits of the prompt,
/// then greedy decoding one token at a time (as the reference did), comparing as it goes.
func compare(model name: String, threads: Int = 1, batchSize: Int = 64) throws -> Comparison? {
    guard let ref = try Reference.load(name) else { return nil }
    let model = try Model.load(path: Reference.modelPath(name), threads: threads)
    var cmp = Comparison()
    for p in ref.prompts {
        let seq = model.makeSession(maxTokens: p.tokens.count + p.greedy.count + 1, batchSize: batchSize)
        let rows = try seq.prefill(p.tokens, allLogits: true)
        for (r, o) in zip(p.logits, rows) { cmp.add(r, o) }
        var last = rows.last!
        for (i, expected) in p.greedy.enumerated() {
            let tok = Int32(argmax(last))
            cmp.greedyTotal += 1
            if tok != expected { cmp.greedyMismatches += 1 }
            last = try seq.decode(expected)   // follow the reference's path
            // greedy_max_logit[i]: the largest logit after evaluating greedy[i].
            if let ml = p.greedy_max_logit { cmp.greedyMaxLogitDiff = max(cmp.greedyMaxLogitDiff, abs(ml[i] - last.max()!)) }
        }
    }
    return cmp
}
