/// Integer dot products of quantized weight rows with quantized activations, as llama.cpp's
/// CPU backend computes them (ggml-cpu `ggml_vec_dot_*`): activations are quantized once per
/// product to the weight type's `vec_dot_type` (Q8_0 for Q4_0/Q8_0, Q8_K for K-quants), each
/// block's products are summed exactly in integers and scaled in float. Used for one-token
/// products (decode), where reading and decoding the weights is the whole cost.

/// Activations quantized for integer dots: `qs` int8 values, one float scale per block
/// (32 values for Q8_0, 256 for Q8_K) and, for Q8_K, sums of each 16 values (`bsums`).
struct QuantizedActivations {
    let qs: UnsafeMutablePointer<Int8>
    let d: UnsafeMutablePointer<Float>
    let bsums: UnsafeMutablePointer<Int32>

    init(capacity n: Int) {
        qs = .allocate(capacity: max(n, 1))
        d = .allocate(capacity: max(n / 32, 1))
        bsums = .allocate(capacity: max(n / 16, 1))
    }

    func deallocate() { qs.deallocate(); d.deallocate(); bsums.deallocate() }

    /// x86 `quantize_row_q8_0`: d = max|x|/127 (kept as its f16 value), q = round-half-even(x·127/max|x|).
    func quantizeQ8_0(_ x: UnsafePointer<Float>, _ n: Int) {
        for b in 0..<n / 32 {
            let xb = x + 32 * b, q = qs + 32 * b
            let amax = maxAbs(xb, 32)
            d[b] = f16(floatToHalfBits(amax / 127))
            let id: Float = amax != 0 ? 127 / amax : 0
            for i in 0..<32 { q[i] = Int8(roundEven(xb[i] * id)) }
        }
    }

    /// `quantize_row_q8_K_ref`: iscale = −127/(the value of largest magnitude), q = min(127, round(iscale·x)),
    /// d = 1/iscale, plus the sum of each 16 values.
    func quantizeQ8_K(_ x: UnsafePointer<Float>, _ n: Int) {
        for b in 0..<n / 256 {
            let xb = x + 256 * b, q = qs + 256 * b
            let (amax, mx) = signedMaxAbs(xb, 256)
            if amax == 0 {
                d[b] = 0
                for i in 0..<256 { q[i] = 0 }
            } else {
                let iscale = -127 / mx
                d[b] = 1 / iscale
                for i in 0..<256 { q[i] = Int8(min(127, roundEven(iscale * xb[i]))) }
            }
            for j in 0..<16 {
                var s: Int32 = 0
                for i in 0..<16 { s &+= Int32(q[16 * j + i]) }
                bsums[16 * b + j] = s
            }
        }
    }
}

/// Whether one-token products use `dotRow` for this weight type. (For Q8_0, dequantized tiles
/// through sgemv are faster while the weights sit in cache, 8 vs 6.4 G weights/s, but slower
/// streaming a model from memory: 49 vs 62 tok/s on the Q8_0 bench model.)
func hasIntegerDot(_ type: GGMLType) -> Bool {
    switch type {
    case .q8_0, .q4_0, .q4_K, .q5_K, .q6_K: return true
    default: return false
    }
}

/// Σ over 32 values of a[i]·b[i], int8 × int8 in integers.
@inline(__always) private func dot32(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>) -> Int32 {
    var s: Int32 = 0
    for i in 0..<32 { s &+= Int32(Int16(a[i]) &* Int16(b[i])) }
    return s
}

/// Dot product of one weight row of `n` values with quantized activations.
@inline(__always) func dotRow(_ type: GGMLType, _ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    switch type {
    case .q8_0: return dotQ8_0(row, a, n)
    case .q4_0: return dotQ4_0(row, a, n)
    case .q4_K: return dotQ4_K(row, a, n)
    case .q5_K: return dotQ5_K(row, a, n)
    case .q6_K: return dotQ6_K(row, a, n)
    default: preconditionFailure("dotRow: no integer kernel for \(type.name)")
    }
}

@inline(__always) private func half(_ p: UnsafeRawPointer, _ off: Int) -> Float { f16(p.loadUnaligned(fromByteOffset: off, as: UInt16.self)) }

