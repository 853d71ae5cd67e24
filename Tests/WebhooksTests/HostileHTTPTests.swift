import Foundation
import MetaWebhook
import Simulator
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile HTTP against the real server: it stays up, answers within its limits, and keeps
/// serving others.
@Suite("Hostile HTTP")
struct HostileHTTPTests {
    /// A raw TCP connection to the server, for requests no HTTP client would send.
    final class RawSocket: @unchecked Sendable {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
            var timeout = timeval(tv_sec: 60, tv_usec: 0)  // generous: the whole suite can starve the in-process server
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func send(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

        /// What the server sent until it closed (or reset), or until the receive timeout.
        func readAll() -> (bytes: [UInt8], closed: Bool) {
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { out += chunk[..<n]; continue }
                // A server that closes while the client is still sending makes the kernel reset the
                // connection: that is closed too. Only the receive timeout (EAGAIN) is "still open".
                return (out, n == 0 || errno == ECONNRESET)
            }
        }
    }

    /// Runs blocking socket work off the cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    @Test("a slow client is cut off after the idle timeout while others are served")
    func slowClient() async throws {
        try await TestServer.with(idleTimeout: 1) { server in
            let port = server.port
            let slow = try RawSocket(port: port)
            slow.send("POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
            let other = try await server.get("/healthz")
            #expect(other.status == 200, "others are served while a client dawdles")
            let (_, closed) = try await Self.blocking { slow.readAll() }
            #expect(closed, "the silent connection was closed")
        }
    }

    @Test("huge headers are refused and the server stays up")
    func hugeHeaders() async throws {
        try await TestServer.with { server in
            let port = server.port
            let (bytes, closed) = try await Self.blocking {
                let socket = try RawSocket(port: port)
                socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\n\r\n")
                return socket.readAll()
            }
            let answer = String(decoding: bytes.prefix(20), as: UTF8.self)
            #expect(closed)
            #expect(!answer.hasPrefix("HTTP/1.1 200"), "got \(answer)")
            let many = (0..<150).map { "X-H\($0): v\r\n" }.joined()
            let (manyBytes, _) = try await Self.blocking {
                let socket = try RawSocket(port: port)
                socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + "\r\n")
                return socket.readAll()
            }
            #expect(!String(decoding: manyBytes.prefix(20), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            let health = try await server.get("/healthz")
            #expect(health.status == 200)
        }
    }

    @Test("many idle connections do not stop the server from serving")
    func idleConnections() async throws {
        try await TestServer.with(idleTimeout: 30) { server in
            let sockets = try (0..<300).map { _ in try RawSocket(port: server.port) }
            let health = try await server.get("/healthz")
            #expect(health.status == 200)
            #expect(sockets.count == 300)
        }
    }

    @Test("path tricks and wrong methods get 4xx, never a crash or a stored event",
          arguments: ["/webhooks/../webhooks/whatsapp", "/webhooks/whatsapp/extra", "/webhooks/WHATSAPP",
                      "/webhooks/whatsapp%00", "/webhooks/%2e%2e/whatsapp", "/webhooks/" + String(repeating: "a", count: 5000)])
    func pathTricks(path: String) async throws {
        try await TestServer.with { server in
            let body = IngressTests.textMessages(.whatsapp, count: 1)
            let signature = WebhookSignature.sign(body: body, appSecret: TestServer.secret)
            let post = try await HTTPConnection.send(port: server.port, method: "POST", path: path,
                                                     headers: [("X-Hub-Signature-256", signature)], body: body)
            #expect((400..<500).contains(post.status), "\(path) → \(post.status)")
            for method in ["PUT", "DELETE", "PATCH"] {
                let wrong = try await HTTPConnection.send(port: server.port, method: method, path: "/webhooks/whatsapp", body: body)
                #expect((400..<500).contains(wrong.status), "\(method) → \(wrong.status)")
            }
            let stored = try await server.storedEvents()
            #expect(stored.isEmpty)
            #expect(try await server.get("/healthz").status == 200)
        }
    }
}
