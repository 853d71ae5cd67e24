import CBLAS
import CKernels

/// Products of a weight matrix with activations: the engine's hot kernels.
///
/// Weights stay quantized in the mmap. K-quant weights, and Q8_0/Q4_0 weights in decode steps,
/// experts and small batches, go through the integer kernels in C (`IntegerDot.swift`,
/// `Sources/CKernels`) on quantized activations (see `quantized`); F32 weights with few tokens
/// use the C F32 kernel (`ck_f32_rows`). Otherwise each worker dequantizes a tile of rows into
/// its own scratch and hands it to OpenBLAS (single-threaded):
/// `cblas_sgemv` for one token, `cblas_sgemm` for a batch; F32 weights go to BLAS directly.
/// Activations are first rounded or quantized as llama.cpp's CPU backend does (see
/// `roundActivations`).
final class Linear: @unchecked Sendable {
    let workers: Workers
    /// Floats of dequantized weights per sgemm call (a few MiB: beyond L2, but packing dominates otherwise).
    nonisolated(unsafe) static var tileTarget = 1 << 18
    /// Batches up to this many tokens use per-token sgemv on cached tiles (see `matmul`).
    nonisolated(unsafe) static var smallBatch = 8
    /// Floats per tile in the small-batch path (fits L2 while each token reads it).
    nonisolated(unsafe) static var smallTileFloats = 1 << 15
    /// F32 batches up to this many tokens use the C kernel (`ck_f32_rows`) where the CPU has one:
    /// each weight read once for all tokens, four rows streamed at once for one token (DRAM-bound
    /// sgemv here: 41 vs 36 GB/s for OpenBLAS's Haswell kernel; 4-8 tokens: 30-33 vs 17-25 GMAC/s).
    /// (From 6 tokens `ck_gemm`'s 6×4 tiles are faster: 55 against 44 GMAC/s at 8 tokens.)
    nonisolated(unsafe) static var f32KernelTokens = 5
    /// Whether this CPU has the F32 kernel (AVX-512).
    static let hasF32Kernel = ck_f32_rows(nil, 0, 0, 0, nil, 0, 1, nil, 0) != 0
    /// Floats of tile scratch per worker.
    let tileFloats: Int
    private let scratch: [UnsafeMutablePointer<Float>]
    /// Rounded activations: capacity `maxTokens × maxCols`.
    private let rounded: UnsafeMutablePointer<Float>
    private let roundedCapacity: Int
    /// Activations quantized for the integer kernels (capacity `maxTokens` tokens). K-quant
    /// weights use them whatever the batch: one token, a `BatchDecoder` step, an expert's
    /// tokens or a whole prompt (`ck_dot_rows` blocks rows and tokens for the caches), as
    /// llama.cpp's CPU backend does. Q8_0/Q4_0 weights use them for decode steps and batches
    /// up to `integerBatch` tokens (always in experts): larger prompt batches stay on
    /// dequantized tiles through sgemm, whose float sums reproduce llama.cpp's prompt logits
    /// on the reference files (llama4-tiny.q8_0 mean KL 4e-12 against 4e-5 with the integer
    /// kernels, past the tests' 1e-5 bound).
    private let quantized: QuantizedActivations
    private let integerTokens: Int
    /// Q8_0/Q4_0 prompt batches up to this many tokens use the integer kernels.
    nonisolated(unsafe) static var integerBatch = 8
    /// Whether Q8_0/Q4_0 products of any batch size use the integer kernels: set by `Forward`
    /// for `BatchDecoder` steps (each row one session's next token, as llama.cpp decodes it
    /// alone) and by `RunState` for experts' products (llama.cpp's mul_mat_id).
    var integerAlways = false
    /// Each token's view of `quantized` for the C kernels.
    private let acts: UnsafeMutablePointer<ck_act>

