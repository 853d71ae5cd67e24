import ArgumentParser

/// `chorus bench …`: figures for BENCHMARKS.md.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest throughput (and, with a model, engine speed).",
        subcommands: [BenchIngestCommand.self, BenchModelCommand.self, BenchVisionCommand.self])
}
