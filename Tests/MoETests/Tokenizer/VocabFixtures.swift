import Foundation
import Synchronization
@testable import MoE

/// llama.cpp's vocab-only GGUFs and their test vectors (`models/ggml-vocab-*.gguf{,.inp,.out}`,
/// written by `convert_hf_to_gguf_update.py` from the Hugging Face tokenizers and checked by
/// `tests/test-tokenizer-0.cpp` with `add_special = false`, `parse_special = false`).
enum VocabFixtures {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/vocab") }

    static func path(_ name: String) -> String { directory.appendingPathComponent("ggml-vocab-\(name).gguf").path }

    static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    private static let cache = Mutex<[String: Tokenizer]>([:])

    /// The tokenizer of `ggml-vocab-<name>.gguf`, loaded once per test process.
    static func tokenizer(_ name: String) throws -> Tokenizer {
        if let hit = cache.withLock({ $0[name] }) { return hit }
        let t = try Tokenizer(gguf: openGGUF(path(name)))
        cache.withLock { $0[name] = t }
        return t
    }

    /// Opens a vocab-only GGUF (no tensors, no padding after the metadata).
    static func openGGUF(_ path: String) throws -> GGUFFile { try GGUFFile(path: path) }

    /// llama.cpp's `llama_detokenize(ids, remove_special: false, unparse_special: true)` of each
    /// case of `ggml-vocab-<name>.<set>` (`.detok`, one hex line per case).
    static func detokenized(_ name: String, set: String) throws -> [[UInt8]] {
        let text = try String(contentsOfFile: directory.appendingPathComponent("ggml-vocab-\(name).\(set).detok").path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let hex = Array(line.utf8)
            return stride(from: 0, to: hex.count - 1, by: 2).map { i in
                UInt8(String(decoding: hex[i...i + 1], as: UTF8.self), radix: 16)!
            }
        }
    }

    /// One test case: input text and the expected ids.
    struct Case: Sendable, CustomStringConvertible {
        let text: String
        let ids: [Int32]
        var description: String { text.debugDescription }
    }

    /// The cases of `ggml-vocab-<name>.gguf.inp/.out` (inputs split by
    /// `\n__ggml_vocab_test__\n`, one line of space-separated ids per case).
    /// With a `set` ("random", "special") reads `ggml-vocab-<name>.<set>.inp/.out` instead: random
    /// strings tokenized by llama.cpp (see `make_random_vectors.py` beside them).
    static func cases(_ name: String, set: String? = nil) throws -> [Case] {
        let base = set.map { directory.appendingPathComponent("ggml-vocab-\(name).\($0)").path } ?? path(name)
        // Split bytes, not Strings: a case may begin with a combining mark, which Foundation's
        // string search would fuse with the separator's last newline.
        let inp = try [UInt8](Data(contentsOf: URL(fileURLWithPath: base + ".inp")))
        let out = try String(contentsOfFile: base + ".out", encoding: .utf8)
        let sep = Array("\n__ggml_vocab_test__\n".utf8)
        var inputs: [String] = []
        var start = 0, i = 0
        while i < inp.count {
            if i + sep.count <= inp.count && inp[i] == sep[0] && Array(inp[i..<i + sep.count]) == sep {
                inputs.append(String(decoding: inp[start..<i], as: UTF8.self))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        if start < inp.count { inputs.append(String(decoding: inp[start...], as: UTF8.self)) }
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cases: [Case] = []
        for (i, text) in inputs.enumerated() where i < lines.count {
            let ids = lines[i].split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
            cases.append(Case(text: text, ids: ids))
        }
        return cases
    }
}
