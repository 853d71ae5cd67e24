import CKernels

/// Dense products of F16 or F32 weights with float activations through the AVX-512 kernel in C
/// (`ck_gemm`, Sources/CKernels/gemm_avx512.c) where the CPU has it: the vision tower's path, as
/// OpenBLAS is pinned to its AVX2 kernels here. Activations stay float32 (not rounded to F16 as
/// `Linear` does to follow llama.cpp's text engine): the vision reference is Meta's float32 model.
enum DenseGEMM {
    /// Whether this CPU runs `ck_gemm` (and `ck_softmax_rows`).
    static let supported = ck_gemm_supported() != 0
    /// Off: callers take their OpenBLAS paths even where the CPU has AVX-512 (tests of those paths).
    nonisolated(unsafe) static var enabled = true
    /// Whether the AVX-512 kernels are in use.
    static var active: Bool { supported && enabled }

    /// Whether `product` takes `w` (F16 or F32, on a CPU with AVX-512).
    static func handles(_ w: Matrix) -> Bool { active && (w.type == .f16 || w.type == .f32) }

    /// Y[n × rows] = X[n × cols] · Wᵀ (rows of X and Y contiguous), the rows split over `workers`.
    static func product(_ w: Matrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>, workers: Workers) {
        precondition(supported && (w.type == .f16 || w.type == .f32), "DenseGEMM: \(w.type) weights or no AVX-512")
        let f16: Int32 = w.type == .f16 ? 1 : 0, cols = w.cols, rows = w.rows
        workers.split(rows, grain: 4) { _, r in
            ck_gemm(f16, w.row(r.lowerBound), cols, Int32(r.count), Int32(cols), x, cols, Int32(n), y + r.lowerBound, rows)
        }
    }
}
