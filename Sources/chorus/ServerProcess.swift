import Foundation
import Simulator

/// A `chorus serve` child process on a temporary database, for benchmarks and crash tests.
final class ServerProcess {
    /// The child.
    let process: Process
    /// The port it listens on.
    let port: Int
    /// Its temporary folder (database inside).
    let directory: URL

    private init(process: Process, port: Int, directory: URL) {
        self.process = process
        self.port = port
        self.directory = directory
    }

    /// Starts this same executable as `chorus serve` with all three platforms sharing `secret`,
    /// and waits until `/healthz` answers.
    static func start(secret: String, port: Int? = nil, extraArguments: [String] = []) throws -> ServerProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = port ?? freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--port", "\(port)", "--database", directory.appendingPathComponent("queue.sqlite").path,
                             "--log-level", "warning"] + extraArguments
        var environment = ProcessInfo.processInfo.environment
        for platform in ["MESSENGER", "INSTAGRAM", "WHATSAPP"] {
            environment["CHORUS_\(platform)_APP_SECRET"] = secret
            environment["CHORUS_\(platform)_VERIFY_TOKEN"] = "bench-verify-token"
        }
        process.environment = environment
        try process.run()
        let server = ServerProcess(process: process, port: port, directory: directory)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let connection = try? HTTPProbe.get(port: port, path: "/healthz"), connection == 200 { return server }
            guard process.isRunning else { throw ConfigError(description: "chorus serve exited with status \(process.terminationStatus)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        server.stop()
        throw ConfigError(description: "chorus serve did not answer /healthz on port \(port) within 30 s")
    }

    /// The child's peak resident memory (VmHWM), in MB.
    func peakResidentMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }

    /// Stops the child and removes its folder.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A port that was free a moment ago.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// One plain GET over a fresh connection.
enum HTTPProbe {
    static func get(port: Int, path: String) throws -> Int {
        try HTTPConnection(host: "127.0.0.1", port: port).request(method: "GET", path: path).status
    }
}
