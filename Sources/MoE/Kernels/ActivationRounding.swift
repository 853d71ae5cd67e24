/// Rounds activations the way llama.cpp's CPU backend does before a product with a weight type.
///
/// ggml-cpu converts the float input of a matmul to the weight type's `vec_dot_type` first:
/// F16 → f16, BF16 → bf16, Q4_0/Q8_0 → Q8_0 (x86 `quantize_row_q8_0`: d = max|x|/127 stored as
/// f16, q = round-half-even(x·127/max)), K-quants → Q8_K (`quantize_row_q8_K_ref`: per 256,
/// iscale = −127/x_at_max|x|, q = min(127, round-half-even(iscale·x)), d = 1/iscale in f32).
/// Doing the same (quantize, then dequantize to float) makes our logits track llama.cpp's on
/// quantized files to float-summation noise instead of quantization noise.
func roundActivations(for type: GGMLType, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    switch type {
    case .f16: for i in 0..<n { out[i] = f16(floatToHalfBits(x[i])) }
    case .bf16: for i in 0..<n { out[i] = bf16(floatToBF16Bits(x[i])) }
    case .q8_0, .q4_0:
        for b in stride(from: 0, to: n - 31, by: 32) {
            let xb = x + b, ob = out + b
            let amax = maxAbs(xb, 32)
            let d = f16(floatToHalfBits(amax / 127))
            let id: Float = amax != 0 ? 127 / amax : 0
            for i in 0..<32 { ob[i] = d * roundEven(xb[i] * id) }
        }
    case .q4_K, .q5_K, .q6_K:
        for b in stride(from: 0, to: n - 255, by: 256) {
            let xb = x + b, ob = out + b
            let (amax, mx) = signedMaxAbs(xb, 256)
            if amax == 0 {
                ob.update(repeating: 0, count: 256)
            } else {
                let iscale = -127 / mx
                let d = 1 / iscale
                for i in 0..<256 { ob[i] = d * min(127, roundEven(iscale * xb[i])) }
            }
        }
    default: if UnsafePointer(out) != x { out.update(from: x, count: n) }
    }
}

/// Whether `roundActivations` changes values for this weight type.
func roundsActivations(_ type: GGMLType) -> Bool { type != .f32 }

/// Round half to even for |v| < 2²² (ggml's `nearest_int` trick: adding 1.5·2²³ leaves no
/// fraction bits), branch-free so loops vectorize; `rounded(.toNearestOrEven)` is a libm call
/// on baseline x86-64.
@inline(__always) func roundEven(_ v: Float) -> Float { (v + 12_582_912) - 12_582_912 }

/// max |x[i]| over n values (vectorizable).
@inline(__always) func maxAbs(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m: Float = 0
    for i in 0..<n { m = max(m, abs(x[i])) }
    return m
}

/// (max |x|, the first x with that magnitude), as quantize_row_q8_K_ref picks it.
@inline(__always) func signedMaxAbs(_ x: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
    let m = maxAbs(x, n)
    for i in 0..<n where abs(x[i]) == m { return (m, x[i]) }
    return (m, 0)
}
