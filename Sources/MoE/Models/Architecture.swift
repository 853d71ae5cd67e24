/// One supported architecture: how its GGUF metadata becomes a `ModelConfig`.
///
/// The forward pass is shared (`Session+Forward.swift`); an architecture states its quirks as
/// `ModelConfig` flags. Adding one = a file in `Models/` + a line in `ArchitectureRegistry`.
protocol ArchitectureDefinition {
    /// `general.architecture` values this definition handles.
    static var ggufNames: [String] { get }
    /// Reads and validates the configuration.
    static func config(from file: GGUFFile, arch: String) throws -> ModelConfig
}

/// The architectures the engine runs.
enum ArchitectureRegistry {
    static let all: [ArchitectureDefinition.Type] = [Llama4.self, Qwen3MoE.self, Mixtral.self]

    /// The definition for a file's `general.architecture`, or a `GGUFError`.
    static func definition(for arch: String) throws -> ArchitectureDefinition.Type {
        var names: [String] = []
        for d in all {
            if d.ggufNames.contains(arch) { return d }
            names += d.ggufNames
        }
        throw GGUFError("\(GGUFKey.architecture) = \(arch) is not supported (supported: \(names.joined(separator: ", ")))")
    }
}
