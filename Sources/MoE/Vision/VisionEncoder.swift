import Foundation
import CBLAS
import CKernels

/// Llama 4's vision tower and projector, loaded from an mmproj GGUF (llama.cpp's file format),
/// computing what Meta's reference computes (transformers' `Llama4VisionModel` +
/// `Llama4MultiModalProjector`). Per 336-pixel tile:
///
///     patches [576, 588] ─linear→ [576, W] ⊕ class token (appended last) → [577, W]
///     + learned position embedding, LayerNorm (pre)
///     34 × { x += attn(LN1(x)) with 2D RoPE on q/k;  x += fc2(GELU(fc1(LN2(x)))) }
///     LayerNorm (post), drop the class token → [24×24, W]
///     pixel shuffle 2× → [12×12, 4W] → GELU(fc1) → GELU(fc2) → projector → [144, text width]
///
/// Products, softmax and GELU run on AVX-512 kernels in C where the CPU has them (`DenseGEMM`,
/// Sources/CKernels/gemm_avx512.c, vecmath_avx512.c), else on OpenBLAS and libm.
///
/// Thread-safe: encodes run one at a time (one scratch state, all workers busy with each); see scripts/README.md
/// ("Llama 4 vision: the reference, and where Chorus differs from llama.cpp") for where llama.cpp
/// computes otherwise and how far the two agree elsewhere.
public final class VisionEncoder: @unchecked Sendable {
    /// Sizes read from the file.
    public let config: VisionConfig
    /// The mapped file.
    public let file: GGUFFile
    /// The preprocessing matching this tower's tile size.
    public let preprocessor: ImagePreprocessor
    let weights: VisionWeights
    let workers: Workers
    let state: VisionState
    private let lock = NSLock()

    /// Maps the mmproj file at `path` and checks every tensor; `maxTiles` bounds the tile grid.
    public init(mmproj path: String, threads: Int = 1, maxTiles: Int = 9) throws {
        file = try GGUFFile(path: path)
        var c = try VisionConfig(file: file)
        weights = try VisionWeights(file: file, config: &c)
        config = c
        workers = Workers(threads: max(1, threads))
        state = VisionState(config: c, workers: workers)
        preprocessor = ImagePreprocessor(tileSize: c.imageSize, maxTiles: maxTiles)
    }

    /// Prompt positions an image of `width × height` pixels will take (its tile grid, overview,
    /// patches and special tokens), known before decoding its pixels or encoding it.
    public func tokenCount(width: Int, height: Int) -> Int {
        let g = preprocessor.grid(width: width, height: height)
        let tiles = g.rows * g.columns
        return ImageEmbedding(rows: g.rows, columns: g.columns, tileCount: tiles + (tiles > 1 ? 1 : 0),
                              tokensPerTile: config.tokensPerTile, width: 0, values: []).tokenCount
    }

    /// Preprocesses and encodes a decoded image (all its tiles).
    public func encode(image: DecodedImage) throws -> ImageEmbedding {
        try encode(preprocessor.preprocess(image))
    }

