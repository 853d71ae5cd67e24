import CKernels
import Testing
@testable import MoE

/// The C F32 kernel (`ck_f32_rows`, AVX-512) against double-precision sums, for one token (four
/// rows at a time plus leftovers), several (up to eight per pass) and more than eight (row groups
/// against token chunks), with row lengths that leave a partial 16-wide step.
@Suite struct F32KernelTests {
    @Test(arguments: [1, 3, 8, 11, 17])
    func matchesDoubleSums(_ tokens: Int) throws {
        guard Linear.hasF32Kernel else { return }   // no AVX-512: Linear uses BLAS
        for (rows, cols) in [(7, 37), (9, 64), (3, 1024)] {
            let w = (0..<rows * cols).map { Float(($0 * 7919) % 201 - 100) / 64 }
            let x = (0..<tokens * cols).map { Float(($0 * 104_729) % 197 - 98) / 32 }
            let yStride = rows + 2
            var y = [Float](repeating: .nan, count: tokens * yStride)
            let done = y.withUnsafeMutableBufferPointer { yp in
                ck_f32_rows(w, cols, Int32(rows), Int32(cols), x, cols, Int32(tokens), yp.baseAddress!, yStride)
            }
            #expect(done == 1)
            for t in 0..<tokens {
                for r in 0..<rows {
                    let expected = (0..<cols).reduce(0.0) { $0 + Double(w[r * cols + $1]) * Double(x[t * cols + $1]) }
                    #expect(abs(Double(y[t * yStride + r]) - expected) <= 1e-5 * max(1, abs(expected)), "\(rows)×\(cols), token \(t), row \(r)")
                }
                #expect(y[t * yStride + rows].isNaN, "wrote past the rows")
            }
        }
    }
}
