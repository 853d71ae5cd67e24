import CKernels

/// Integer dot products of quantized weight rows with quantized activations, as llama.cpp's
/// CPU backend computes them (ggml-cpu `ggml_vec_dot_*`): activations are quantized once per
/// product to the weight type's `vec_dot_type` (Q8_0 for Q4_0/Q8_0, Q8_K for K-quants), each
/// block's products are summed exactly in integers and scaled in float. The dot products
/// themselves are C (`Sources/CKernels`: AVX-512 VNNI, AVX2 or portable, chosen at run time).
/// Used for small batches (decode), where reading and decoding the weights is the whole cost.

/// Activations quantized for integer dots: `qs` int8 values, one float scale per block
/// (32 values for Q8_0, 256 for Q8_K) and, for Q8_K, sums of each 16 values (`bsums`).
struct QuantizedActivations {
    let qs: UnsafeMutablePointer<Int8>
    let d: UnsafeMutablePointer<Float>
    let bsums: UnsafeMutablePointer<Int16>

    init(capacity n: Int) {
        qs = .allocate(capacity: max(n, 1))
        d = .allocate(capacity: max(n / 32, 1))
        bsums = .allocate(capacity: max(n / 16, 1))
    }

    func deallocate() { qs.deallocate(); d.deallocate(); bsums.deallocate() }

    /// The activations of token `t` in a buffer holding tokens of `cols` values each.
    func token(_ t: Int, cols: Int) -> QuantizedActivations {
        QuantizedActivations(qs: qs + t * cols, d: d + t * (cols / 32), bsums: bsums + t * (cols / 16))
    }

    private init(qs: UnsafeMutablePointer<Int8>, d: UnsafeMutablePointer<Float>, bsums: UnsafeMutablePointer<Int16>) {
        self.qs = qs; self.d = d; self.bsums = bsums
    }

    /// The C kernels' view.
    var c: ck_act { ck_act(qs: qs, d: d, bsums: bsums) }

    /// x86 `quantize_row_q8_0` (C, `ck_quantize_q8_0`): d = max|x|/127 (kept as its f16 value),
    /// q = round-half-even(x·127/max|x|).
    func quantizeQ8_0(_ x: UnsafePointer<Float>, _ n: Int) { ck_quantize_q8_0(x, Int32(n), qs, d) }

    /// `quantize_row_q8_K_ref` (C, `ck_quantize_q8_K`): iscale = −127/(the value of largest
    /// magnitude), q = min(127, round(iscale·x)), d = 1/iscale, plus the sum of each 16 values.
    func quantizeQ8_K(_ x: UnsafePointer<Float>, _ n: Int) { ck_quantize_q8_K(x, Int32(n), qs, d, bsums) }
}

/// Whether small-batch products use the integer kernels (`dotRow`, `dotRows`) for this weight type.
func hasIntegerDot(_ type: GGMLType) -> Bool {
    switch type {
    case .q8_0, .q4_0, .q4_K, .q5_K, .q6_K: return true
    default: return false
    }
}

/// Dot product of one weight row of `n` values with quantized activations.
@inline(__always) func dotRow(_ type: GGMLType, _ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    precondition(hasIntegerDot(type), "dotRow: no integer kernel for \(type.name)")
    return ck_dot(Int32(type.rawValue), row, a.c, Int32(n))
}

/// y[t·yStride + r] = row r of `w` · token t, for rows `rows` and `tokens` tokens (`acts[t]`):
/// each row is read from memory once and run against every token while it sits in L1.
@inline(__always) func dotRows(_ w: Matrix, _ rows: Range<Int>, _ acts: UnsafePointer<ck_act>, _ tokens: Int,
                               _ y: UnsafeMutablePointer<Float>, yStride: Int) {
    ck_dot_rows(Int32(w.type.rawValue), w.row(rows.lowerBound), w.rowBytes, Int32(rows.count), Int32(w.cols),
                acts, Int32(tokens), y + rows.lowerBound, yStride)
}

/// The integer kernels' instruction set in use: "avx512vnni", "avx2" or "portable".
public var integerKernelVariant: String { String(cString: ck_variant()) }

/// Makes the integer kernels use one instruction-set variant ("avx512vnni", "avx2", "portable")
/// if this CPU has it (tests compare the variants); returns whether it does.
@discardableResult func selectIntegerKernels(_ name: String) -> Bool { ck_select(name) != 0 }
