import Foundation
import MoE

/// Random bytes through the tokenizers of the llama.cpp vocab fixtures (byte-level BPE with the
/// llama-bpe, llama4, qwen2 and gpt-2 pre-tokenizers, and SentencePiece): encode, with and
/// without special tokens, then decode what came out.
enum Vocabularies {
    /// Lazily initialized: libFuzzer's own `main` runs, not this file's top-level code.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/MoETests/Fixtures/vocab")
    static let all: [Tokenizer] = ["ggml-vocab-llama-bpe.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-qwen2.gguf",
                                   "ggml-vocab-gpt-2.gguf", "ggml-vocab-llama4.gguf"].compactMap { name in
        (try? GGUFFile(path: folder.appendingPathComponent(name).path)).flatMap { try? Tokenizer(gguf: $0) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let tokenizers = Vocabularies.all
    precondition(tokenizers.count == 5, "vocab fixtures not found under \(Vocabularies.folder.path)")
    let bytes = UnsafeRawBufferPointer(start: start, count: count).bindMemory(to: UInt8.self)
    for tokenizer in tokenizers {
        let ids = tokenizer.encode(utf8: bytes, addSpecial: true, parseSpecial: true)
        _ = tokenizer.encode(utf8: bytes, addSpecial: false, parseSpecial: false)
        _ = tokenizer.decode(ids)
    }
    return 0
}

// SwiftPM links this file's entry point as the program's main, so libFuzzer's own main never
// runs: hand control to libFuzzer's driver explicitly.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt) -> CInt

var arguments = CommandLine.argc
var vector = CommandLine.unsafeArgv
exit(runFuzzerDriver(&arguments, &vector, fuzzTokenizer))
