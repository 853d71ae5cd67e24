import Foundation
import Testing
@testable import MoE

@Suite struct GGUFFileTests {
    static func sample() -> GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", .str("qwen3moe"))
        b.add("qwen3moe.block_count", .u32(2))
        b.add("qwen3moe.rope.freq_base", .f32(10000))
        b.add("some.f64", .f64(0.5))
        b.add("tokenizer.ggml.add_bos_token", .bool(false))
        b.add("tokenizer.ggml.tokens", .strs(["a", "b", "ü", ""]))
        b.add("tokenizer.ggml.token_type", .i32s([1, 1, 3, -1]))
        b.add("tokenizer.ggml.scores", .f32s([0, -1, -2.5, 3]))
        b.tensor("token_embd.weight", [4, 3], f32: (0..<12).map(Float.init))
        b.tensor("output_norm.weight", [4], f32: [1, 2, 3, 4])
        return b
    }

    @Test func readsMetadataAndTensors() throws {
        let f = try GGUFFile(path: try Self.sample().write())
        #expect(f.version == 3)
        #expect(f.string("general.architecture") == "qwen3moe")
        #expect(f.int("qwen3moe.block_count") == 2)
        #expect(f.float("qwen3moe.rope.freq_base") == 10000)
        #expect(f.float("some.f64") == 0.5)
        #expect(f.bool("tokenizer.ggml.add_bos_token") == false)
        #expect(f.strings("tokenizer.ggml.tokens") == ["a", "b", "ü", ""])
        #expect(f.ints("tokenizer.ggml.token_type") == [1, 1, 3, -1])
        #expect(f.floats("tokenizer.ggml.scores") == [0, -1, -2.5, 3])
        #expect(f.int("general.architecture") == nil)
        #expect(f.string("missing") == nil)
        #expect(f.tensorNames == ["token_embd.weight", "output_norm.weight"])
        let t = try #require(f.tensors["token_embd.weight"])
        #expect(t.shape == [4, 3] && t.type == .f32 && t.byteCount == 48)
        let p = f.pointer(to: t).assumingMemoryBound(to: Float.self)
        #expect((0..<12).map { p[$0] } == (0..<12).map(Float.init))
        #expect(f.pointer(to: f.tensors["output_norm.weight"]!).load(as: Float.self) == 1)
    }

    @Test func readsFileWrittenByPythonGGUF() throws {
        // Written by gguf-py's GGUFWriter (scripts/make_quant_vectors.py).
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/quant/quant_vectors.gguf")
        let f = try GGUFFile(path: url.path)
        #expect(f.string("general.architecture") == "quant-vectors")
        #expect(f.tensorNames.first == "F16")
        #expect(f.tensors["Q4_K"]?.shape == [512, 3])
        #expect(f.tensors["Q4_K"]?.byteCount == 3 * 2 * 144)
    }

    @Test func rejectsEveryTruncation() throws {
        let bytes = Self.sample().build()
        for n in 0..<bytes.count {
            let path = try TempFile.write(Array(bytes[0..<n]))
            #expect(throws: GGUFError.self) { try GGUFFile(path: path) }
        }
    }

    @Test func rejectsCorruptCountsAndOffsets() throws {
        let good = Self.sample().build()
        // Tensor count, KV count: absurd values.
        for (at, v) in [(8, UInt64.max), (8, 1 << 40), (16, UInt64.max), (16, 1 << 33)] {
            var b = good
            withUnsafeBytes(of: v.littleEndian) { for i in 0..<8 { b[at + i] = $0[i] } }
            #expect(throws: GGUFError.self) { try GGUFFile(path: try TempFile.write(b)) }
        }
        // A tensor whose data would run past the end.
        var big = GGUFBuilder()
        big.tensor("w", [4, 3], f32: [1, 2, 3])
        let e = #expect(throws: GGUFError.self) { try GGUFFile(path: try big.write()) }
        #expect(e?.message.contains("w") == true)
        // A misaligned tensor offset / a row that is not whole blocks / unknown type.
        var q = GGUFBuilder()
        q.tensor("q", [33], type: .q8_0, bytes: [UInt8](repeating: 0, count: 68))
        let e2 = #expect(throws: GGUFError.self) { try GGUFFile(path: try q.write()) }
        #expect(e2?.message.contains("q") == true)
        // Bad alignment key.
        var a = GGUFBuilder()
        a.add("general.alignment", .u32(3))
        #expect(throws: GGUFError.self) { try GGUFFile(path: try a.write()) }
    }

    @Test func randomCorruptionNeverCrashes() throws {
        var rng = SplitMix64(seed: 42)
        let good = Self.sample().build()
        var failures = 0
        for _ in 0..<400 {
            var b = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = UInt8.random(in: 0...255, using: &rng)
            }
            do { _ = try GGUFFile(path: try TempFile.write(b)) } catch is GGUFError { failures += 1 }
        }
        #expect(failures > 0)
        // Pure random bytes, sometimes behind a valid magic and version.
        for k in 0..<200 {
            var b = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if k % 2 == 0, b.count >= 8 { b.replaceSubrange(0..<8, with: [0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]) }
            #expect(throws: GGUFError.self) { try GGUFFile(path: try TempFile.write(b)) }
        }
    }

    @Test func tensorlessFileMayEndUnpadded() throws {
        // llama.cpp's vocab-only GGUFs end right after the metadata, without alignment padding.
        var b = GGUFBuilder()
        b.add("tokenizer.ggml.tokens", .strs(["a", "bc"]))
        var bytes = b.build()
        while bytes.last == 0 { bytes.removeLast() }
        #expect(bytes.count % 32 != 0)
        let f = try GGUFFile(path: try TempFile.write(bytes))
        #expect(f.strings("tokenizer.ggml.tokens") == ["a", "bc"] && f.tensors.isEmpty)
    }

    @Test func missingFileIsAnError() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/x.gguf") }
    }
}
