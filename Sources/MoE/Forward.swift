import Foundation
import CBLAS

/// Which cache and position each row of a forward batch belongs to.
enum BatchRows {
    /// `count` consecutive tokens of one session from position `start` (prompt processing).
    case prompt(KVCache, start: Int, count: Int)
    /// One token for each of several sessions (batched decoding): row t goes to `caches[t]` at `positions[t]`.
    case decode(caches: [KVCache], positions: [Int])

    var count: Int {
        switch self {
        case .prompt(_, _, let n): return n
        case .decode(let c, _): return c.count
        }
    }

    @inline(__always) func position(_ t: Int) -> Int {
        switch self {
        case .prompt(_, let p0, _): return p0 + t
        case .decode(_, let p): return p[t]
        }
    }

    @inline(__always) func cache(_ t: Int) -> KVCache {
        switch self {
        case .prompt(let kv, _, _): return kv
        case .decode(let c, _): return c[t]
        }
    }
}

/// Which rows' logits a forward pass returns.
enum LogitsWanted { case none, last, all }

/// The forward pass shared by every architecture (llama2.c's `forward`), driven by
/// `ModelConfig` flags, over a batch of rows (`BatchRows`). References: llama.cpp
/// src/models/{llama4,qwen3moe,llama}.cpp and src/llama-graph.cpp (`build_attn`,
/// `build_ffn`, `build_moe_ffn`). Every weight is read once per batch: projections are
/// matrix products over all rows, and experts run on the rows routed to them.
struct Forward {
    let model: Model
    let state: RunState
    let rows: BatchRows

    /// Runs `tokens` (row t at `rows.position(t)`), writes their K/V into the caches and returns logits.
    /// `embeddings(t)`, when given and not nil, is row t's input embedding in place of its token's
    /// (image embeddings at `<|patch|>` positions; see Session+Images.swift).
    func run(_ tokens: UnsafeBufferPointer<Int32>, wantLogits: LogitsWanted,
             embeddings: ((Int) -> UnsafePointer<Float>?)? = nil) -> [[Float]] {
        let c = model.config, w = model.weights, s = state
        let n = tokens.count, e = c.embedding
        precondition(n == rows.count && n <= s.capacity)
        if case .decode = rows { s.linear.integerAlways = true } else { s.linear.integerAlways = false }
        for t in 0..<n { precondition(rows.position(t) < rows.cache(t).maxTokens, "position \(rows.position(t)) is past the cache") }

        // Token embeddings (ggml_get_rows: dequantize the rows).
        for t in 0..<n {
            if let src = embeddings?(t) { (s.x.p + t * e).update(from: src, count: e); continue }
            let id = Int(tokens[t])
            precondition(id >= 0 && id < c.vocabSize, "token id \(id) is outside the vocabulary (\(c.vocabSize))")
            dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.row(id), s.x.p + t * e, e)
        }
        let rope = Rope(rotDim: c.ropeDim, base: c.ropeBase, freqScale: c.ropeFreqScale, neox: c.ropeNeox, freqFactors: w.ropeFreqs)
        for t in 0..<n { rope.fillCache(position: rows.position(t), s.ropeCache.p + t * c.ropeDim) }

        for l in 0..<c.layerCount {
            let lw = w.layers[l], spec = c.layers[l]
            for t in 0..<n { rmsNorm(s.x.p + t * e, lw.attnNorm, s.xb.p + t * e, e, eps: c.rmsEpsilon) }
            attention(layer: l, lw, spec, n: n)
            s.linear.matmul(lw.wo, s.att.p, n, s.xb2.p)
            for i in 0..<n * e { s.x.p[i] += s.xb2.p[i] }

            for t in 0..<n { rmsNorm(s.x.p + t * e, lw.ffnNorm, s.xb.p + t * e, e, eps: c.rmsEpsilon) }
            if spec.isMoE { moe(lw, layer: l, n: n) } else { denseFFN(lw.ffnGate!, lw.ffnUp!, lw.ffnDown!, s.xb.p, n: n, out: s.xb2.p) }
            for i in 0..<n * e { s.x.p[i] += s.xb2.p[i] }
        }

