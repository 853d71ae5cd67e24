import Foundation
import Testing
@testable import MoE

/// The vision tower, projector and image prompt against `transformers`' Llama4ForConditionalGeneration
/// (tiny random weights, real 336/14 geometry; scripts/make_vision_reference.py), all F32.
@Suite struct VisionEncoderTests {
    /// Embeddings after the projector: max |Δ| ≤ 1e-5 (values are O(1); seen 5e-7: float32 sums in another order).
    @Test(arguments: ["one-tile", "multi-tile"])
    func embeddingsMatchReference(_ name: String) throws {
        let ref = try VisionReference.load(name)
        let enc = try VisionEncoder(mmproj: VisionReference.mmproj, threads: 2, maxTiles: ref.max_tiles)
        let emb = try enc.encode(image: try ImageDecoder.decode(try ref.imageData()))
        #expect([emb.embeddingCount, emb.width] == ref.embeddings_shape!)
        let d = maxAbsDiff(emb.values, ref.embeddings!)
        print("\(name): max |Δembedding| \(d)")
        #expect(d <= 1e-5)
    }

    /// The OpenBLAS path (`Linear`, scalar softmax), which CPUs without AVX-512 take, matches too.
    @Test func embeddingsMatchReferenceWithoutAVX512Kernels() throws {
        let ref = try VisionReference.load("one-tile")
        let enc = try VisionEncoder(mmproj: VisionReference.mmproj, threads: 2, maxTiles: ref.max_tiles)
        DenseGEMM.enabled = false
        defer { DenseGEMM.enabled = true }
        let emb = try enc.encode(image: try ImageDecoder.decode(try ref.imageData()))
        let d = maxAbsDiff(emb.values, ref.embeddings!)
        print("one-tile without the AVX-512 kernels: max |Δembedding| \(d)")
        #expect(d <= 1e-5)
    }

    /// Image token layout equals the processor's, and the logits after the image match: max |Δ| ≤ 1e-4 (seen 2e-6).
    @Test(arguments: ["one-tile", "multi-tile"])
    func logitsMatchReference(_ name: String) throws {
        let ref = try VisionReference.load(name)
        let model = try Model.load(path: VisionReference.textModel, threads: 2)
        let enc = try VisionEncoder(mmproj: VisionReference.mmproj, threads: 2, maxTiles: ref.max_tiles)
        let emb = try enc.encode(image: try ImageDecoder.decode(try ref.imageData()))
        let ids = try ImageTokenIDs(file: model.file)
        #expect(ref.prefix_ids! + ids.layout(emb) + ref.suffix_ids! == ref.input_ids!)
        #expect(ids.layout(emb).count == emb.tokenCount)
        #expect(enc.tokenCount(width: ref.width, height: ref.height) == emb.tokenCount)

        let session = model.makeSession(maxTokens: ref.input_ids!.count, batchSize: 128)
        let logits = try session.prefill([.tokens(ref.prefix_ids!), .image(emb), .tokens(ref.suffix_ids!)], allLogits: true)
        #expect(logits.count == ref.input_ids!.count)
        var worst: Float = 0
        for (k, p) in ref.logits_positions!.enumerated() {
            worst = max(worst, maxAbsDiff(logits[p], ref.logits![k]))
            #expect(argmax(logits[p]) == argmax(ref.logits![k]))
        }
        print("\(name): max |Δlogit| \(worst) over the last \(ref.logits_positions!.count) positions")
        #expect(worst <= 1e-4)
    }

    /// The image changes the logits (the embeddings are really used), and an embedding of the wrong width is refused.
    @Test func imageMattersAndWidthIsChecked() throws {
        let ref = try VisionReference.load("one-tile")
        let model = try Model.load(path: VisionReference.textModel)
        let enc = try VisionEncoder(mmproj: VisionReference.mmproj)
        let emb = try enc.encode(image: try ImageDecoder.decode(try ref.imageData()))
        let a = try model.makeSession(maxTokens: 512).prefill([.tokens(ref.prefix_ids!), .image(emb), .tokens(ref.suffix_ids!)])[0]
        let b = try model.makeSession(maxTokens: 512).prefill(ref.input_ids!)[0]
        #expect(maxAbsDiff(a, b) > 1e-3)
        let bad = ImageEmbedding(rows: 1, columns: 1, tileCount: 1, tokensPerTile: 144, width: 8, values: [Float](repeating: 0, count: 144 * 8))
        #expect(throws: SessionError.self) { try model.makeSession(maxTokens: 512).prefill([.image(bad)]) }
    }

    /// A rendered prompt with `<|image|>` placeholders becomes text, image, text segments.
    @Test func segmentsFromPlaceholders() throws {
        let model = try Model.load(path: VisionReference.textModel)
        let tok = try Tokenizer(gguf: model.file)
        let e = ImageEmbedding(rows: 1, columns: 1, tileCount: 1, tokensPerTile: 144, width: 64, values: [Float](repeating: 0, count: 144 * 64))
        let text = "<|header_start|>user<|header_end|>\n\n<|image|>What is it?<|eot|>"
        let segs = try PromptSegment.segments(text: text, images: [e], tokenizer: tok)
        #expect(segs.count == 3)
        guard case .tokens(let a) = segs[0], case .image = segs[1], case .tokens(let b) = segs[2] else {
            Issue.record("unexpected segments \(segs)"); return
        }
        #expect(a.first == tok.bosID)
        let whole = tok.encode(text, addSpecial: true, parseSpecial: true)
        let ids = try ImageTokenIDs(tokenizer: tok)
        #expect(a + [ids.image] + b == whole)  // the placeholder is where the image goes
        #expect(throws: SessionError.self) { try PromptSegment.segments(text: text, images: [], tokenizer: tok) }
        let session = model.makeSession(maxTokens: 256)
        _ = try session.prefill(segs)
        #expect(session.position == a.count + e.tokenCount + b.count)
    }

    @Test func cacheEvictsLeastRecentlyUsed() {
        let cache = ImageEmbeddingCache(capacity: 2)
        let e = ImageEmbedding(rows: 1, columns: 1, tileCount: 1, tokensPerTile: 1, width: 1, values: [1])
        var encodes = 0
        for key in ["a", "b", "a", "c", "a", "b"] {
            _ = cache.embedding(for: key) { encodes += 1; return e }
        }
        // a, b encoded; a hit; c evicts b; a hit; b encoded again (evicting c).
        #expect(encodes == 4)
        #expect(cache.count == 2)
        #expect(cache.get("c") == nil)
    }

    /// The fixture names block 0's second norm `attn_post_norm` (llama.cpp's converter today) and
    /// block 1's `ln2` (older files): both load as the pre-MLP LayerNorm (the embeddings above match).
    @Test func acceptsBothSecondNormNames() throws {
        let enc = try VisionEncoder(mmproj: VisionReference.mmproj)
        #expect(enc.file.tensors["v.blk.0.attn_post_norm.weight"] != nil)
        #expect(enc.file.tensors["v.blk.1.ln2.weight"] != nil)
        #expect(enc.config.blocks == 2)
    }

    @Test func rejectsNonVisionFiles() throws {
        #expect(throws: GGUFError.self) { try VisionEncoder(mmproj: VisionReference.textModel) }
    }
}
