import Testing
@testable import MoE

/// The AVX-512 dense product (`DenseGEMM`, `ck_gemm`) against a double-precision sum of the same
/// values: F32 and F16 weights, sizes that leave partial tiles, partial 16-wide steps, several
/// K blocks and several workers.
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
                #expect(worst < 1e-6, "\(type) \(size) threads \(threads): relative error \(worst)")
            }
        }
    }
}
