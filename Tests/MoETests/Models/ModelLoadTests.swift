import Foundation
import Testing
@testable import MoE

/// Loading hostile or incomplete model files: always a `GGUFError` naming the problem, never a crash.
@Suite struct ModelLoadTests {
    static let fixture = "llama4-k.q4_k_m"

    /// The fixture rebuilt with `edit` applied to its metadata and tensor list.
    static func rebuilt(_ edit: (inout [(String, GGUFValue)], inout [(GGUFTensorInfo, [UInt8])]) -> Void) throws -> String {
        let f = try GGUFFile(path: Reference.modelPath(fixture))
        var kvs = f.metadataKeys.map { ($0, f.metadata[$0]!) }
        var ts = f.tensorNames.map { n -> (GGUFTensorInfo, [UInt8]) in
            let t = f.tensors[n]!
            return (t, Array(UnsafeRawBufferPointer(start: f.pointer(to: t), count: t.byteCount)))
        }
        edit(&kvs, &ts)
        return try TempFile.write(GGUFWriter.image(kvs, ts))
    }

    @Test func fixtureRoundTripsThroughWriter() throws {
        let path = try Self.rebuilt { _, _ in }
        let a = try Model.load(path: path), b = try Model.load(path: Reference.modelPath(Self.fixture))
        let x = try a.makeSession(maxTokens: 8).prefill([1, 2, 3])[0], y = try b.makeSession(maxTokens: 8).prefill([1, 2, 3])[0]
        #expect(x == y)
    }

    @Test func missingTensorIsNamed() throws {
        let path = try Self.rebuilt { _, ts in ts.removeAll { $0.0.name == "blk.1.ffn_up_shexp.weight" } }
        let e = #expect(throws: GGUFError.self) { try Model.load(path: path) }
        #expect(e?.message.contains("blk.1.ffn_up_shexp.weight") == true, "\(e?.message ?? "")")
    }

    @Test func wrongShapeIsNamed() throws {
        let path = try Self.rebuilt { _, ts in
            let i = ts.firstIndex { $0.0.name == "blk.0.attn_norm.weight" }!
            let t = ts[i].0
            ts[i] = (GGUFTensorInfo(name: t.name, shape: [t.shape[0] / 2, 2], type: t.type, fileOffset: 0, byteCount: t.byteCount), ts[i].1)
        }
        let e = #expect(throws: GGUFError.self) { try Model.load(path: path) }
        #expect(e?.message.contains("blk.0.attn_norm.weight") == true, "\(e?.message ?? "")")
    }

    @Test func missingOrBadKeysAreNamed() throws {
        for (key, value) in [("llama4.embedding_length", nil), ("llama4.attention.head_count_kv", GGUFValue.uint32(3)),
                             ("llama4.expert_used_count", .uint32(9)), ("llama4.block_count", .string("four")),
                             ("general.architecture", .string("gpt2"))] as [(String, GGUFValue?)] {
            let path = try Self.rebuilt { kvs, _ in
                kvs.removeAll { $0.0 == key }
                if let value { kvs.append((key, value)) }
            }
            let e = #expect(throws: GGUFError.self) { try Model.load(path: path) }
            #expect(e?.message.contains(key) == true || e?.message.contains("gpt2") == true, "\(key): \(e?.message ?? "")")
        }
    }

    @Test func unsupportedTensorTypeIsNamed() throws {
        let path = try Self.rebuilt { _, ts in
            let i = ts.firstIndex { $0.0.name == "blk.0.attn_q.weight" }!
            let t = ts[i].0
            // A type the engine has no kernel for (Q4_1), with data of the right size.
            let rows = t.shape.dropFirst().reduce(1, *), bytes = GGMLType.q4_1.rowBytes(t.shape[0])! * rows
            ts[i] = (GGUFTensorInfo(name: t.name, shape: t.shape, type: .q4_1, fileOffset: 0, byteCount: bytes), [UInt8](repeating: 0, count: bytes))
        }
        let e = #expect(throws: GGUFError.self) { try Model.load(path: path) }
        #expect(e?.message.contains("blk.0.attn_q.weight") == true && e?.message.contains("Q4_1") == true, "\(e?.message ?? "")")
    }

    @Test func truncatedModelsThrow() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Reference.modelPath(Self.fixture))))
        var rng = SplitMix64(seed: 11)
        for _ in 0..<60 {
            let n = Int.random(in: 0..<bytes.count, using: &rng)
            let path = try TempFile.write(Array(bytes[0..<n]))
            #expect(throws: GGUFError.self) { try Model.load(path: path) }
        }
    }

    @Test func corruptHeadersNeverCrash() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Reference.modelPath(Self.fixture))))
        let header = try GGUFFile(path: Reference.modelPath(Self.fixture)).dataOffset
        var rng = SplitMix64(seed: 12)
        var loaded = 0, rejected = 0
        for _ in 0..<150 {
            var b = bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                b[Int.random(in: 0..<header, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let m = try Model.load(path: try TempFile.write(b))
                loaded += 1
                _ = try m.makeSession(maxTokens: 4).prefill([0, 0])   // whatever loads must also run
            } catch is GGUFError {
                rejected += 1
            }
        }
        #expect(loaded + rejected == 150)
    }
}

/// Serializes metadata and tensors as a GGUF v3 image (for rebuilding fixtures with edits).
enum GGUFWriter {
    static func image(_ kvs: [(String, GGUFValue)], _ tensors: [(GGUFTensorInfo, [UInt8])], alignment: Int = 32) -> [UInt8] {
        var o = [UInt8]()
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { o.append(contentsOf: $0) } }
        func str(_ s: String) { put(UInt64(s.utf8.count)); o.append(contentsOf: s.utf8) }
        func typeOf(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .uint8: 0; case .int8: 1; case .uint16: 2; case .int16: 3; case .uint32: 4; case .int32: 5
            case .float32: 6; case .bool: 7; case .string: 8; case .array: 9; case .uint64: 10; case .int64: 11; case .float64: 12
            }
        }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): put(x)
            case .int8(let x): put(x)
            case .uint16(let x): put(x)
            case .int16(let x): put(x)
            case .uint32(let x): put(x)
            case .int32(let x): put(x)
            case .float32(let x): put(x.bitPattern)
            case .bool(let x): put(UInt8(x ? 1 : 0))
            case .string(let s): str(s)
            case .uint64(let x): put(x)
            case .int64(let x): put(x)
            case .float64(let x): put(x.bitPattern)
            case .array(let a):
                put(a.first.map(typeOf) ?? 4); put(UInt64(a.count)); a.forEach(value)
            }
        }
        put(UInt32(0x4655_4747)); put(UInt32(3)); put(Int64(tensors.count)); put(Int64(kvs.count))
        for (k, v) in kvs { str(k); put(typeOf(v)); value(v) }
        var off = 0
        var offsets: [Int] = []
        for (t, data) in tensors {
            str(t.name); put(UInt32(t.shape.count)); t.shape.forEach { put(Int64($0)) }
            put(t.type.rawValue); put(UInt64(off))
            offsets.append(off)
            off = (off + data.count + alignment - 1) / alignment * alignment
        }
        while o.count % alignment != 0 { o.append(0) }
        let start = o.count
        for (i, (_, data)) in tensors.enumerated() {
            while o.count < start + offsets[i] { o.append(0) }
            o.append(contentsOf: data)
        }
        return o
    }
}