/// Q8_0 · Q8_0 (ggml_vec_dot_q8_0_q8_0): Σ_blocks (d_w·d_a)·Σ q_w·q_a.
func dotQ8_0(_ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    var sum: Float = 0
    for b in 0..<n / 32 {
        let blk = row + 34 * b
        let s = dot32((blk + 2).assumingMemoryBound(to: Int8.self), a.qs + 32 * b)
        sum += half(blk, 0) * a.d[b] * Float(s)
    }
    return sum
}

/// Q4_0 · Q8_0 (ggml_vec_dot_q4_0_q8_0): weights are nibbles − 8.
func dotQ4_0(_ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    var sum: Float = 0
    for b in 0..<n / 32 {
        let blk = row + 18 * b
        let q = (blk + 2).assumingMemoryBound(to: UInt8.self), y = a.qs + 32 * b
        // |(q−8)·y| ≤ 8·127, so 16-bit sums of 16 products cannot overflow (and vectorize 8-wide).
        var s0: Int16 = 0, s1: Int16 = 0
        for i in 0..<16 {
            s0 &+= (Int16(q[i] & 0xF) &- 8) &* Int16(y[i])
            s1 &+= (Int16(q[i] >> 4) &- 8) &* Int16(y[i + 16])
        }
        sum += half(blk, 0) * a.d[b] * Float(Int32(s0) &+ Int32(s1))
    }
    return sum
}

/// The eight 6-bit (scale, min) pairs of a Q4_K/Q5_K block as integers.
@inline(__always) private func scalesMinsK4(_ s: UnsafePointer<UInt8>, _ sc: inout (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32), _ mn: inout (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)) {
    withUnsafeMutableBytes(of: &sc) { scp in
        withUnsafeMutableBytes(of: &mn) { mnp in
            let S = scp.bindMemory(to: Int32.self), M = mnp.bindMemory(to: Int32.self)
            for j in 0..<4 { S[j] = Int32(s[j] & 63); M[j] = Int32(s[j + 4] & 63) }
            for j in 4..<8 {
                S[j] = Int32((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4))
                M[j] = Int32((s[j + 4] >> 4) | ((s[j] >> 6) << 4))
            }
        }
    }
}

/// Q4_K · Q8_K (ggml_vec_dot_q4_K_q8_K): d_a·d_w·Σ_j sc_j·Σ q·y − d_a·dmin_w·Σ_j m_j·bsum_j.
func dotQ4_K(_ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    var sum: Float = 0
    var sc = (Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0)), mn = sc
    for b in 0..<n / 256 {
        let blk = row + 144 * b
        scalesMinsK4((blk + 4).assumingMemoryBound(to: UInt8.self), &sc, &mn)
        let qs = (blk + 16).assumingMemoryBound(to: UInt8.self), y = a.qs + 256 * b, bs = a.bsums + 16 * b
        var sumi: Int32 = 0, summ: Int32 = 0
        withUnsafeBytes(of: &sc) { scp in withUnsafeBytes(of: &mn) { mnp in
            let S = scp.bindMemory(to: Int32.self), M = mnp.bindMemory(to: Int32.self)
            for j in 0..<4 {
                let q = qs + 32 * j, y0 = y + 64 * j, y1 = y0 + 32
                // q·y ≤ 15·127: 16-bit sums of 16 products cannot overflow.
                var l0: Int16 = 0, l1: Int16 = 0, h0: Int16 = 0, h1: Int16 = 0
                for i in 0..<16 {
                    l0 &+= Int16(q[i] & 0xF) &* Int16(y0[i])
                    l1 &+= Int16(q[i + 16] & 0xF) &* Int16(y0[i + 16])
                    h0 &+= Int16(q[i] >> 4) &* Int16(y1[i])
                    h1 &+= Int16(q[i + 16] >> 4) &* Int16(y1[i + 16])
                }
                sumi &+= S[2 * j] &* (Int32(l0) &+ Int32(l1)) &+ S[2 * j + 1] &* (Int32(h0) &+ Int32(h1))
            }
            for j in 0..<8 { summ &+= M[j] &* (bs[2 * j] &+ bs[2 * j + 1]) }
        } }
        let dy = a.d[b]
        sum += dy * half(blk, 0) * Float(sumi) - dy * half(blk, 2) * Float(summ)
    }
    return sum
}

