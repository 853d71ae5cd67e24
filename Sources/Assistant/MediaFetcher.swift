import ChorusCore
import Foundation
import MetaWebhook
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches the pictures people send, only after the language gate opened: WhatsApp media ids
/// through the Graph API (`GET /{media-id}` gives a short-lived URL, fetched with the bearer
/// token; refreshed once on 404), Messenger/Instagram attachment URLs directly. Only HTTPS to
/// allow-listed hosts (Meta's CDN by default); an allow-listed host added by the operator may be
/// plain HTTP (a loopback simulator). Size, type and time are bounded; redirects must stay on
/// allowed, public hosts.
public struct MediaFetcher: Sendable {
    /// Why a picture could not be fetched (recorded with the event; the text is still answered).
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// What went wrong.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Meta's CDN hosts, by suffix.
    public static let metaHostSuffixes = ["fbcdn.net", "fbsbx.com", "cdninstagram.com", "facebook.com", "whatsapp.net"]

    /// Hosts added by the operator (`--media-allow-host`), allowed over HTTP too.
    public var extraHosts: Set<String>
    /// The largest picture accepted, in bytes.
    public var maxBytes: Int
    /// Accepted MIME types.
    public var mimeTypes: Set<String>
    /// Per-request timeout.
    public var timeout: TimeInterval
    /// The Graph API (media id lookups).
    public let graph: GraphClient
    private let session: URLSession

    /// Creates a fetcher.
    public init(graph: GraphClient, extraHosts: Set<String> = [], maxBytes: Int = 10 * 1024 * 1024,
                mimeTypes: Set<String> = ["image/jpeg", "image/png"], timeout: TimeInterval = 15) {
        self.graph = graph
        self.extraHosts = extraHosts
        self.maxBytes = maxBytes
        self.mimeTypes = mimeTypes
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        session = URLSession(configuration: configuration, delegate: RedirectGuard(allowed: extraHosts), delegateQueue: nil)
    }

    /// The bytes and MIME type of `attachment`.
    public func fetch(_ attachment: Attachment, platform: Platform) async throws(Failure) -> (data: Data, mimeType: String) {
        if let url = attachment.url {
            return try await download(url, bearer: nil)
        }
        guard let id = attachment.mediaID, platform == .whatsapp else { throw Failure("the attachment has neither a URL nor a media id") }
        var lastError = Failure("media \(id) not found")
        for _ in 0..<2 {
            // A media URL expires after minutes: look it up again once if the download says 404.
            let url = try await lookUp(id)
            do {
                return try await download(url, bearer: graph.tokens[.whatsapp])
            } catch where error.description.hasPrefix("HTTP 404") {
                lastError = error
            }
        }
        throw lastError
    }

    /// `GET /{version}/{media-id}` → the download URL.
    private func lookUp(_ id: String) async throws(Failure) -> String {
        guard let token = graph.tokens[.whatsapp] else { throw Failure("no WhatsApp access token to look media up") }
        var request = URLRequest(url: graph.baseURL.appendingPathComponent(graph.version).appendingPathComponent(id))
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, status) = try await get(request)
        guard status == 200, let url = (try? JSONDecoder().decode(JSONValue.self, from: data))?["url"]?.stringValue else {
            throw Failure("media lookup for \(id) answered HTTP \(status)")
        }
        return url
    }

    private func download(_ text: String, bearer: String?) async throws(Failure) -> (data: Data, mimeType: String) {
        guard let url = URL(string: text), let host = url.host?.lowercased() else { throw Failure("not a URL: \(text.prefix(100))") }
        guard isAllowed(host: host, scheme: url.scheme?.lowercased()) else {
            throw Failure("host \(host) is not allowed (only HTTPS to Meta's CDN, or --media-allow-host)")
        }
        var request = URLRequest(url: url)
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        let (data, status, mime) = try await getWithType(request)
        guard status == 200 else { throw Failure("HTTP \(status) downloading the picture") }
        guard data.count <= maxBytes else { throw Failure("picture of \(data.count) bytes is over the \(maxBytes)-byte limit") }
        let type = Self.sniff(data) ?? mime
        guard let type, mimeTypes.contains(type) else { throw Failure("type \(type ?? "unknown") is not accepted (\(mimeTypes.sorted().joined(separator: ", ")))") }
        return (data, type)
    }

    /// Whether a host may be fetched from: an operator-allowed host (any scheme), or HTTPS to
    /// Meta's CDN that is not a private or loopback address.
    public func isAllowed(host: String, scheme: String?) -> Bool {
        if extraHosts.contains(host) { return scheme == "https" || scheme == "http" }
        guard scheme == "https", !Self.isPrivate(host) else { return false }
        return Self.metaHostSuffixes.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// Loopback, private, link-local and unspecified addresses (literal IPs and `localhost`).
    public static func isPrivate(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 4 else { return host.hasPrefix("[fc") || host.hasPrefix("[fd") || host.hasPrefix("[fe80") }
        switch (parts[0], parts[1]) {
        case (10, _), (127, _), (0, _), (169, 254), (192, 168): return true
        case (172, 16...31), (100, 64...127): return true
        default: return false
        }
    }

    /// Lowercase hex SHA-256 of `data` (the embedding cache key when Meta gives none).
    public static func sha256Hex(_ data: Data) -> String { Digest.sha256Hex(bytes: data) }

    /// The MIME type from the file's first bytes (JPEG, PNG), which beats a header.
    static func sniff(_ data: Data) -> String? {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }

    private func get(_ request: URLRequest) async throws(Failure) -> (Data, Int) {
        let (data, status, _) = try await getWithType(request)
        return (data, status)
    }

    private func getWithType(_ request: URLRequest) async throws(Failure) -> (Data, Int, String?) {
        var request = request
        request.timeoutInterval = timeout
        do {
            let (data, response) = try await session.data(for: request)
            let http = response as? HTTPURLResponse
            let mime = http?.value(forHTTPHeaderField: "Content-Type")?.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            return (data, http?.statusCode ?? 0, mime)
        } catch {
            throw Failure("download failed: \(error.localizedDescription)")
        }
    }
}

/// Follows a redirect only to a host the fetcher would fetch from directly.
final class RedirectGuard: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let allowed: Set<String>
    init(allowed: Set<String>) { self.allowed = allowed }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let url = request.url, let host = url.host?.lowercased() else { return completionHandler(nil) }
        let scheme = url.scheme?.lowercased()
        let ok = allowed.contains(host)
            || (scheme == "https" && !MediaFetcher.isPrivate(host)
                && MediaFetcher.metaHostSuffixes.contains { host == $0 || host.hasSuffix("." + $0) })
        completionHandler(ok ? request : nil)
    }
}
