/// Dequantization of one row for each supported ggml type.
///
/// Block layouts from ggml-common.h; formulas as ggml-quants.c `dequantize_row_*`
/// (re-derived, not copied). All loads are unaligned-safe: rows live inside an mmap at
/// arbitrary byte offsets.

/// Writes `n` floats decoded from `src` (a row of `type`) to `dst`. `n` must be whole blocks.
func dequantizeRow(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    switch type {
    case .f32: dst.update(from: src.assumingMemoryBound(to: Float.self), count: n)
    case .f16: for i in 0..<n { dst[i] = f16(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
    case .bf16: for i in 0..<n { dst[i] = bf16(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
    case .q8_0: for b in 0..<n / 32 { dequantQ8_0(src + 34 * b, dst + 32 * b) }
    case .q4_0: for b in 0..<n / 32 { dequantQ4_0(src + 18 * b, dst + 32 * b) }
    case .q4_K: for b in 0..<n / 256 { dequantQ4_K(src + 144 * b, dst + 256 * b) }
    case .q5_K: for b in 0..<n / 256 { dequantQ5_K(src + 176 * b, dst + 256 * b) }
    case .q6_K: for b in 0..<n / 256 { dequantQ6_K(src + 210 * b, dst + 256 * b) }
    default: preconditionFailure("dequantizeRow: unsupported type \(type.name) (rejected at load)")
    }
}

@inline(__always) private func u16(_ p: UnsafeRawPointer, _ off: Int) -> UInt16 { p.loadUnaligned(fromByteOffset: off, as: UInt16.self) }

/// Q8_0: `f16 d; i8 q[32]`, x = d·q.
@inline(__always) func dequantQ8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = f16(u16(b, 0))
    let q = (b + 2).assumingMemoryBound(to: Int8.self)
    for i in 0..<32 { y[i] = d * Float(q[i]) }
}

/// Q4_0: `f16 d; u8 qs[16]`; low nibbles are values 0–15, high nibbles 16–31; x = d·(q−8).
@inline(__always) func dequantQ4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = f16(u16(b, 0))
    let q = (b + 2).assumingMemoryBound(to: UInt8.self)
    for i in 0..<16 {
        y[i] = d * Float(Int(q[i] & 0xF) - 8)
        y[i + 16] = d * Float(Int(q[i] >> 4) - 8)
    }
}

/// The j-th 6-bit (scale, min) pair of a Q4_K/Q5_K `scales[12]` (ggml-quants.c get_scale_min_k4).
@inline(__always) func scaleMinK4(_ j: Int, _ s: UnsafePointer<UInt8>) -> (Float, Float) {
    if j < 4 { return (Float(s[j] & 63), Float(s[j + 4] & 63)) }
    let sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4)
    let m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
    return (Float(sc), Float(m))
}

/// Q4_K: `f16 d, f16 dmin, u8 scales[12], u8 qs[128]`; 8 sub-blocks of 32, x = d·sc·q − dmin·m.
@inline(__always) func dequantQ4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = f16(u16(b, 0)), dmin = f16(u16(b, 2))
    let sc = (b + 4).assumingMemoryBound(to: UInt8.self)
    let qs = (b + 16).assumingMemoryBound(to: UInt8.self)
    for j in 0..<4 {
        let (s1, m1) = scaleMinK4(2 * j, sc), (s2, m2) = scaleMinK4(2 * j + 1, sc)
        let d1 = d * s1, o1 = dmin * m1, d2 = d * s2, o2 = dmin * m2
        let q = qs + 32 * j, out = y + 64 * j
        for l in 0..<32 {
            out[l] = d1 * Float(q[l] & 0xF) - o1
            out[l + 32] = d2 * Float(q[l] >> 4) - o2
        }
    }
}

/// Q5_K: `f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]`; the fifth bit comes from qh.
@inline(__always) func dequantQ5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = f16(u16(b, 0)), dmin = f16(u16(b, 2))
    let sc = (b + 4).assumingMemoryBound(to: UInt8.self)
    let qh = (b + 16).assumingMemoryBound(to: UInt8.self)
    let qs = (b + 48).assumingMemoryBound(to: UInt8.self)
    for j in 0..<4 {
        let (s1, m1) = scaleMinK4(2 * j, sc), (s2, m2) = scaleMinK4(2 * j + 1, sc)
        let d1 = d * s1, o1 = dmin * m1, d2 = d * s2, o2 = dmin * m2
        let u1 = UInt8(1) << (2 * j), u2 = UInt8(2) << (2 * j)
        let q = qs + 32 * j, out = y + 64 * j
        for l in 0..<32 {
            out[l] = d1 * Float((q[l] & 0xF) + (qh[l] & u1 != 0 ? 16 : 0)) - o1
            out[l + 32] = d2 * Float((q[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - o2
        }
    }
}

/// Q6_K: `u8 ql[128], u8 qh[64], i8 scales[16], f16 d`; 6-bit values minus 32, 16 sub-blocks of 16.
@inline(__always) func dequantQ6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = f16(b.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
    for half in 0..<2 {
        let ql = (b + 64 * half).assumingMemoryBound(to: UInt8.self)
        let qh = (b + 128 + 32 * half).assumingMemoryBound(to: UInt8.self)
        let sc = (b + 192 + 8 * half).assumingMemoryBound(to: Int8.self)
        let out = y + 128 * half
        for g in 0..<2 {   // l in 16g..<16g+16 share the scales sc[g], sc[g+2], sc[g+4], sc[g+6]
            let d1 = d * Float(sc[g]), d2 = d * Float(sc[g + 2]), d3 = d * Float(sc[g + 4]), d4 = d * Float(sc[g + 6])
            for l in 16 * g..<16 * g + 16 {
                let h = qh[l]
                out[l] = d1 * Float(Int32(ql[l] & 0xF | (h & 3) << 4) &- 32)
                out[l + 32] = d2 * Float(Int32(ql[l + 32] & 0xF | ((h >> 2) & 3) << 4) &- 32)
                out[l + 64] = d3 * Float(Int32(ql[l] >> 4 | ((h >> 4) & 3) << 4) &- 32)
                out[l + 96] = d4 * Float(Int32(ql[l + 32] >> 4 | ((h >> 6) & 3) << 4) &- 32)
            }
        }
    }
}