    /// Encodes preprocessed tiles.
    public func encode(_ p: PreprocessedImage) throws -> ImageEmbedding {
        let c = config
        guard p.tileSize == c.imageSize, p.pixels.count == p.tileCount * 3 * c.imageSize * c.imageSize else {
            throw GGUFError("preprocessed image has \(p.tileSize)-pixel tiles; the encoder wants \(c.imageSize)")
        }
        lock.lock()
        defer { lock.unlock() }
        let per = c.tokensPerTile * c.textWidth
        var out = [Float](repeating: 0, count: p.tileCount * per)
        p.pixels.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { o in
                for t in 0..<p.tileCount {
                    encodeTile(px.baseAddress! + t * 3 * c.imageSize * c.imageSize, into: o.baseAddress! + t * per)
                }
            }
        }
        return ImageEmbedding(rows: p.rows, columns: p.columns, tileCount: p.tileCount, tokensPerTile: c.tokensPerTile,
                              width: c.textWidth, values: out)
    }

    /// One tile [3, S, S] → [tokensPerTile, textWidth].
    func encodeTile(_ pixels: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let c = config, w = weights, s = state
        let W = c.width, P = c.patches, N = P + 1, side = c.patchesPerSide, ps = c.patchSize, S = c.imageSize

        // Unfold (torch.nn.Unfold, kernel = stride = patch): patch (r, c) in row-major order,
        // values in channel, row, column order.
        for r in 0..<side {
            for col in 0..<side {
                let dst = s.patches.p + (r * side + col) * c.patchValues
                for ch in 0..<3 {
                    for y in 0..<ps {
                        let src = pixels + ch * S * S + (r * ps + y) * S + col * ps
                        (dst + ch * ps * ps + y * ps).update(from: src, count: ps)
                    }
                }
            }
        }
        product(w.patchEmbedding, s.patches.p, P, s.x.p)
        (s.x.p + P * W).update(from: w.classEmbedding, count: W)      // class token last
        w.positionEmbedding.withUnsafeBufferPointer { pos in for i in 0..<N * W { s.x.p[i] += pos[i] } }
        layerNormRows(s.x.p, w.preNorm, w.preNormBias, s.x.p, N)

        for b in w.blocks {
            layerNormRows(s.x.p, b.norm1, b.norm1Bias, s.h.p, N)
            attention(b, N)
            product(b.wo, s.att.p, N, s.h.p)
            addBias(s.h.p, b.bo, N)
            for i in 0..<N * W { s.x.p[i] += s.h.p[i] }
            layerNormRows(s.x.p, b.norm2, b.norm2Bias, s.h.p, N)
            product(b.fc1, s.h.p, N, s.ff.p)
            addBias(s.ff.p, b.fc1Bias, N)
            gelu(s.ff.p, N * c.ffn)
            product(b.fc2, s.ff.p, N, s.h.p)
            addBias(s.h.p, b.fc2Bias, N)
            for i in 0..<N * W { s.x.p[i] += s.h.p[i] }
        }
        layerNormRows(s.x.p, w.postNorm, w.postNormBias, s.x.p, N)

        // Pixel shuffle (transformers `pixel_shuffle`, ratio 1/f): output token (i, j) of the
        // (side/f)² grid, row-major, is the concatenation over (dy, dx) in row-major order of the
        // patch (f·i + dy, f·j + dx). llama.cpp 0c1e570 produces the transposed grid here.
        let f = c.shuffle, side2 = side / f, T = c.tokensPerTile
        for i in 0..<side2 {
            for j in 0..<side2 {
                let dst = s.shuffled.p + (i * side2 + j) * W * f * f
                for dy in 0..<f {
                    for dx in 0..<f {
                        (dst + (dy * f + dx) * W).update(from: s.x.p + ((f * i + dy) * side + f * j + dx) * W, count: W)
                    }
                }
            }
        }
        product(w.adapterFC1, s.shuffled.p, T, s.a1.p)
        gelu(s.a1.p, T * c.adapterHidden)
        product(w.adapterFC2, s.a1.p, T, s.a2.p)
        gelu(s.a2.p, T * c.adapterOut)
        product(w.projector, s.a2.p, T, out)
    }

    /// Y[n × rows] = X[n × cols] · Wᵀ: the AVX-512 kernel for F16/F32 weights where the CPU has it
    /// (`DenseGEMM`), else `Linear` (OpenBLAS, dequantized tiles).
    private func product(_ w: Matrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        if DenseGEMM.handles(w) { DenseGEMM.product(w, x, n, y, workers: workers) } else { state.linear.matmul(w, x, n, y) }
    }

    /// Full (non-causal) multi-head attention over the tile's N tokens with 2D RoPE on q and k;
    /// writes `att` [N, W] (transformers `Llama4VisionAttention`, scale 1/√head_dim).
    private func attention(_ b: VisionWeights.Block, _ n: Int) {
        let c = config, s = state, W = c.width, hd = c.headDim
        if [b.wq, b.wk, b.wv].allSatisfy(DenseGEMM.handles) {
            for (m, y) in [(b.wq, s.q.p), (b.wk, s.k.p), (b.wv, s.v.p)] { DenseGEMM.product(m, s.h.p, n, y, workers: workers) }
        } else {
            s.linear.matmul([(b.wq, s.q.p), (b.wk, s.k.p), (b.wv, s.v.p)], s.h.p, n)
        }
        addBias(s.q.p, b.bq, n); addBias(s.k.p, b.bk, n); addBias(s.v.p, b.bv, n)
        s.rope.withUnsafeBufferPointer { rope in
            workers.split(n) { _, r in
                for t in r {
                    let cs = rope.baseAddress! + t * hd  // hd/2 (cos, sin) pairs
                    for h in 0..<c.heads {
                        rotate(s.q.p + t * W + h * hd, cs, hd)
                        rotate(s.k.p + t * W + h * hd, cs, hd)
                    }
                }
            }
        }
        let scale = 1 / Float(hd).squareRoot()
        if DenseGEMM.active {
            // AVX-512: scores = Q·Kᵀ with K transposed per head (so no sums across lanes), softmax, P·V.
            workers.forEach(c.heads) { wk, h in
                let sc = s.scores.p + wk * n * n, kt = s.keysT.p + wk * hd * n, k = s.k.p + h * hd
                for t in 0..<n { for d in 0..<hd { kt[d * n + t] = k[t * W + d] } }
                ck_gemm_nn(Int32(n), Int32(n), Int32(hd), s.q.p + h * hd, W, kt, n, sc, n)
                ck_softmax_rows(sc, Int32(n), Int32(n), n, scale)
                ck_gemm_nn(Int32(n), Int32(hd), Int32(n), sc, n, s.v.p + h * hd, W, s.att.p + h * hd, W)
            }
            return
        }
        workers.forEach(c.heads) { wk, h in
            let sc = s.scores.p + wk * n * n
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(hd), 1,
                        s.q.p + h * hd, Int32(W), s.k.p + h * hd, Int32(W), 0, sc, Int32(n))
            for t in 0..<n { softmax(sc + t * n, n, scale: scale) }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(hd), Int32(n), 1,
                        sc, Int32(n), s.v.p + h * hd, Int32(W), 0, s.att.p + h * hd, Int32(W))
        }
    }

    /// Rotates adjacent pairs (2i, 2i+1) of one head by the cached angles (complex product, as
    /// `vision_apply_rotary_emb`'s view_as_complex).
    @inline(__always) private func rotate(_ v: UnsafeMutablePointer<Float>, _ cs: UnsafePointer<Float>, _ hd: Int) {
        for i in 0..<hd / 2 {
            let co = cs[2 * i], si = cs[2 * i + 1], a = v[2 * i], b = v[2 * i + 1]
            v[2 * i] = a * co - b * si
            v[2 * i + 1] = a * si + b * co
        }
    }

    /// y[t] += bias for n rows.
    private func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: [Float], _ n: Int) {
        let m = bias.count
        bias.withUnsafeBufferPointer { b in for t in 0..<n { let r = y + t * m; for i in 0..<m { r[i] += b[i] } } }
    }

    /// LayerNorm of n rows of width W (torch.nn.LayerNorm: biased variance, eps inside the root). In-place allowed.
    private func layerNormRows(_ x: UnsafePointer<Float>, _ g: [Float], _ b: [Float], _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        let W = config.width, eps = Double(config.eps)
        g.withUnsafeBufferPointer { g in
            b.withUnsafeBufferPointer { b in
                workers.split(n) { _, r in
                    for t in r {
                        let row = x + t * W, o = out + t * W
                        var sum = 0.0
                        for i in 0..<W { sum += Double(row[i]) }
                        let mean = sum / Double(W)
                        var v = 0.0
                        for i in 0..<W { let d = Double(row[i]) - mean; v += d * d }
                        let inv = 1 / (v / Double(W) + eps).squareRoot()
                        for i in 0..<W { o[i] = Float((Double(row[i]) - mean) * inv) * g[i] + b[i] }
                    }
                }
            }
        }
    }

    /// Exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)) (nn.GELU()), in place: AVX-512 (`ck_gelu`) where the
    /// CPU has it, else `erff`.
    private func gelu(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let vector = DenseGEMM.active
        workers.split(n, grain: 1024) { _, r in
            if vector { ck_gelu(x + r.lowerBound, Int32(r.count)); return }
            for i in r { let v = x[i]; x[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
        }
    }
}

/// Scratch for one tile, sized up front (llama2.c's RunState).
final class VisionState {
    let patches: FloatBuffer    // [P, 3·p·p] unfolded patches
    let x: FloatBuffer          // [N, W] residual stream (N = P + 1, class token last)
    let h: FloatBuffer          // [N, W] normed input / projection output
    let q: FloatBuffer          // [N, W]
    let k: FloatBuffer          // [N, W]
    let v: FloatBuffer          // [N, W]
    let att: FloatBuffer        // [N, W] attention output before o_proj
    let ff: FloatBuffer         // [N, F] MLP activations
    let scores: FloatBuffer     // [workers, N, N]
    let keysT: FloatBuffer      // [workers, headDim, N] one head's keys transposed (AVX-512 attention)
    let shuffled: FloatBuffer   // [T, 4W] pixel-shuffled tokens
    let a1: FloatBuffer         // [T, H] adapter fc1
    let a2: FloatBuffer         // [T, O] adapter fc2
    /// [N, headDim/2, 2] cos/sin of each token's 2D RoPE angles (the same for every head and block).
    let rope: [Float]
    let linear: Linear

    init(config c: VisionConfig, workers: Workers) {
        let n = c.patches + 1, W = c.width, T = c.tokensPerTile
        patches = FloatBuffer(c.patches * c.patchValues)
        x = FloatBuffer(n * W); h = FloatBuffer(n * W)
        q = FloatBuffer(n * W); k = FloatBuffer(n * W); v = FloatBuffer(n * W); att = FloatBuffer(n * W)
        ff = FloatBuffer(n * c.ffn)
        scores = FloatBuffer(workers.count * n * n)
        keysT = FloatBuffer(workers.count * n * c.headDim)
        shuffled = FloatBuffer(T * W * c.shuffle * c.shuffle)
        a1 = FloatBuffer(T * c.adapterHidden); a2 = FloatBuffer(T * c.adapterOut)
        rope = VisionState.ropeTable(c)
        linear = Linear(workers: workers, maxCols: max(c.patchValues, W, c.ffn, W * c.shuffle * c.shuffle, c.adapterHidden, c.adapterOut),
                        maxTokens: n)
    }

    /// transformers `Llama4VisionRotaryEmbedding._compute_freqs_ci`: with d = headDim/2 and
    /// fᵢ = 1/base^(2i/d) for i < d/2, pair i < d/2 of a head turns by (column+1)·fᵢ and pair d/2 + i
    /// by (row+1)·fᵢ; the class token (last) does not turn. Float32 throughout, as the reference.
    static func ropeTable(_ c: VisionConfig) -> [Float] {
        let hd = c.headDim, d = hd / 2, side = c.patchesPerSide, n = c.patches + 1
        let freqs: [Float] = (0..<d / 2).map { i in 1 / powf(c.ropeBase, Float(2 * i) / Float(d)) }
        var t = [Float](repeating: 0, count: n * hd)
        for p in 0..<n {
            for pair in 0..<d {
                var angle: Float = 0
                if p < c.patches {
                    let pos = pair < d / 2 ? p % side : p / side
                    angle = Float(pos + 1) * freqs[pair % (d / 2)]
                }
                t[p * hd + 2 * pair] = cosf(angle)
                t[p * hd + 2 * pair + 1] = sinf(angle)
            }
        }
        return t
    }
}
