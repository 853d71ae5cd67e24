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
        var b = 0
        while b + 32 <= n {
            var amax: Float = 0
            for i in b..<b + 32 { amax = max(amax, abs(x[i])) }
            let d = f16(floatToHalfBits(amax / 127))
            let id: Float = amax != 0 ? 127 / amax : 0
            for i in b..<b + 32 { out[i] = d * (x[i] * id).rounded(.toNearestOrEven) }
            b += 32
        }
    case .q4_K, .q5_K, .q6_K:
        var b = 0
        while b + 256 <= n {
            var amax: Float = 0, mx: Float = 0
            for i in b..<b + 256 where abs(x[i]) > amax { amax = abs(x[i]); mx = x[i] }
            if amax == 0 {
                for i in b..<b + 256 { out[i] = 0 }
            } else {
                let iscale = -127 / mx
                let d = 1 / iscale
                for i in b..<b + 256 { out[i] = d * min(127, (iscale * x[i]).rounded(.toNearestOrEven)) }
            }
            b += 256
        }
    default: if UnsafePointer(out) != x { out.update(from: x, count: n) }
    }
}

/// Whether `roundActivations` changes values for this weight type.
func roundsActivations(_ type: GGMLType) -> Bool { type != .f32 }
