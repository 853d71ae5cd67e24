import Foundation
import CBLAS

/// Element-wise and row operations of the forward pass, written to follow ggml-cpu's arithmetic
/// (double accumulators where ggml uses `ggml_float`) so F32 logits agree to ~1e-6.

/// out = x / sqrt(mean(x²) + eps) · w (w nil: weightless, ggml_rms_norm alone). In-place allowed.
func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>, _ n: Int, eps: Float) {
    var sum: Double = 0
    for i in 0..<n { sum += Double(x[i] * x[i]) }
    let scale = 1 / (Float(sum / Double(n)) + eps).squareRoot()
    if let w {
        for i in 0..<n { out[i] = x[i] * scale * w[i] }
    } else {
        for i in 0..<n { out[i] = x[i] * scale }
    }
}

/// In-place softmax of `x[0..<n]` (max-subtracted, double sum as ggml_vec_soft_max_f32).
func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var mx = -Float.infinity
    for i in 0..<n { mx = max(mx, x[i]) }
    var sum: Double = 0
    for i in 0..<n { let e = expf(x[i] - mx); x[i] = e; sum += Double(e) }
    let inv = Float(1 / sum)
    for i in 0..<n { x[i] *= inv }
}

/// In-place softmax of `scale·x[0..<n]` (ggml_soft_max_ext with a scale and no mask), in two
/// passes: scaling is monotonic for scale > 0, so max(scale·x) = scale·max(x) exactly.
func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float) {
    var mx = -Float.infinity
    for i in 0..<n where x[i] > mx { mx = x[i] }
    let ms = mx * scale
    var sum: Double = 0
    for i in 0..<n { let e = expf(x[i] * scale - ms); x[i] = e; sum += Double(e) }
    cblas_sscal(Int32(n), Float(1 / sum), x, 1)
}

/// SiLU x·σ(x).
@inline(__always) func silu(_ x: Float) -> Float { x / (1 + expf(-x)) }

/// Logistic sigmoid.
@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// gate[i] = silu(gate[i]) · up[i] (ggml_swiglu_split).
func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
    for i in 0..<n { gate[i] = silu(gate[i]) * up[i] }
}

/// Dot product of two float vectors (BLAS-free, small sizes: attention over a head).
@inline(__always) func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 16 <= n {
        s0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        s1 += ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
        i += 16
    }
    var s = (s0 + s1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y[i] += a · x[i].
@inline(__always) func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { y[i] += a * x[i] }
}

/// Rotary position embedding (ggml_rope_ext without YaRN), applied in place to `heads` heads.
///
/// Angles as ggml's rope cache: θ₀ = pos, θᵢ₊₁ = θᵢ·base^(−2/rotDim) (accumulated in float),
/// each divided by `freqFactors[i]` when present (Llama 3/4 `rope_freqs`) and multiplied by
/// `freqScale`. NORM rotates adjacent pairs (2i, 2i+1); NEOX rotates (i, i+rotDim/2).
/// Dimensions past `rotDim` are left alone.
struct Rope {
    let rotDim: Int
    let base: Float
    let freqScale: Float
    let neox: Bool
    let freqFactors: [Float]?

    /// Fills `cache` (rotDim floats: cos, sin pairs) for one position.
    func fillCache(position: Int, _ cache: UnsafeMutablePointer<Float>) {
        let thetaScale = powf(base, -2 / Float(rotDim))
        var theta = Float(position)
        for i in 0..<rotDim / 2 {
            let ff = freqFactors?[i] ?? 1
            let t = freqScale * (theta / ff)
            cache[2 * i] = cosf(t)
            cache[2 * i + 1] = sinf(t)
            theta *= thetaScale
        }
    }

    /// Rotates `heads` consecutive heads of `headDim` at `x` using a filled cache.
    func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cache: UnsafePointer<Float>) {
        let half = rotDim / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let c = cache[2 * i], s = cache[2 * i + 1]
                let (a, b) = neox ? (i, i + half) : (2 * i, 2 * i + 1)
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
            }
        }
    }
}