    /// - Parameters: `maxCols`: the widest row of any weight; `maxTokens`: largest batch.
    init(workers: Workers, maxCols: Int, maxTokens: Int, integerAlways: Bool = false) {
        self.integerAlways = integerAlways
        self.workers = workers
        // Big tiles: each sgemm call repacks the whole activation matrix, so fewer, larger calls.
        let tf = max(maxCols * 16, Linear.tileTarget)
        tileFloats = tf
        scratch = (0..<workers.count).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: tf) }
        roundedCapacity = maxCols * maxTokens
        rounded = .allocate(capacity: roundedCapacity)
        integerTokens = max(1, maxTokens)
        quantized = QuantizedActivations(capacity: maxCols * integerTokens)
        acts = .allocate(capacity: integerTokens)
    }

    deinit {
        scratch.forEach { $0.deallocate() }
        rounded.deallocate()
        quantized.deallocate()
        acts.deallocate()
    }

    /// Rows per tile for a matrix of `cols` columns.
    private func tileRows(_ cols: Int) -> Int { max(1, tileFloats / cols) }

    /// Several products of the same input, e.g. Q/K/V or gate/up: `products[i].1 = products[i].0 · x`
    /// for `n` tokens. The input is rounded or quantized once per rounding kind, not per product.
    func matmul(_ products: [(Matrix, UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>, _ n: Int) {
        preparedKind = nil
        defer { preparedKind = nil }
        for (w, y) in products { product(w, x, n, y) }
    }

    /// Y[n × rows] = X[n × cols] · Wᵀ (see `product`).
    func matmul(_ w: Matrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        matmul([(w, y)], x, n)
    }

    /// y[rows] = W · x[cols], one token.
    func matvec(_ w: Matrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        matmul([(w, y)], x, 1)
    }

    /// How the input was last prepared within one `matmul` call (kind, columns, tokens).
    private var preparedKind: (kind: Int, cols: Int, n: Int)?

    /// Rounding kind of a weight type: inputs prepared for one kind serve every type of that kind.
    private func kind(_ t: GGMLType, integer: Bool) -> Int {
        switch t {
        case .f32: return 0
        case .f16: return 1
        case .bf16: return 2
        case .q8_0, .q4_0: return integer ? 13 : 3
        default: return integer ? 14 : 4
        }
    }

    /// Y[n × rows] = X[n × cols] · Wᵀ with the integer kernels (`IntegerDot.swift`): each token's
    /// activations are quantized once, then every worker runs its rows against all tokens, so
    /// the weights are read from memory once per call whatever `n` is.
    private func integerProduct(_ w: Matrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        let cols = w.cols, type = w.type
        let k = kind(type, integer: true)
        if preparedKind.map({ $0 != (k, cols, n) }) ?? true {
            for t in 0..<n {
                let a = quantized.token(t, cols: cols)
                if type == .q8_0 || type == .q4_0 { a.quantizeQ8_0(x + t * cols, cols) } else { a.quantizeQ8_K(x + t * cols, cols) }
                acts[t] = a.c
            }
            preparedKind = (k, cols, n)
        }
        let acts = UnsafePointer(acts), rows = w.rows
        workers.split(rows, grain: 4) { _, r in dotRows(w, r, acts, n, y, yStride: rows) }
    }

    /// One token without an integer kernel: F32 through sgemv, others dequantized in tiles for sgemv.
    private func vectorProduct(_ w: Matrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let xr = prepare(w.type, x, 1, w.cols)
        let cols = w.cols
        if w.type == .f32 {
            let a = w.base.assumingMemoryBound(to: Float.self)
            workers.split(w.rows, grain: 8) { _, r in
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(r.count), Int32(cols), 1, a + r.lowerBound * cols, Int32(cols), xr, 1, 0, y + r.lowerBound, 1)
            }
            return
        }
        let tr = tileRows(cols)
        workers.split(w.rows, grain: 8) { wk, r in
            let tile = scratch[wk]
            var r0 = r.lowerBound
            while r0 < r.upperBound {
                let n = min(tr, r.upperBound - r0)
                for i in 0..<n { dequantizeRow(w.type, w.row(r0 + i), tile + i * cols, cols) }
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(cols), 1, tile, Int32(cols), xr, 1, 0, y + r0, 1)
                r0 += n
            }
        }
    }

    /// Y[n × rows] = X[n × cols] · Wᵀ, a batch of `n` tokens (rows of X and Y contiguous).
    ///
    /// Quantized types with integer kernels (see `quantized` for when): `integerProduct`. F32 up
    /// to `f32KernelTokens` tokens: `ck_f32_rows`. One token: `vectorProduct`. F32 and F16 where the
    /// CPU has AVX-512 (`DenseGEMM.active`): `ck_gemm`. Otherwise up
    /// to `smallBatch` tokens: per cache-sized tile of rows, one sgemv per token (the tile is read
    /// from memory once and then from L2; sgemm would repack it for so few tokens); more tokens:
    /// dequantized tiles through sgemm.
    private func product(_ w: Matrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        if hasIntegerDot(w.type) && (n <= Linear.integerBatch || integerAlways || w.type.blockSize == 256) {
            integerProduct(w, x, n, y)
            return
        }
        if w.type == .f32 && Linear.hasF32Kernel && n <= Linear.f32KernelTokens {
            let a = w.base.assumingMemoryBound(to: Float.self), cols = w.cols, rows = w.rows
            workers.split(rows, grain: 4) { _, r in
                _ = ck_f32_rows(a + r.lowerBound * cols, cols, Int32(r.count), Int32(cols), x, cols, Int32(n), y + r.lowerBound, rows)
            }
            return
        }
        if n == 1 { vectorProduct(w, x, y); return }
        let xr = prepare(w.type, x, n, w.cols)
        let cols = w.cols, rows = w.rows
        if DenseGEMM.active && (w.type == .f32 || w.type == .f16) {
            // The AVX-512 dot-product GEMM (`ck_gemm`, the vision tower's kernel) on the weights as
            // they are. 128 tokens × 4096×1024 F32: 167 against OpenBLAS Haswell's 122 GFLOP/s;
            // 16 tokens × 768×1024: 134 against 84. (Dequantized Q8_0/Q4_0 tiles stay on sgemm:
            // through ck_gemm, as through the integer kernels, llama4-tiny.q8_0's prompt logits
            // leave llama.cpp's by a mean KL of 4e-5, past the reference tests' 1e-5.)
            DenseGEMM.product(w, xr, n, y, workers: workers)
            return
        }
        if n <= Linear.smallBatch {
            let tr = max(1, min(tileRows(cols), Linear.smallTileFloats / cols))
            workers.split(rows, grain: 8) { wk, r in
                var r0 = r.lowerBound
                while r0 < r.upperBound {
                    let m = min(tr, r.upperBound - r0)
                    let tile: UnsafePointer<Float>
                    if w.type == .f32 {
                        tile = w.row(r0).assumingMemoryBound(to: Float.self)
                    } else {
                        for i in 0..<m { dequantizeRow(w.type, w.row(r0 + i), scratch[wk] + i * cols, cols) }
                        tile = UnsafePointer(scratch[wk])
                    }
                    for t in 0..<n {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(cols), 1, tile, Int32(cols),
                                    xr + t * cols, 1, 0, y + t * rows + r0, 1)
                    }
                    r0 += m
                }
            }
            return
        }
        if w.type == .f32 {
            let a = w.base.assumingMemoryBound(to: Float.self)
            workers.split(rows, grain: 16) { _, r in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(r.count), Int32(cols), 1,
                            xr, Int32(cols), a + r.lowerBound * cols, Int32(cols), 0, y + r.lowerBound, Int32(rows))
            }
            return
        }
        let tr = tileRows(cols)
        workers.split(rows, grain: 16) { wk, r in
            let tile = scratch[wk]
            var r0 = r.lowerBound
            while r0 < r.upperBound {
                let m = min(tr, r.upperBound - r0)
                for i in 0..<m { dequantizeRow(w.type, w.row(r0 + i), tile + i * cols, cols) }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(cols), 1,
                            xr, Int32(cols), tile, Int32(cols), 0, y + r0, Int32(rows))
                r0 += m
            }
        }
    }

    /// The activations as the weight type's product sees them: `x` itself for F32, else rounded into scratch.
    private func prepare(_ type: GGMLType, _ x: UnsafePointer<Float>, _ n: Int, _ cols: Int) -> UnsafePointer<Float> {
        guard roundsActivations(type) else { return x }
        precondition(n * cols <= roundedCapacity, "Linear: batch larger than planned")
        let k = kind(type, integer: false)
        if preparedKind.map({ $0 != (k, cols, n) }) ?? true {
            for t in 0..<n { roundActivations(for: type, x + t * cols, rounded + t * cols, cols) }
            preparedKind = (k, cols, n)
        }
        return UnsafePointer(rounded)
    }
}
