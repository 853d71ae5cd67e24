import ArgumentParser
import ChorusCore
import Foundation
import Simulator

/// `chorus bench ingest`: signed webhooks over loopback against a `chorus serve` child process.
struct BenchIngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Durably acknowledged messages/s, p50/p99 acknowledgement latency and the server's peak memory.",
        discussion: "Starts `chorus serve` on a fresh database in a temporary folder (or uses --url), then sends signed webhooks.")

    @Option(help: "Platforms to play (repeatable).")
    var platform: [Platform] = [.whatsapp, .messenger]

    @Option(help: "Concurrent connections to try (repeatable).")
    var connections: [Int] = [1, 16, 64]

    @Option(help: "Messages per run.")
    var messages: Int = 20000

    @Option(help: "Messages per webhook body (Meta batches up to 1000).")
    var batch: Int = 1

    @Option(help: "Benchmark an already running server on 127.0.0.1:PORT instead (its app secret in CHORUS_<PLATFORM>_APP_SECRET).")
    var port: Int?

    @Flag(help: "Print one JSON object per run.")
    var json = false

    func run() throws {
        let secret = "bench-app-secret"
        var server: ChorusProcess?
        let port: Int
        if let given = self.port {
            port = given
        } else {
            var options = ChorusProcess.Options(executable: ChorusProcess.siblingExecutable())
            options.appSecret = secret
            options.arguments = ["--log-level", "warning", "--ingress-only"]
            let started = try ChorusProcess(options)
            server = started
            port = started.port
        }
        defer { server?.stop() }
        if !json {
            print("platform   conns  batch     msgs/s   p50 ms   p99 ms  errors")
        }
        for platform in platform {
            let appSecret = self.port == nil ? secret
                : ProcessInfo.processInfo.environment["CHORUS_\(platform.rawValue.uppercased())_APP_SECRET"] ?? secret
            let runner = LoadRunner(host: "127.0.0.1", port: port, appSecret: appSecret)
            for connections in connections {
                let report = try runner.run(.init(platform: platform, connections: connections, messages: messages, batch: batch))
                if json {
                    var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
                    object["server_peak_rss_mb"] = server?.peakResidentMegabytes()
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(String(format: "%-9@ %6d %6d %10.0f %8.2f %8.2f %7d", platform.rawValue, connections, batch,
                                 report.messagesPerSecond, report.p50Milliseconds, report.p99Milliseconds, report.errors))
                    if let error = report.firstError { print("  first error: \(error)") }
                }
            }
        }
        if let server, !json {
            print(String(format: "server peak resident memory: %.1f MB", server.peakResidentMegabytes() ?? -1))
        }
    }
}

extension Platform: ExpressibleByArgument {}
