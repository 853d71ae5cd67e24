import Foundation

/// The small Llama 4 model shipped in `Models/`, used when no `--model` is given, so a fresh
/// checkout answers with no download.
enum BundledModel {
    static let modelName = "chorus-tiny-llama4.gguf"
    static let mmprojName = "chorus-tiny-llama4.mmproj.gguf"

    /// The `Models/` folder: beside the working directory, or above the executable
    /// (`.build/<triple>/<config>/chorus` in a checkout).
    static func folder() -> URL? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Models")]
        var up = executable
        for _ in 0..<4 {
            candidates.append(up.appendingPathComponent("Models"))
            up = up.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(modelName).path) }
    }

    /// The bundled model's path, if present.
    static var model: String? { folder()?.appendingPathComponent(modelName).path }

    /// The bundled vision projector's path, if present.
    static var mmproj: String? {
        guard let path = folder()?.appendingPathComponent(mmprojName).path, FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }
}
