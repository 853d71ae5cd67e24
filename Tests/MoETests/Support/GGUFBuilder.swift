import Foundation
@testable import MoE

/// Writes small GGUF v3 images in memory for tests (layout as in GGUF spec / ggml gguf.cpp).
struct GGUFBuilder {
    enum KV { case u32(UInt32), i32(Int32), f32(Float), bool(Bool), str(String), strs([String]), i32s([Int32]), f32s([Float]), u8(UInt8), u64(UInt64), f64(Double) }
    var kvs: [(String, KV)] = []
    var tensors: [(name: String, shape: [Int], type: GGMLType, data: [UInt8])] = []
    var alignment = 32

    mutating func add(_ key: String, _ v: KV) { kvs.append((key, v)) }
    mutating func tensor(_ name: String, _ shape: [Int], f32 values: [Float]) {
        var d = [UInt8](); d.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        tensors.append((name, shape, .f32, d))
    }
    mutating func tensor(_ name: String, _ shape: [Int], type: GGMLType, bytes: [UInt8]) {
        tensors.append((name, shape, type, bytes))
    }

    func build() -> [UInt8] {
        var o = [UInt8]()
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { o.append(contentsOf: $0) } }
        func str(_ s: String) { put(UInt64(s.utf8.count)); o.append(contentsOf: s.utf8) }
        put(UInt32(0x4655_4747)); put(UInt32(3)); put(Int64(tensors.count)); put(Int64(kvs.count))
        for (k, v) in kvs {
            str(k)
            switch v {
            case .u8(let x): put(UInt32(0)); put(x)
            case .u32(let x): put(UInt32(4)); put(x)
            case .i32(let x): put(UInt32(5)); put(x)
            case .f32(let x): put(UInt32(6)); put(x.bitPattern)
            case .bool(let x): put(UInt32(7)); put(UInt8(x ? 1 : 0))
            case .str(let x): put(UInt32(8)); str(x)
            case .u64(let x): put(UInt32(10)); put(x)
            case .f64(let x): put(UInt32(12)); put(x.bitPattern)
            case .strs(let xs): put(UInt32(9)); put(UInt32(8)); put(UInt64(xs.count)); xs.forEach(str)
            case .i32s(let xs): put(UInt32(9)); put(UInt32(5)); put(UInt64(xs.count)); xs.forEach { put($0) }
            case .f32s(let xs): put(UInt32(9)); put(UInt32(6)); put(UInt64(xs.count)); xs.forEach { put($0.bitPattern) }
            }
        }
        var off = 0
        var offsets: [Int] = []
        for t in tensors {
            str(t.name); put(UInt32(t.shape.count)); t.shape.forEach { put(Int64($0)) }
            put(t.type.rawValue); put(UInt64(off))
            offsets.append(off)
            off = (off + t.data.count + alignment - 1) / alignment * alignment
        }
        while o.count % alignment != 0 { o.append(0) }
        let start = o.count
        for (i, t) in tensors.enumerated() {
            while o.count < start + offsets[i] { o.append(0) }
            o.append(contentsOf: t.data)
        }
        return o
    }

    /// Writes the image to a fresh temporary file and returns its path.
    func write(_ bytes: [UInt8]? = nil) throws -> String { try TempFile.write(bytes ?? build()) }
}

enum TempFile {
    static let dir: String = {
        let d = NSTemporaryDirectory() + "moe-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()
    nonisolated(unsafe) static var counter = 0
    static let lock = NSLock()
    static func write(_ bytes: [UInt8]) throws -> String {
        lock.lock(); counter += 1; let n = counter; lock.unlock()
        let p = dir + "/f\(n).gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// A small deterministic generator (SplitMix64) for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
