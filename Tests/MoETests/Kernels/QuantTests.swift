import Foundation
import Testing
@testable import MoE

/// Dequantization against gguf-py (Fixtures/quant/quant_vectors.gguf, scripts/make_quant_vectors.py)
/// and the product kernels against dequantize-then-dot.
@Suite struct QuantTests {
    static let file: GGUFFile = {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/quant/quant_vectors.gguf")
        return try! GGUFFile(path: url.path)
    }()
    static let types: [GGMLType] = [.f16, .bf16, .q8_0, .q4_0, .q4_K, .q5_K, .q6_K]

    static func floats(_ name: String) -> [Float] {
        let t = file.tensors[name]!
        precondition(t.type == .f32)
        let p = file.pointer(to: t).assumingMemoryBound(to: Float.self)
        return Array(UnsafeBufferPointer(start: p, count: t.elementCount))
    }

    static func matrix(_ type: GGMLType) -> Matrix {
        let t = file.tensors[type.name]!
        return Matrix(base: file.pointer(to: t), type: t.type, cols: t.shape[0], rows: t.shape[1])
    }

    @Test(arguments: types)
    func dequantizeMatchesGGUFPy(_ type: GGMLType) {
        let m = Self.matrix(type)
        let expected = Self.floats(type.name + ".f32")
        var got = [Float](repeating: .nan, count: m.rows * m.cols)
        got.withUnsafeMutableBufferPointer { g in
            for r in 0..<m.rows { dequantizeRow(type, m.row(r), g.baseAddress! + r * m.cols, m.cols) }
        }
        var worst: Float = 0
        for i in expected.indices { worst = max(worst, abs(expected[i] - got[i]) / max(1, abs(expected[i]))) }
        #expect(worst <= 1e-6, "\(type.name): worst relative difference \(worst)")
    }

    @Test(arguments: types + [.f32])
    func productsMatchDequantizedDot(_ type: GGMLType) {
        let m: Matrix
        if type == .f32 {
            let t = Self.file.tensors["Q4_K.f32"]!
            m = Matrix(base: Self.file.pointer(to: t), type: .f32, cols: t.shape[0], rows: t.shape[1])
        } else {
            m = Self.matrix(type)
        }
        let cols = m.cols, rows = m.rows
        // Three activation rows: x, −x/2, x shifted.
        let x0 = Self.floats("x.f32")
        let xs = x0 + x0.map { -$0 / 2 } + x0.indices.map { x0[($0 + 7) % cols] }
        var xr = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in xr.withUnsafeMutableBufferPointer { o in
            for t in 0..<3 { roundActivations(for: type, x.baseAddress! + t * cols, o.baseAddress! + t * cols, cols) }
        } }
        var w = [Float](repeating: 0, count: rows * cols)
        w.withUnsafeMutableBufferPointer { g in for r in 0..<rows { dequantizeRow(type, m.row(r), g.baseAddress! + r * cols, cols) } }
        var expected = [Double](repeating: 0, count: 3 * rows)
        for t in 0..<3 { for r in 0..<rows {
            var s = 0.0
            for i in 0..<cols { s += Double(w[r * cols + i]) * Double(xr[t * cols + i]) }
            expected[t * rows + r] = s
        } }
        for threads in [1, 2] {
            let lin = Linear(workers: Workers(threads: threads), maxCols: cols, maxTokens: 3)
            var y = [Float](repeating: 0, count: 3 * rows)
            xs.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { yy in
                lin.matmul(m, x.baseAddress!, 3, yy.baseAddress!)
            } }
            var v = [Float](repeating: 0, count: rows)
            xs.withUnsafeBufferPointer { x in v.withUnsafeMutableBufferPointer { lin.matvec(m, x.baseAddress!, $0.baseAddress!) } }
            for i in 0..<3 * rows { #expect(abs(Double(y[i]) - expected[i]) <= 1e-4 * max(1, abs(expected[i])), "\(type.name) matmul [\(i)]") }
            for r in 0..<rows { #expect(abs(Double(v[r]) - expected[r]) <= 1e-4 * max(1, abs(expected[r])), "\(type.name) matvec [\(r)]") }
        }
    }

    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_K, .q5_K, .q6_K])
    func integerDotMatchesFloatDotOfRoundedActivations(_ type: GGMLType) {
        let m = Self.matrix(type), cols = m.cols
        let x = Self.floats("x.f32")
        let a = QuantizedActivations(capacity: cols)
        defer { a.deallocate() }
        x.withUnsafeBufferPointer { if type.blockSize == 32 { a.quantizeQ8_0($0.baseAddress!, cols) } else { a.quantizeQ8_K($0.baseAddress!, cols) } }
        // The integer activations, scaled, equal roundActivations' floats.
        var xr = [Float](repeating: 0, count: cols)
        x.withUnsafeBufferPointer { xp in xr.withUnsafeMutableBufferPointer { roundActivations(for: type, xp.baseAddress!, $0.baseAddress!, cols) } }
        let block = type.blockSize
        for i in 0..<cols { #expect(a.d[i / block] * Float(a.qs[i]) == xr[i], "\(type.name) activation [\(i)]") }
        if block == 256 {
            for j in 0..<cols / 16 { #expect(Int32(a.bsums[j]) == (0..<16).reduce(Int32(0)) { $0 + Int32(a.qs[16 * j + $1]) }) }
        }
        var w = [Float](repeating: 0, count: cols)
        for r in 0..<m.rows {
            w.withUnsafeMutableBufferPointer { dequantizeRow(type, m.row(r), $0.baseAddress!, cols) }
            let expected = (0..<cols).reduce(0.0) { $0 + Double(w[$1]) * Double(xr[$1]) }
            let got = dotRow(type, m.row(r), a, cols)
            #expect(abs(Double(got) - expected) <= 1e-4 * max(1, abs(expected)), "\(type.name) row \(r): \(got) vs \(expected)")
        }
    }

    @Test func activationRoundingIsBounded() {
        let x = Self.floats("x.f32")
        for type in Self.types {
            var r = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xp in r.withUnsafeMutableBufferPointer { roundActivations(for: type, xp.baseAddress!, $0.baseAddress!, x.count) } }
            let block = type.blockSize == 1 ? 1 : type.blockSize
            for b in stride(from: 0, to: x.count, by: block) {
                let amax = x[b..<b + block].map(abs).max()!
                let bound: Float = switch type {
                case .f16: amax / 1024
                case .bf16: amax / 128
                default: amax / 127 * 0.5 * 1.01 + 1e-6
                }
                for i in b..<b + block { #expect(abs(r[i] - x[i]) <= bound, "\(type.name) [\(i)]") }
            }
        }
    }

    @Test func halfConversionsMatchFloat16() {
        for h in 0..<65536 {
            let f = halfBitsToFloat(UInt16(h)), ref = Float(Float16(bitPattern: UInt16(h)))
            #expect(f.bitPattern == ref.bitPattern || (f.isNaN && ref.isNaN))
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if f.isNaN { continue }
            #expect(floatToHalfBits(f) == Float16(f).bitPattern, "\(f)")
        }
        #expect(floatToBF16Bits(1.00390625) == 0x3F80)   // tie → even
        #expect(floatToBF16Bits(1.01171875) == 0x3F82)   // tie → even (up)
    }
}
