import Foundation
import CBLAS

/// The forward pass shared by every architecture (llama2.c's `forward`), driven by
/// `ModelConfig` flags. References: llama.cpp src/models/{llama4,qwen3moe,llama}.cpp and
/// src/llama-graph.cpp (`build_attn`, `build_ffn`, `build_moe_ffn`).
extension Session {
    /// Runs `tokens` at positions `position...`, appends their K/V to the cache and returns logits.
    func forward(_ tokens: UnsafeBufferPointer<Int32>, wantLogits: LogitsWanted) -> [[Float]] {
        let c = model.config, w = model.weights, s = state
        let n = tokens.count, e = c.embedding, p0 = position
        precondition(n <= s.capacity && p0 + n <= maxTokens)

        // Token embeddings (ggml_get_rows: dequantize the rows).
        for t in 0..<n {
            let id = Int(tokens[t])
            precondition(id >= 0 && id < c.vocabSize, "token id \(id) is outside the vocabulary (\(c.vocabSize))")
            dequantizeRow(w.tokenEmbedding.type, w.tokenEmbedding.row(id), s.x.p + t * e, e)
        }
        let rope = Rope(rotDim: c.ropeDim, base: c.ropeBase, freqScale: c.ropeFreqScale, neox: c.ropeNeox, freqFactors: w.ropeFreqs)
        for t in 0..<n { rope.fillCache(position: p0 + t, s.ropeCache.p + t * c.ropeDim) }

        for l in 0..<c.layerCount {
            let lw = w.layers[l], spec = c.layers[l]
            for t in 0..<n { rmsNorm(s.x.p + t * e, lw.attnNorm, s.xb.p + t * e, e, eps: c.rmsEpsilon) }
            attention(layer: l, lw, spec, n: n)
            s.linear.matmul(lw.wo, s.att.p, n, s.xb2.p)
            for i in 0..<n * e { s.x.p[i] += s.xb2.p[i] }

            for t in 0..<n { rmsNorm(s.x.p + t * e, lw.ffnNorm, s.xb.p + t * e, e, eps: c.rmsEpsilon) }
            if spec.isMoE { moe(lw, n: n) } else { denseFFN(lw.ffnGate!, lw.ffnUp!, lw.ffnDown!, s.xb.p, n: n, out: s.xb2.p) }
            for i in 0..<n * e { s.x.p[i] += s.xb2.p[i] }
        }
        position += n

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
        let c = model.config, s = state, p0 = position
        let hd = c.headDim, qd = c.headCount * hd, kvd = c.kvHeadCount * hd
        s.linear.matmul(lw.wq, s.xb.p, n, s.q.p)
        s.linear.matmul(lw.wk, s.xb.p, n, s.k.p)
        s.linear.matmul(lw.wv, s.xb.p, n, s.v.p)
        let rope = Rope(rotDim: c.ropeDim, base: c.ropeBase, freqScale: c.ropeFreqScale, neox: c.ropeNeox, freqFactors: nil)
        for t in 0..<n {
            let q = s.q.p + t * qd, k = s.k.p + t * kvd, pos = p0 + t
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

        // Per head, one sgemm for the scores of all n queries against keys lo..<p0+n, a masked
        // softmax per row (causal; chunked layers hide keys before the query's chunk), and one
        // sgemm for the weighted values (ggml: kq = K·Q, soft_max_ext(kq, mask, 1/√hd), V·kq).
        let group = c.headCount / c.kvHeadCount
        let scale = 1 / Float(hd).squareRoot()
        let chunk = spec.chunkedAttention ? c.attentionChunk : 0
        let lo = chunk > 0 ? p0 / chunk * chunk : 0
        let span = p0 + n - lo
        let keys = kv.keys[l].p + lo * kvd, values = kv.values[l].p + lo * kvd
        let stride = s.capacity * maxTokens
        model.workers.forEach(c.headCount) { wk, h in
            let kvOff = (h / group) * hd
            let sc = s.scores.p + wk * stride
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
    }

    /// out = down(silu(gate·x) ⊙ up·x) for `n` rows of `x` (llama.cpp build_ffn, LLM_FFN_SILU, PAR).
    private func denseFFN(_ gate: Matrix, _ up: Matrix, _ down: Matrix, _ x: UnsafePointer<Float>, n: Int, out: UnsafeMutablePointer<Float>) {
        let s = state, ff = gate.rows
        s.linear.matmul(gate, x, n, s.hb.p)
        s.linear.matmul(up, x, n, s.hb2.p)
        swiglu(s.hb.p, s.hb2.p, n * ff)
        s.linear.matmul(down, s.hb.p, n, out)
    }

    /// Routed experts (+ shared expert) for the batch; writes `xb2` (llama.cpp build_moe_ffn).
    /// Tokens are grouped per expert so each expert's weights are read once per batch.
    private func moe(_ lw: ModelWeights.Layer, n: Int) {
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

        let ff = c.expertFFN
        for x in 0..<nx where !s.routes[x].isEmpty {
            let route = s.routes[x], m = route.count
            for (i, (t, slot)) in route.enumerated() {
                let src = s.xb.p + t * e, dst = s.gathered.p + i * e
                if c.weightExpertInput {
                    let wgt = s.chosenWeight.p[t * k + slot]
                    for j in 0..<e { dst[j] = src[j] * wgt }
                } else {
                    dst.update(from: src, count: e)
                }
            }
            s.linear.matmul(lw.gateExperts!.expert(x), s.gathered.p, m, s.hb.p)
            s.linear.matmul(lw.upExperts!.expert(x), s.gathered.p, m, s.hb2.p)
            swiglu(s.hb.p, s.hb2.p, m * ff)
            s.linear.matmul(lw.downExperts!.expert(x), s.hb.p, m, s.expertOut.p)
            for (i, (t, slot)) in route.enumerated() {
                let src = s.expertOut.p + i * e, dst = s.slotOut.p + (t * k + slot) * e
                if c.weightExpertInput {
                    dst.update(from: src, count: e)
                } else {
                    let wgt = s.chosenWeight.p[t * k + slot]
                    for j in 0..<e { dst[j] = src[j] * wgt }
                }
            }
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
}
