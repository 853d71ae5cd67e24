import Foundation
import Testing
@testable import MoE

/// llama.cpp's own tokenizer test vectors: every case must give exactly llama.cpp's ids.
@Suite("Tokenizer vectors")
struct TokenizerVectorTests {
    static let vocabularies = ["llama-bpe", "llama-spm", "qwen2", "gpt-2", "llama4"]

    @Test("vocab vectors match llama.cpp", arguments: vocabularies)
    func vectors(_ name: String) throws {
        guard VocabFixtures.exists(name) else { return } // llama4 arrives later
        let tokenizer = try VocabFixtures.tokenizer(name)
        let cases = try VocabFixtures.cases(name)
        #expect(cases.count >= 40)
        var failures: [String] = []
        for c in cases {
            let ids = tokenizer.encode(c.text, addSpecial: false, parseSpecial: false)
            if ids != c.ids { failures.append("\(c): got \(ids), want \(c.ids)") }
        }
        #expect(failures.isEmpty, "\(name): \(failures.count)/\(cases.count) cases differ:\n\(failures.joined(separator: "\n"))")
    }

    static let randomSets = ["llama-bpe", "llama-spm", "qwen2", "gpt-2", "llama-bpe-as-llama4", "gpt-2-as-default"]

    /// The fixture's tokenizer; "llama-bpe-as-llama4" is the Llama 3 vocabulary with
    /// `tokenizer.ggml.pre = llama4` (checks the GPT-4o splitter), "gpt-2-as-default" GPT-2's
    /// with `default`.
    static func tokenizer(_ name: String) throws -> Tokenizer {
        let patched = ["llama-bpe-as-llama4": ("llama-bpe", "llama4"), "gpt-2-as-default": ("gpt-2", "default")]
        guard let (base, pre) = patched[name] else { return try VocabFixtures.tokenizer(name) }
        var spec = try TokenizerSpec(gguf: VocabFixtures.openGGUF(VocabFixtures.path(base)))
        spec.pre = pre
        return try Tokenizer(spec: spec)
    }

    /// Random strings (odd scripts, marks, spaces, case runs, contractions) tokenized by llama.cpp
    /// 0c1e570 through llama-cpp-python: as text, and with special tokens parsed and BOS added.
    @Test("random strings match llama.cpp", arguments: randomSets)
    func randomVectors(_ name: String) throws {
        let tokenizer = try TokenizerVectorTests.tokenizer(name)
        for (set, special) in [("random", false), ("special", true)] {
            let cases = try VocabFixtures.cases(name, set: set)
            #expect(cases.count >= 100)
            var failures: [String] = []
            for c in cases {
                let ids = tokenizer.encode(c.text, addSpecial: special, parseSpecial: special)
                if ids != c.ids { failures.append("\(c): got \(ids), want \(c.ids)") }
            }
            #expect(failures.isEmpty, "\(name).\(set): \(failures.count)/\(cases.count) cases differ:\n\(failures.prefix(10).joined(separator: "\n"))")
            // Detokenizing llama.cpp's ids gives llama.cpp's bytes (clean_spaces, SentencePiece's
            // leading space, control tokens rendered).
            let detok = try VocabFixtures.detokenized(name, set: set)
            #expect(detok.count == cases.count)
            var decodeFailures: [String] = []
            for (c, want) in zip(cases, detok) where tokenizer.decodeBytes(c.ids) != want {
                decodeFailures.append("\(c): got \(tokenizer.decode(c.ids).debugDescription), want \(String(decoding: want, as: UTF8.self).debugDescription)")
            }
            #expect(decodeFailures.isEmpty, "\(name).\(set) decode: \(decodeFailures.count) differ:\n\(decodeFailures.prefix(10).joined(separator: "\n"))")
        }
    }

    @Test("the vocabularies load with llama.cpp's settings")
    func settings() throws {
        let bpe = try VocabFixtures.tokenizer("llama-bpe")
        #expect(bpe.model == .bytePairEncoding(.llama3))
        #expect(bpe.addBOS)
        #expect(bpe.bosID == bpe.tokenID(forText: "<|begin_of_text|>"))
        #expect(bpe.isEndOfGeneration(bpe.tokenID(forText: "<|eot_id|>")!))
        #expect(bpe.encode("Hello", addSpecial: true) == [bpe.bosID!, 9906])

        let spm = try VocabFixtures.tokenizer("llama-spm")
        #expect(spm.model == .sentencePiece)
        #expect(spm.bosID == 1 && spm.eosID == 2 && spm.unknownID == 0)
        #expect(spm.addBOS && spm.addSpacePrefix)

        let qwen = try VocabFixtures.tokenizer("qwen2")
        #expect(qwen.model == .bytePairEncoding(.qwen2))
        #expect(qwen.isEndOfGeneration(qwen.tokenID(forText: "<|im_end|>")!))
    }

    @Test("control tokens are text unless parseSpecial", arguments: ["llama-bpe", "qwen2"])
    func specialTokens(_ name: String) throws {
        let t = try VocabFixtures.tokenizer(name)
        let marker = name == "qwen2" ? "<|im_start|>" : "<|start_header_id|>"
        let id = try #require(t.tokenID(forText: marker))
        let parsed = t.encode("a\(marker)b", addSpecial: false, parseSpecial: true)
        #expect(parsed.contains(id))
        #expect(parsed == t.encode("a", addSpecial: false) + [id] + t.encode("b", addSpecial: false))
        #expect(!t.encode("a\(marker)b", addSpecial: false, parseSpecial: false).contains(id))
        #expect(t.decode(parsed) == "a\(marker)b")
        #expect(t.decode(parsed, special: false) == "ab")
    }

    @Test("SentencePiece prefixes a space after special tokens and drops the first on decode")
    func sentencePieceSpaces() throws {
        let t = try VocabFixtures.tokenizer("llama-spm")
        let ids = t.encode("<s>Hello</s> world", addSpecial: false, parseSpecial: true)
        #expect(ids.first == 1)
        #expect(ids.contains(2))
        #expect(t.decode(t.encode("Hello world", addSpecial: false)) == "Hello world")
        // Byte fallback for characters outside the vocabulary.
        let rare = t.encode("𝄞", addSpecial: false)
        #expect(rare.allSatisfy { t.attributes(of: $0).contains(.byte) || t.tokenPiece($0) == Array(" ".utf8) || !t.tokenPiece($0).isEmpty })
        #expect(t.decode(rare) == "𝄞")
    }

    @Test("decode(encode(x)) gives x back", arguments: ["llama-bpe", "llama-spm", "qwen2", "gpt-2", "llama4"])
    func roundTrip(_ name: String) throws {
        guard VocabFixtures.exists(name) else { return }
        let t = try VocabFixtures.tokenizer(name)
        var failures: [String] = []
        for c in try VocabFixtures.cases(name) {
            let back = t.decode(t.encode(c.text, addSpecial: false))
            // llama.cpp's own round trip differs only where clean_spaces rewrites text (" ," → ",").
            var want = c.text
            if t.cleanSpaces { want = String(decoding: Tokenizer.cleanUpSpaces(Array(want.utf8)), as: UTF8.self) }
            if back != want { failures.append("\(c.description) → \(back.debugDescription)") }
        }
        #expect(failures.isEmpty, "\(name):\n\(failures.joined(separator: "\n"))")
    }
}
