import CKernels
import Foundation
import Testing
@testable import MoE

/// The AVX-512 dense product (`DenseGEMM`, `ck_gemm`) against a double-precision sum of the same
/// values: F32 and F16 weights, sizes that leave partial tiles and panels, partial 16-wide steps,
/// several K blocks and several workers.
@Suite struct DenseGEMMTests {
    /// Deterministic values in [−1, 1).
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: s >> 11) % (1 << 20)) / Float(1 << 20)
        }
    }

    @Test(arguments: [(577, 13, 588), (7, 9, 20), (1, 1, 5), (13, 70, 1600), (12, 8, 5632), (6, 4, 16)])
    func matchesDoubleSums(_ size: (Int, Int, Int)) throws {
        guard DenseGEMM.supported else { return }   // no AVX-512 here: the vision tower uses Linear
        let (n, rows, cols) = size
        let x = Self.values(n * cols, seed: 1)
        for type in [GGMLType.f32, .f16] {
            let w32 = Self.values(rows * cols, seed: 2)
            let bits = w32.map(floatToHalfBits)
            let w = type == .f16 ? bits.map(f16) : w32   // the values the kernel sees
            // Bytes of the weights as the file holds them, and the output.
            let raw: [UInt8] = type == .f16 ? bits.withUnsafeBytes { Array($0) } : w32.withUnsafeBytes { Array($0) }
            let y = UnsafeMutablePointer<Float>.allocate(capacity: n * rows)
            defer { y.deallocate() }
            for threads in [1, 2] {
                y.initialize(repeating: .nan, count: n * rows)
                raw.withUnsafeBytes { wp in
                    x.withUnsafeBufferPointer { xp in
                        DenseGEMM.product(Matrix(base: wp.baseAddress!, type: type, cols: cols, rows: rows), xp.baseAddress!, n, y,
                                          workers: Workers(threads: threads))
                    }
                }
                var worst = 0.0
                for t in 0..<n {
                    for r in 0..<rows {
                        var s = 0.0, mag = 0.0
                        for k in 0..<cols { let p = Double(x[t * cols + k]) * Double(w[r * cols + k]); s += p; mag += abs(p) }
                        worst = max(worst, abs(Double(y[t * rows + r]) - s) / max(mag, 1e-30))
                    }
                }
                // Sums run in order over k in float: within k·2⁻²⁴ of the magnitude (the textbook bound).
                #expect(worst < max(1e-6, Double(cols) * 6e-8), "\(type) \(size) threads \(threads): relative error \(worst)")
            }
        }
    }
}

/// The AVX-512 softmax and GELU (`ck_softmax_rows`, `ck_gelu`) against double-precision formulas.
@Suite struct VectorMathTests {
    @Test func geluMatchesErfc() {
        guard DenseGEMM.supported else { return }
        var x: [Float] = stride(from: Float(-12), to: 12, by: 1.0 / 1024).map { $0 }
        x += [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 0.49999997, -0.49999997, 60, -60]
        var y = x
        ck_gelu(&y, Int32(y.count))
        var worst = 0.0
        for (v, g) in zip(x, y) {
            let exact = 0.5 * Double(v) * erfc(-Double(v) / 2.0.squareRoot())
            // Relative where the value is not tiny; absolute (against float's resolution of x) below.
            worst = max(worst, abs(Double(g) - exact) / max(abs(exact), 1e-6))
        }
        #expect(worst < 3e-6, "GELU relative error \(worst)")
    }

    @Test func softmaxMatchesDoubleSums() {
        guard DenseGEMM.supported else { return }
        for n in [1, 5, 16, 577] {
            let rows = 3, scale: Float = 0.106
            var x = DenseGEMMTests.values(rows * n, seed: UInt64(n)).map { $0 * 40 }
            let original = x
            ck_softmax_rows(&x, Int32(rows), Int32(n), n, scale)
            for r in 0..<rows {
                let row = original[r * n..<(r + 1) * n].map { Double($0) * Double(scale) }
                let m = row.max()!, sum = row.reduce(0) { $0 + exp($1 - m) }
                for i in 0..<n {
                    let exact = exp(row[i] - m) / sum
                    #expect(abs(Double(x[r * n + i]) - exact) <= 4e-7 * max(exact, 1e-6), "n \(n) row \(r) item \(i)")
                }
            }
        }
    }
}

/// `ck_gemm_nn` (attention's Q·Kᵀ and P·V) against double sums, with strides wider than the rows and
/// column counts that leave partial vectors; columns past `n` are left alone.
@Suite struct DenseGEMMNNTests {
    @Test(arguments: [(577, 577, 88), (577, 88, 577), (7, 5, 3), (13, 130, 17), (1, 16, 1), (6, 64, 2)])
    func matchesDoubleSums(_ size: (Int, Int, Int)) {
        guard DenseGEMM.supported else { return }
        let (m, n, k) = size
        let lda = k + 3, ldb = n + 5, ldc = n + 2
        let a = DenseGEMMTests.values(m * lda, seed: 3), b = DenseGEMMTests.values(k * ldb, seed: 4)
        var c = [Float](repeating: 7, count: m * ldc)
        ck_gemm_nn(Int32(m), Int32(n), Int32(k), a, lda, b, ldb, &c, ldc)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<ldc {
                if j >= n { #expect(c[i * ldc + j] == 7); continue }
                var s = 0.0, mag = 0.0
                for p in 0..<k { let q = Double(a[i * lda + p]) * Double(b[p * ldb + j]); s += q; mag += abs(q) }
                worst = max(worst, abs(Double(c[i * ldc + j]) - s) / max(mag, 1e-30))
            }
        }
        // Sums run in order over k in float: within k·2⁻²⁴ of the magnitude (the textbook bound).
        #expect(worst < max(1e-6, Double(k) * 6e-8), "\(size): relative error \(worst)")
    }
}