/// Q5_K · Q8_K: as Q4_K with a fifth bit from `qh`.
func dotQ5_K(_ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    var sum: Float = 0
    var sc = (Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0), Int32(0)), mn = sc
    for b in 0..<n / 256 {
        let blk = row + 176 * b
        scalesMinsK4((blk + 4).assumingMemoryBound(to: UInt8.self), &sc, &mn)
        let qh = (blk + 16).assumingMemoryBound(to: UInt8.self)
        let qs = (blk + 48).assumingMemoryBound(to: UInt8.self), y = a.qs + 256 * b, bs = a.bsums + 16 * b
        var sumi: Int32 = 0, summ: Int32 = 0
        withUnsafeBytes(of: &sc) { scp in withUnsafeBytes(of: &mn) { mnp in
            let S = scp.bindMemory(to: Int32.self), M = mnp.bindMemory(to: Int32.self)
            for j in 0..<4 {
                let q = qs + 32 * j, y0 = y + 64 * j, y1 = y0 + 32
                let s1 = UInt8(2 * j), s2 = UInt8(2 * j + 1)
                // q·y ≤ 31·127: 16-bit sums of 8 products cannot overflow.
                var lo: Int32 = 0, hi: Int32 = 0
                for g in 0..<4 {
                    var l: Int16 = 0, u: Int16 = 0
                    for i in 8 * g..<8 * g + 8 {
                        let h = qh[i]
                        l &+= Int16((q[i] & 0xF) | (((h >> s1) & 1) << 4)) &* Int16(y0[i])
                        u &+= Int16((q[i] >> 4) | (((h >> s2) & 1) << 4)) &* Int16(y1[i])
                    }
                    lo &+= Int32(l); hi &+= Int32(u)
                }
                sumi &+= S[2 * j] &* lo &+ S[2 * j + 1] &* hi
            }
            for j in 0..<8 { summ &+= M[j] &* (bs[2 * j] &+ bs[2 * j + 1]) }
        } }
        let dy = a.d[b]
        sum += dy * half(blk, 0) * Float(sumi) - dy * half(blk, 2) * Float(summ)
    }
    return sum
}

/// Q6_K · Q8_K (ggml_vec_dot_q6_K_q8_K): d_w·d_a·Σ_j sc_j·Σ (q−32)·y over 16 groups of 16.
func dotQ6_K(_ row: UnsafeRawPointer, _ a: QuantizedActivations, _ n: Int) -> Float {
    var sum: Float = 0
    for b in 0..<n / 256 {
        let blk = row + 210 * b
        let y = a.qs + 256 * b
        var sumi: Int32 = 0
        for h in 0..<2 {
            let ql = (blk + 64 * h).assumingMemoryBound(to: UInt8.self)
            let qh = (blk + 128 + 32 * h).assumingMemoryBound(to: UInt8.self)
            let sc = (blk + 192 + 8 * h).assumingMemoryBound(to: Int8.self)
            let yh = y + 128 * h
            for g in 0..<2 {   // l in 16g..<16g+16 shares scales sc[g], sc[g+2], sc[g+4], sc[g+6]
                // |(q−32)·y| ≤ 32·127: 16-bit sums of 8 products cannot overflow.
                var s1: Int32 = 0, s2: Int32 = 0, s3: Int32 = 0, s4: Int32 = 0
                for k in 0..<2 {
                    var t1: Int16 = 0, t2: Int16 = 0, t3: Int16 = 0, t4: Int16 = 0
                    for l in 16 * g + 8 * k..<16 * g + 8 * k + 8 {
                        let hb = qh[l]
                        let q1 = Int16(ql[l] & 0xF | (hb & 3) << 4) &- 32
                        let q2 = Int16(ql[l + 32] & 0xF | ((hb >> 2) & 3) << 4) &- 32
                        let q3 = Int16(ql[l] >> 4 | ((hb >> 4) & 3) << 4) &- 32
                        let q4 = Int16(ql[l + 32] >> 4 | ((hb >> 6) & 3) << 4) &- 32
                        t1 &+= q1 &* Int16(yh[l])
                        t2 &+= q2 &* Int16(yh[l + 32])
                        t3 &+= q3 &* Int16(yh[l + 64])
                        t4 &+= q4 &* Int16(yh[l + 96])
                    }
                    s1 &+= Int32(t1); s2 &+= Int32(t2); s3 &+= Int32(t3); s4 &+= Int32(t4)
                }
                sumi &+= Int32(sc[g]) &* s1 &+ Int32(sc[g + 2]) &* s2 &+ Int32(sc[g + 4]) &* s3 &+ Int32(sc[g + 6]) &* s4
            }
        }
        sum += half(blk, 208) * a.d[b] * Float(sumi)
    }
    return sum
}
