import Foundation
import Testing
@testable import MoE

/// Seeded property tests: hostile input never crashes, and valid text round-trips.
@Suite("Tokenizer fuzz")
struct TokenizerFuzzTests {
    static let vocabularies = ["llama-bpe", "llama-spm", "qwen2", "gpt-2", "llama4-regex"]

    /// The named fixture; "llama4-regex" is the Llama 3 vocabulary under the GPT-4o
    /// pre-tokenizer (exercises that splitter on a real vocabulary).
    static func tokenizer(_ name: String) throws -> Tokenizer {
        guard name == "llama4-regex" else { return try VocabFixtures.tokenizer(name) }
        var spec = try TokenizerSpec(gguf: VocabFixtures.openGGUF(VocabFixtures.path("llama-bpe")))
        spec.pre = "llama4"
        return try Tokenizer(spec: spec)
    }

    /// Code points from the ranges that stress the splitters: ASCII, Latin-1, combining marks,
    /// Cyrillic, CJK, Hangul, emoji, odd spaces, controls, private use.
    static func randomScalar(_ rng: inout Xoshiro256) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x80...0xFF, 0x300...0x36F, 0x400...0x4FF,
            0x4E00...0x9FFF, 0xAC00...0xD7A3, 0x1F300...0x1FAFF, 0x2000...0x206F, 0xE000...0xE0FF, 0x10000...0x10FFFF,
        ]
        let r = ranges[Int(rng.next() % UInt64(ranges.count))]
        let v = r.lowerBound + UInt32(rng.next() % UInt64(r.count))
        return Unicode.Scalar(v) ?? "?"
    }

    static func randomText(_ rng: inout Xoshiro256) -> String {
        let fragments = [" ", "  ", "\n", "\r\n", "\t", "'s", "'LL", "123456", "<|eot_id|>", "<s>", "▁", "ÉAB", "Hello"]
        var s = ""
        for _ in 0..<Int(rng.next() % 40) {
            if rng.next() % 4 == 0 {
                s += fragments[Int(rng.next() % UInt64(fragments.count))]
            } else {
                s.unicodeScalars.append(randomScalar(&rng))
            }
        }
        return s
    }

    @Test("random text never crashes and round-trips", arguments: vocabularies)
    func randomUnicode(_ name: String) throws {
        let t = try TokenizerFuzzTests.tokenizer(name)
        var rng = Xoshiro256(seed: 0xC0FFEE)
        for _ in 0..<500 {
            let text = TokenizerFuzzTests.randomText(&rng)
            let parseSpecial = rng.next() % 2 == 0
            let ids = t.encode(text, addSpecial: rng.next() % 2 == 0, parseSpecial: parseSpecial)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabularySize })
            // Without special parsing, byte-level BPE and SentencePiece's byte fallback lose
            // nothing: decoding gives the text back, up to clean_spaces and U+2581.
            let plain = t.encode(text, addSpecial: false)
            var want = text
            if t.model == .sentencePiece {
                want = String(String.UnicodeScalarView(want.unicodeScalars.map { $0 == "\u{2581}" ? " " : $0 }))
            }
            if t.cleanSpaces { want = String(decoding: Tokenizer.cleanUpSpaces(Array(want.utf8)), as: UTF8.self) }
            #expect(t.decode(plain) == want, "\(name): \(text.debugDescription)")
        }
    }

    @Test("random bytes never crash", arguments: vocabularies)
    func randomBytes(_ name: String) throws {
        let t = try TokenizerFuzzTests.tokenizer(name)
        var rng = Xoshiro256(seed: 0xBADBEEF)
        for _ in 0..<500 {
            let bytes = (0..<Int(rng.next() % 48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let ids = bytes.withUnsafeBufferPointer { t.encode(utf8: $0, addSpecial: true, parseSpecial: true) }
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabularySize })
            _ = t.decode(ids)
        }
    }

    @Test("decoding random ids never crashes", arguments: vocabularies)
    func randomIDs(_ name: String) throws {
        let t = try TokenizerFuzzTests.tokenizer(name)
        var rng = Xoshiro256(seed: 99)
        for _ in 0..<100 {
            let ids = (0..<Int(rng.next() % 32)).map { _ -> Int32 in
                rng.next() % 10 == 0 ? Int32(truncatingIfNeeded: rng.next()) : Int32(rng.next() % UInt64(t.vocabularySize))
            }
            _ = t.decode(ids)
            _ = t.decode(ids, special: false)
            var d = StreamingDetokenizer(tokenizer: t, special: true)
            let streamed = d.append(contentsOf: ids) + d.finish()
            #expect(streamed.utf8.count >= 0)
        }
    }

    @Test("a long run without spaces tokenizes and round-trips", arguments: ["llama-bpe", "llama-spm"])
    func longWord(_ name: String) throws {
        let t = try TokenizerFuzzTests.tokenizer(name)
        let text = String(repeating: "abcdefghij", count: 300)
        #expect(t.decode(t.encode(text, addSpecial: false)) == text)
    }

    @Test("concurrent encoding gives the serial results")
    func concurrent() async throws {
        let t = try VocabFixtures.tokenizer("qwen2")
        var rng = Xoshiro256(seed: 5)
        let texts = (0..<64).map { _ in TokenizerFuzzTests.randomText(&rng) }
        let serial = texts.map { t.encode($0) }
        let parallel = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for (i, text) in texts.enumerated() { group.addTask { (i, t.encode(text)) } }
            var out = [[Int32]](repeating: [], count: texts.count)
            for await (i, ids) in group { out[i] = ids }
            return out
        }
        #expect(parallel == serial)
    }
}
