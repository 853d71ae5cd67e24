import Testing
@testable import MoE

@Suite("Tokenizer streaming detokenizer")
struct TokenizerStreamingTests {
    /// Streams `ids` one at a time; returns the chunks.
    func stream(_ t: Tokenizer, _ ids: [Int32], special: Bool = false) -> (chunks: [String], tail: String) {
        var d = StreamingDetokenizer(tokenizer: t, special: special)
        let chunks = ids.map { d.append($0) }
        return (chunks, d.finish())
    }

    @Test("an emoji split across byte-level BPE tokens comes out whole")
    func emojiAcrossTokens() throws {
        let t = try VocabFixtures.tokenizer("llama-bpe")
        let ids: [Int32] = [420, 374, 11410, 99, 247, 13, 11055] // " this is 🦙.cpp" (llama.cpp's vector)
        let (chunks, tail) = stream(t, ids)
        #expect(chunks.joined() == " this is 🦙.cpp")
        #expect(tail.isEmpty)
        #expect(chunks.allSatisfy { !$0.contains("\u{FFFD}") })
        #expect(chunks[3].isEmpty) // the second of three tokens holding 🦙's bytes
        #expect(chunks[4] == "🦙")
    }

    @Test("CJK and emoji text streams to the same text as decode", arguments: ["llama-bpe", "qwen2", "gpt-2", "llama-spm"])
    func cjk(_ name: String) throws {
        let t = try VocabFixtures.tokenizer(name)
        let text = "我想在apple工作1314151天～ 🚀 (normal) 😶‍🌫️ ✅ нещо на Български"
        let ids = t.encode(text, addSpecial: false)
        let (chunks, tail) = stream(t, ids)
        #expect(tail.isEmpty)
        #expect(chunks.allSatisfy { !$0.contains("\u{FFFD}") })
        let expected = String(decoding: ids.flatMap { t.tokenPiece($0, special: false) }, as: UTF8.self)
        #expect(chunks.joined() == expected)
        #expect(chunks.joined().contains("我想在apple工作"))
    }

    @Test("SentencePiece byte-fallback tokens are held until the character completes")
    func byteFallback() throws {
        let t = try VocabFixtures.tokenizer("llama-spm")
        let ids = t.encode("𝄞", addSpecial: false)
        let (chunks, tail) = stream(t, ids)
        #expect(chunks.joined() == " 𝄞")
        #expect(chunks.last == "𝄞")
        #expect(tail.isEmpty)
    }

    @Test("control tokens are dropped unless special")
    func controlTokens() throws {
        let t = try VocabFixtures.tokenizer("llama-bpe")
        let eot = try #require(t.tokenID(forText: "<|eot_id|>"))
        #expect(stream(t, [9906, eot]).chunks.joined() == "Hello")
        #expect(stream(t, [9906, eot], special: true).chunks.joined() == "Hello<|eot_id|>")
    }

    @Test("incomplete tails are held, invalid bytes are not")
    func completePrefix() {
        #expect(StreamingDetokenizer.completePrefixLength([0x61, 0xF0, 0x9F]) == 1)
        #expect(StreamingDetokenizer.completePrefixLength([0x61, 0xF0, 0x9F, 0xA6, 0x99]) == 5)
        #expect(StreamingDetokenizer.completePrefixLength([0xE4, 0xB8]) == 0)
        #expect(StreamingDetokenizer.completePrefixLength([0x61, 0xFF]) == 2)      // invalid lead
        #expect(StreamingDetokenizer.completePrefixLength([0x80, 0x80, 0x80, 0x80]) == 4) // stray continuations
        #expect(StreamingDetokenizer.completePrefixLength([0xE0, 0x80]) == 2)      // overlong: never valid
        #expect(StreamingDetokenizer.completePrefixLength([]) == 0)
    }

    @Test("finish flushes an unfinished character as U+FFFD")
    func finish() throws {
        let t = try VocabFixtures.tokenizer("llama-bpe")
        var d = StreamingDetokenizer(tokenizer: t)
        #expect(d.append(11410).hasPrefix(" ")) // " " + first bytes of 🦙
        #expect(d.hasPendingBytes)
        #expect(d.finish().contains("\u{FFFD}"))
        #expect(!d.hasPendingBytes)
    }
}
