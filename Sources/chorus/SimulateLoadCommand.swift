import ArgumentParser
import ChorusCore
import Foundation
import Simulator

/// `chorus simulate load`: many conversations at once, end to end (webhook → reply at the Graph API).
struct SimulateLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "N conversations × M messages at a target rate; prints acknowledged/s, reply latency percentiles and errors.")

    @OptionGroup var options: SimulationOptions

    @Option(help: "messenger, instagram or whatsapp.")
    var platform: Platform = .whatsapp

    @Option(help: "Conversations.")
    var conversations: Int = 100

    @Option(help: "Messages per conversation.")
    var messages: Int = 5

    @Option(help: "Target messages per second (0: as fast as acknowledged).")
    var rate: Double = 0

    @Option(help: "Concurrent webhook deliveries.")
    var connections: Int = 16

    @Option(help: "Seconds to wait for all replies.")
    var timeout: Double = 600

    @Option(help: "Conversations answered per engine batch.")
    var batchSize: Int = 8

    @Option(help: "Reply length in tokens.")
    var maxReplyTokens: Int = 32

    @Option(help: "Fake Graph API: share of sends answered 500.")
    var errorRate: Double = 0

    @Option(help: "Fake Graph API: share of sends answered 429.")
    var rateLimitRate: Double = 0

    @Option(help: "Fake Graph API: extra milliseconds on every answer.")
    var latencyMs: Int = 0

    @Option(help: "Fake Graph API: share of sends that hang (the server's send times out and retries).")
    var timeoutRate: Double = 0

    @Option(help: "Send this picture (JPEG or PNG) with every message, captioned with an English question.")
    var image: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        var picture: (data: Data, mimeType: String)?
        if let image {
            guard let data = FileManager.default.contents(atPath: image) else { throw ValidationError("cannot read --image \(image)") }
            picture = (data, image.lowercased().hasSuffix(".png") ? "image/png" : "image/jpeg")
        }
        let deployment = try await SimulatedDeployment.start(
            model: try options.resolvedModel(), serveArguments: try options.serveArguments(),
            config: ["batch_size": batchSize, "max_reply_tokens": maxReplyTokens])
        var faults = GraphFaults()
        faults.errorRate = errorRate
        faults.rateLimitRate = rateLimitRate
        faults.latencyMilliseconds = latencyMs
        faults.timeoutRate = timeoutRate
        await deployment.simulator.ledger.setFaults(faults)
        let driver = LoadDriver(simulator: deployment.simulator, platform: platform, conversations: conversations,
                                messages: messages, rate: rate, connections: connections, timeout: .seconds(timeout),
                                image: picture)
        let object = try await deployment.whileRunning {
            var report = try await driver.run()
            report.serverPeakRSSMegabytes = deployment.server.peakResidentMegabytes()
            return report
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(object), as: UTF8.self))
        } else {
            print(object.summary)
        }
    }
}
