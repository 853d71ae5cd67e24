/// IEEE half and bfloat16 conversions, done with bit operations so they need no F16C.

/// All 65536 half values as floats: a table beats per-value conversion on baseline x86-64.
let halfToFloatTable: UnsafeMutablePointer<Float> = {
    let t = UnsafeMutablePointer<Float>.allocate(capacity: 65536)
    for h in 0..<65536 { t[h] = halfBitsToFloat(UInt16(h)) }
    return t
}()

/// Converts half bits to a float exactly (subnormals, infinities and NaN included).
func halfBitsToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F)
    var mant = UInt32(h & 0x3FF)
    if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    if exp == 0 {
        if mant == 0 { return Float(bitPattern: sign) }
        var e = -14
        while mant & 0x400 == 0 { mant <<= 1; e -= 1 }
        mant &= 0x3FF
        return Float(bitPattern: sign | UInt32(e + 127) << 23 | (mant << 13))
    }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
}

/// Half bits to float through the table.
@inline(__always) func f16(_ h: UInt16) -> Float { halfToFloatTable[Int(h)] }

/// Rounds a float to the nearest half (ties to even), returning the bits (as F16C's vcvtps2ph).
func floatToHalfBits(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    let sign = UInt16((x >> 16) & 0x8000)
    let exp = Int((x >> 23) & 0xFF)
    let mant = x & 0x7F_FFFF
    if exp == 0xFF { return sign | 0x7C00 | (mant != 0 ? 0x200 : 0) }
    let e = exp - 127 + 15
    if e >= 0x1F { return sign | 0x7C00 }
    if e <= 0 {
        if e < -10 { return sign }
        let m = mant | 0x80_0000
        let shift = UInt32(14 - e)
        var r = m >> shift
        let rem = m & ((1 << shift) - 1), half = UInt32(1) << (shift - 1)
        if rem > half || (rem == half && r & 1 == 1) { r += 1 }
        return sign | UInt16(r)
    }
    var r = UInt32(e) << 10 | (mant >> 13)
    let rem = mant & 0x1FFF
    if rem > 0x1000 || (rem == 0x1000 && r & 1 == 1) { r += 1 }
    return sign | UInt16(r)
}

/// Bfloat16 bits to float.
@inline(__always) func bf16(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

/// Rounds a float to the nearest bfloat16 (ties to even; NaN kept quiet), as ggml_compute_fp32_to_bf16.
func floatToBF16Bits(_ f: Float) -> UInt16 {
    let u = f.bitPattern
    if u & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(u >> 16) | 64 }
    return UInt16((u &+ (0x7FFF &+ ((u >> 16) & 1))) >> 16)
}