        // Final norm and LM head for the rows wanted.
        switch wantLogits {
        case .none: return []
        case .last:
            rmsNorm(s.x.p + (n - 1) * e, w.outputNorm, s.xb.p, e, eps: c.rmsEpsilon)
            s.linear.matvec(w.output, s.xb.p, s.logits.p)
            return [Array(UnsafeBufferPointer(start: s.logits.p, count: c.vocabSize))]
        case .all:
            for t in 0..<n { rmsNorm(s.x.p + t * e, w.outputNorm, s.xb.p + t * e, e, eps: c.rmsEpsilon) }
            let all = FloatBuffer(n * c.vocabSize)
            s.linear.matmul(w.output, s.xb.p, n, all.p)
            return (0..<n).map { Array(UnsafeBufferPointer(start: all.p + $0 * c.vocabSize, count: c.vocabSize)) }
        }
    }

    /// Self-attention of the batch against the cache: q/k/v projections, q/k norms, RoPE,
    /// temperature, cache write, causal (optionally chunked) softmax attention into `att`.
    private func attention(layer l: Int, _ lw: ModelWeights.Layer, _ spec: ModelConfig.LayerSpec, n: Int) {
        let c = model.config, s = state
        let hd = c.headDim, qd = c.headCount * hd, kvd = c.kvHeadCount * hd
        s.linear.matmul([(lw.wq, s.q.p), (lw.wk, s.k.p), (lw.wv, s.v.p)], s.xb.p, n)
        let rope = Rope(rotDim: c.ropeDim, base: c.ropeBase, freqScale: c.ropeFreqScale, neox: c.ropeNeox, freqFactors: nil)
        for t in 0..<n {
            let q = s.q.p + t * qd, k = s.k.p + t * kvd, pos = rows.position(t), kv = rows.cache(t)
            if spec.qkNormWeights, let qn = lw.qNorm, let kn = lw.kNorm {
                qn.withUnsafeBufferPointer { w in for h in 0..<c.headCount { rmsNorm(q + h * hd, w.baseAddress!, q + h * hd, hd, eps: c.rmsEpsilon) } }
                kn.withUnsafeBufferPointer { w in for h in 0..<c.kvHeadCount { rmsNorm(k + h * hd, w.baseAddress!, k + h * hd, hd, eps: c.rmsEpsilon) } }
            }
            if spec.rope {
                let cache = s.ropeCache.p + t * c.ropeDim
                rope.apply(q, heads: c.headCount, headDim: hd, cache: cache)
                rope.apply(k, heads: c.kvHeadCount, headDim: hd, cache: cache)
            } else if spec.temperature, let temp = c.attentionTemperature {
                let scale = Float(log(Double(floor((Float(pos) + 1) / temp.floorScale)) + 1)) * temp.scale + 1
                for i in 0..<qd { q[i] *= scale }
            }
            if spec.qkUnitNorm {
                for h in 0..<c.headCount { rmsNorm(q + h * hd, nil, q + h * hd, hd, eps: c.rmsEpsilon) }
                for h in 0..<c.kvHeadCount { rmsNorm(k + h * hd, nil, k + h * hd, hd, eps: c.rmsEpsilon) }
            }
            kv.key(l, pos).update(from: k, count: kvd)
            kv.value(l, pos).update(from: s.v.p + t * kvd, count: kvd)
        }

        let group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(hd).squareRoot()
        let chunk = spec.chunkedAttention ? c.attentionChunk : 0
        switch rows {
        case .prompt(let kv, let p0, _):
            // Per head, one sgemm for the scores of all n queries against keys lo..<p0+n, a masked
            // softmax per row (causal; chunked layers hide keys before the query's chunk), and one
            // sgemm for the weighted values (ggml: kq = K·Q, soft_max_ext(kq, mask, 1/√hd), V·kq).
            let lo = chunk > 0 ? p0 / chunk * chunk : 0
            let span = p0 + n - lo
            let keys = kv.keys[l].p + lo * kvd, values = kv.values[l].p + lo * kvd
            model.workers.forEach(c.headCount) { wk, h in
                let kvOff = (h / group) * hd
                let sc = s.scores.p + wk * s.scoresPerWorker
                precondition(n * span <= s.scoresPerWorker)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(span), Int32(hd), 1,
                            s.q.p + h * hd, Int32(qd), keys + kvOff, Int32(kvd), 0, sc, Int32(span))
                for t in 0..<n {
                    let pos = p0 + t, row = sc + t * span
                    let first = (chunk > 0 ? pos / chunk * chunk : 0) - lo, last = pos - lo
                    row.update(repeating: 0, count: first)
                    softmax(row + first, last - first + 1, scale: scale)
                    (row + last + 1).update(repeating: 0, count: span - last - 1)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(hd), Int32(span), 1,
                            sc, Int32(span), values + kvOff, Int32(kvd), 0, s.att.p + h * hd, Int32(qd))
            }
        case .decode(let caches, let positions):
            // One query per row against its own session's cache: two sgemv per (row, head).
            model.workers.forEach(n * c.headCount) { wk, item in
                let t = item / c.headCount, h = item % c.headCount
                let pos = positions[t], kv = caches[t]
                let first = chunk > 0 ? pos / chunk * chunk : 0, len = pos - first + 1
                let kvOff = (h / group) * hd
                let sc = s.scores.p + wk * s.scoresPerWorker
                precondition(len <= s.scoresPerWorker)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(len), Int32(hd), 1, kv.keys[l].p + first * kvd + kvOff, Int32(kvd),
                            s.q.p + t * qd + h * hd, 1, 0, sc, 1)
                softmax(sc, len, scale: scale)
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(len), Int32(hd), 1, kv.values[l].p + first * kvd + kvOff, Int32(kvd),
                            sc, 1, 0, s.att.p + t * qd + h * hd, 1)
            }
        }
    }

    /// out = down(silu(gate·x) ⊙ up·x) for `n` rows of `x` (llama.cpp build_ffn, LLM_FFN_SILU, PAR).
    private func denseFFN(_ gate: Matrix, _ up: Matrix, _ down: Matrix, _ x: UnsafePointer<Float>, n: Int, out: UnsafeMutablePointer<Float>) {
        let s = state, ff = gate.rows
        s.linear.matmul([(gate, s.hb.p), (up, s.hb2.p)], x, n)
        swiglu(s.hb.p, s.hb2.p, n * ff)
        s.linear.matmul(down, s.hb.p, n, out)
    }

    /// Routed experts (+ shared expert) for the batch; writes `xb2` (llama.cpp build_moe_ffn).
    /// Tokens are grouped per expert so each expert's weights are read once per batch.
    private func moe(_ lw: ModelWeights.Layer, layer: Int, n: Int) {
        let c = model.config, s = state, e = c.embedding, nx = c.expertCount, k = c.expertsUsed
        let logits = s.routerLogits.p
        s.linear.matmul(lw.router!, s.xb.p, n, logits)
        for i in s.routes.indices { s.routes[i].removeAll(keepingCapacity: true) }
        for t in 0..<n {
            let row = logits + t * nx
            let sel = s.chosen + t * k, wt = s.chosenWeight.p + t * k
            if c.gating == .softmax { softmax(row, nx) }
            // Top k by value, best first (ggml_argsort_top_k).
            for slot in 0..<k {
                var best = -1
                for x in 0..<nx where !(0..<slot).contains(where: { sel[$0] == Int32(x) }) {
                    if best < 0 || row[x] > row[best] { best = x }
                }
                sel[slot] = Int32(best)
                wt[slot] = c.gating == .softmax ? row[best] : sigmoid(row[best])
            }
            if c.renormalizeExpertWeights {
                var sum: Float = 0
                for slot in 0..<k { sum += wt[slot] }
                sum = max(sum, 6.103515625e-5)
                for slot in 0..<k { wt[slot] /= sum }
            }
            if c.expertWeightsScale != 1 { for slot in 0..<k { wt[slot] *= c.expertWeightsScale } }
            for slot in 0..<k { s.routes[Int(sel[slot])].append((t, slot)) }
        }

        // Few rows (decode) and several workers: experts in parallel, each on one worker with
        // its own scratch. Otherwise experts one after another, each product split over rows.
        let active = (0..<nx).filter { !s.routes[$0].isEmpty }
        for x in active { model.usage.addRouted(layer: layer, expert: x, tokens: s.routes[x].count) }
        if model.workers.count > 1 && n <= Linear.smallBatch && active.count >= model.workers.count {
            model.workers.forEach(active.count) { wk, i in runExpert(active[i], lw, s.expertScratch[wk]) }
        } else {
            for x in active { runExpert(x, lw, s.mainExpertScratch) }
        }
        // Sum the slots in order (ggml adds the per-slot views one after another).
        for t in 0..<n {
            let out = s.xb2.p + t * e
            out.update(from: s.slotOut.p + t * k * e, count: e)
            for slot in 1..<max(k, 1) { axpy(1, s.slotOut.p + (t * k + slot) * e, out, e) }
        }
        if let g = lw.gateShared, let u = lw.upShared, let d = lw.downShared {
            denseFFN(g, u, d, s.xb.p, n: n, out: s.shared.p)
            for i in 0..<n * e { s.xb2.p[i] += s.shared.p[i] }
        }
    }

    /// Runs expert `x` on the rows routed to it, writing each row's slot of `slotOut`
    /// (slots are disjoint, so experts may run concurrently with separate scratch).
    private func runExpert(_ x: Int, _ lw: ModelWeights.Layer, _ sc: ExpertScratch) {
        let c = model.config, s = state, e = c.embedding, k = c.expertsUsed, ff = c.expertFFN
        let route = s.routes[x], m = route.count
        for (i, (t, slot)) in route.enumerated() {
            let src = s.xb.p + t * e, dst = sc.gathered.p + i * e
            if c.weightExpertInput {
                let wgt = s.chosenWeight.p[t * k + slot]
                for j in 0..<e { dst[j] = src[j] * wgt }
            } else {
                dst.update(from: src, count: e)
            }
        }
        sc.linear.matmul([(lw.gateExperts!.expert(x), sc.hb.p), (lw.upExperts!.expert(x), sc.hb2.p)], sc.gathered.p, m)
        swiglu(sc.hb.p, sc.hb2.p, m * ff)
        sc.linear.matmul(lw.downExperts!.expert(x), sc.hb.p, m, sc.out.p)
        for (i, (t, slot)) in route.enumerated() {
            let src = sc.out.p + i * e, dst = s.slotOut.p + (t * k + slot) * e
            if c.weightExpertInput {
                dst.update(from: src, count: e)
            } else {
                let wgt = s.chosenWeight.p[t * k + slot]
                for j in 0..<e { dst[j] = src[j] * wgt }
            }
        }
    }
}
