import ChorusCore
import Foundation

/// A real `chorus serve` child process: what the simulator, the scenario tests, the crash test
/// and the benchmarks talk to. It can be stopped gracefully, SIGKILLed and restarted on the same
/// database and port.
public final class ChorusProcess: @unchecked Sendable {
    /// How to start it.
    public struct Options: Sendable {
        /// The `chorus` executable.
        public var executable: URL
        /// The port to listen on (chosen free when nil).
        public var port: Int?
        /// The queue database: a SQLite path or a postgres:// URL (a fresh temporary file when nil).
        public var database: String?
        /// App secret, verify token and access token, the same for all three platforms.
        public var appSecret = "simulator-app-secret"
        /// The handshake token.
        public var verifyToken = "simulator-verify-token"
        /// The Send API token.
        public var accessToken = "simulator-access-token"
        /// Extra `chorus serve` arguments (`--model`, `--graph-url`, …).
        public var arguments: [String] = []
        /// The subcommand: `serve`, or `engine serve` for an engine host (no queue database).
        public var command: [String] = ["serve"]
        /// Extra environment variables.
        public var environment: [String: String] = [:]

        /// Options for `executable`.
        public init(executable: URL) { self.executable = executable }
    }

    /// How it was started.
    public let options: Options
    /// The port it listens on.
    public let port: Int
    /// Its queue database.
    public let database: String
    /// Where its standard output and error go.
    public let logFile: URL
    private var process: Process?

    /// The `chorus` binary next to the running executable (tests: `.build/debug/chorus`).
    public static func siblingExecutable() -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let sibling = me.deletingLastPathComponent().appendingPathComponent("chorus")
        if me.lastPathComponent == "chorus" { return me }
        if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
        // swift test runs the test bundle from .build/<triple>/debug/
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chorus")
    }

    /// Starts `chorus serve` and waits until `/healthz` answers.
    public init(_ options: Options) throws {
        self.options = options
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = options.database ?? folder.appendingPathComponent("queue.sqlite").path
        logFile = folder.appendingPathComponent("chorus.log")
        port = options.port ?? Self.freePort()
        try start()
    }

    /// The environment a simulated deployment needs: every platform's secrets.
    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for platform in Platform.allCases {
            let prefix = "CHORUS_\(platform.rawValue.uppercased())_"
            environment[prefix + "APP_SECRET"] = options.appSecret
            environment[prefix + "VERIFY_TOKEN"] = options.verifyToken
            environment[prefix + "ACCESS_TOKEN"] = options.accessToken
        }
        environment.merge(options.environment) { _, new in new }
        return environment
    }

    /// (Re)starts the process on the same port and database.
    public func start() throws {
        let process = Process()
        process.executableURL = options.executable
        let queue = options.command == ["serve"] ? ["--database", database] : []
        process.arguments = options.command + ["--host", "127.0.0.1", "--port", "\(port)"] + queue + options.arguments
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile.path) { FileManager.default.createFile(atPath: logFile.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let status = try? HTTPConnection(host: "127.0.0.1", port: port).request(method: "GET", path: "/healthz").status,
               status == 200 { return }
            guard process.isRunning else {
                throw HTTPConnection.Failure(description: "chorus serve exited with status \(process.terminationStatus): \(tail())")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill()
        throw HTTPConnection.Failure(description: "chorus serve did not answer /healthz on port \(port) within 60 s: \(tail())")
    }

    /// SIGKILL: no shutdown, no flushing; what was committed is all that survives.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: graceful shutdown.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Whether the process is running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// The process's peak resident memory (VmHWM) in MB, while it runs.
    public func peakResidentMegabytes() -> Double? {
        guard let pid = process?.processIdentifier,
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }

    /// The last lines of its log (for error messages).
    public func tail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    deinit {
        stop()
    }

    /// A loopback port that was free a moment ago.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
