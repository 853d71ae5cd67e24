import Foundation
import MoE

/// Random bytes as a GGUF file: the reader must answer with a GGUFError, never crash. The
/// reader maps files, so each input is written to a file in /dev/shm first.
enum Scratch {
    /// Lazily initialized: libFuzzer's own `main` runs, not this file's top-level code.
    static let path = "/dev/shm/chorus-fuzz-\(getpid()).gguf"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = Data(UnsafeRawBufferPointer(start: start, count: count))
    guard FileManager.default.createFile(atPath: Scratch.path, contents: data) else { return 0 }
    if let file = try? GGUFFile(path: Scratch.path) {
        _ = try? Model(file: file)
        _ = try? Tokenizer(gguf: file)
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
exit(runFuzzerDriver(&arguments, &vector, fuzzGGUF))
