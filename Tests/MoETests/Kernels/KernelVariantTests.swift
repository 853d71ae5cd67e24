import CKernels
import Testing
@testable import MoE

/// Every integer-kernel variant this CPU has (AVX-512 VNNI, AVX2, portable C) against the float dot
/// of dequantized weights and rounded activations, one token and several at once (19: two full
/// chunks of the multi-token kernels and a partial one), and each variant's activation quantizer
/// against `roundActivations`.
@Suite(.serialized) struct KernelVariantTests {
    @Test(arguments: ["portable", "avx2", "avx512vnni"])
    func variantMatchesFloatDot(_ variant: String) throws {
        let best = integerKernelVariant
        guard selectIntegerKernels(variant) else { return }   // the CPU lacks it
        defer { selectIntegerKernels(best) }
        let x = QuantTests.floats("x.f32")
        for type in [GGMLType.q8_0, .q4_0, .q4_K, .q5_K, .q6_K] {
            let m = QuantTests.matrix(type), cols = m.cols, tokens = 19
            let a = QuantizedActivations(capacity: cols * tokens)
            defer { a.deallocate() }
            // x, x scaled by −0.5, x reversed, then x rotated and scaled.
            var xs: [[Float]] = [x, x.map { -0.5 * $0 }, x.reversed()]
            for t in 3..<tokens { xs.append((0..<x.count).map { x[($0 + 7 * t) % x.count] * Float(t) / 8 }) }
            for t in 0..<tokens { xs[t] = Array(xs[t].prefix(cols)) }
            var acts: [ck_act] = []
            for t in 0..<tokens {
                let at = a.token(t, cols: cols)
                xs[t].withUnsafeBufferPointer { if type.blockSize == 32 { at.quantizeQ8_0($0.baseAddress!, cols) } else { at.quantizeQ8_K($0.baseAddress!, cols) } }
                acts.append(at.c)
            }
            var y = [Float](repeating: 0, count: tokens * m.rows)
            acts.withUnsafeBufferPointer { ap in
                y.withUnsafeMutableBufferPointer { dotRows(m, 0..<m.rows, ap.baseAddress!, tokens, $0.baseAddress!, yStride: m.rows) }
            }
            var w = [Float](repeating: 0, count: cols), xr = [Float](repeating: 0, count: cols)
            for t in 0..<tokens {
                xs[t].withUnsafeBufferPointer { xp in xr.withUnsafeMutableBufferPointer { roundActivations(for: type, xp.baseAddress!, $0.baseAddress!, cols) } }
                let at = a.token(t, cols: cols), block = type.blockSize
                for i in 0..<cols where at.d[i / block] * Float(at.qs[i]) != xr[i] {
                    Issue.record("\(variant) \(type.name) token \(t): activation [\(i)] \(at.d[i / block] * Float(at.qs[i])) vs \(xr[i])")
                    break
                }
                if block == 256 {
                    for j in 0..<cols / 16 { #expect(Int32(at.bsums[j]) == (0..<16).reduce(Int32(0)) { $0 + Int32(at.qs[16 * j + $1]) }) }
                }
                for r in 0..<m.rows {
                    w.withUnsafeMutableBufferPointer { dequantizeRow(type, m.row(r), $0.baseAddress!, cols) }
                    let expected = (0..<cols).reduce(0.0) { $0 + Double(w[$1]) * Double(xr[$1]) }
                    let single = dotRow(type, m.row(r), a.token(t, cols: cols), cols)
                    #expect(abs(Double(single) - expected) <= 1e-4 * max(1, abs(expected)), "\(variant) \(type.name) row \(r) token \(t)")
                    #expect(abs(y[t * m.rows + r] - single) <= 1e-5 * max(1, abs(single)), "\(variant) \(type.name) rows×tokens, row \(r) token \(t)")
                }
            }
        }
    }
}
