import ChorusCore
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// Meta's Graph API, locally: the Send APIs of the three platforms, WhatsApp media, read receipts
/// and typing, validated as Meta validates them, with every request recorded in a `GraphLedger`.
/// Point `chorus serve --graph-url` at it.
public struct FakeGraphAPI: Sendable {
    /// What the fake knows and recorded.
    public let ledger: GraphLedger

    /// Creates the API over a ledger.
    public init(ledger: GraphLedger) { self.ledger = ledger }

    /// Registers the routes: `POST [/vX.Y]/{id}/messages`, `GET [/vX.Y]/{media-id}`,
    /// `GET /_media/{id}`, and `/_sim/records`, `/_sim/faults` for other processes.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        // Hummingbird wants one parameter name per position: `first` is the version or the
        // account, `second` the account or the media id.
        router.post("/:first/:second/messages") { request, context in
            try await send(request: request, account: context.parameters.get("second") ?? "", context: context)
        }
        router.post("/:first/messages") { request, context in
            try await send(request: request, account: context.parameters.get("first") ?? "", context: context)
        }
        router.get("/_media/:second") { request, context in
            try await download(request: request, id: context.parameters.get("second") ?? "")
        }
        // A redirect, for testing that clients only follow redirects to hosts they trust.
        router.get("/_redirect/:second") { request, _ in
            let target = request.uri.queryParameters["to"].map(String.init) ?? "/"
            return Response(status: .found, headers: [.location: target])
        }
        router.get("/_sim/records") { _, _ in
            Self.json(.ok, try Self.encoder.encode(await ledger.records))
        }
        router.delete("/_sim/records") { _, _ in
            await ledger.clearRecords()
            return Self.json(.ok, Data("{}".utf8))
        }
        router.put("/_sim/faults") { request, context in
            let faults = try await request.decode(as: GraphFaults.self, context: context)
            await ledger.setFaults(faults)
            return Self.json(.ok, Data("{}".utf8))
        }
        router.get("/:first/:second") { request, context in
            try await mediaURL(request: request, id: context.parameters.get("second") ?? "")
        }
    }

    /// Starts the fake on loopback (port 0: any free port) and returns the running application.
    public func makeApplication(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let router = Router(context: BasicRequestContext.self)
        register(on: router)
        var logger = Logger(label: "fake-graph")
        logger.logLevel = .warning
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "fake-graph"),
            onServerRunning: { await onRunning($0.localAddress?.port ?? port) }, logger: logger)
    }

    // MARK: Send API

    private func send(request: Request, account: String, context: some RequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let now = Date()
        guard let platform = await ledger.accounts[account] else {
            return Self.graphError(.badRequest, code: 100, message: "Unsupported post request. Object with ID '\(account)' does not exist")
        }
        guard await isAuthorized(request, platform: platform) else {
            return Self.graphError(.unauthorized, code: 190, type: "OAuthException", message: "Invalid OAuth access token.")
        }
        guard case .object(let json)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)) else {
            return Self.graphError(.badRequest, code: 100, message: "Invalid parameter: the body is not a JSON object")
        }
        var record = GraphRecord(sequence: 0, platform: platform, account: account, kind: .other, to: nil, isGroup: false,
                                 text: nil, messageID: nil, status: 200, errorCode: nil, sentID: nil, at: now)
        let outcome: SendOutcome = platform == .whatsapp
            ? await validateWhatsApp(json, record: &record, now: now)
            : await validateMessaging(json, platform: platform, record: &record, now: now)
        if case .accepted = outcome, record.kind == .text || record.kind == .otherMessage,
           let fault = await ledger.nextFault() {
            switch fault {
            case .serverError:
                return await finish(record, Self.graphError(.internalServerError, code: 2, message: "An unexpected error has occurred. Please retry your request later."))
            case .rateLimited(let seconds):
                let code = platform == .whatsapp ? 130429 : 613
                var response = Self.graphError(.tooManyRequests, code: code, message: "Rate limit hit")
                response.headers[.retryAfter] = "\(seconds)"
                return await finish(record, response)
            case .graphError(let code):
                return await finish(record, Self.graphError(.badRequest, code: code, message: "Simulated Graph error \(code)"))
            case .slow(let milliseconds):
                try? await Task.sleep(for: .milliseconds(milliseconds))
            }
        }
        let latency = await ledger.faults.latencyMilliseconds
        if latency > 0 { try? await Task.sleep(for: .milliseconds(latency)) }
        switch outcome {
        case .rejected(let status, let code, let message):
            return await finish(record, Self.graphError(status, code: code, message: message))
        case .accepted(let answer):
            var answer = answer
            if record.kind == .text || record.kind == .otherMessage {
                let id = await ledger.nextSentID(platform: platform)
                record.sentID = id
                if platform == .whatsapp {
                    answer["messages"] = .array([.object(["id": .string(id)])])
                } else {
                    answer["message_id"] = .string(id)
                }
            }
            return await finish(record, Self.json(.ok, try Self.encoder.encode(JSONValue.object(answer))))
        }
    }

    private func finish(_ record: GraphRecord, _ response: Response) async -> Response {
        var record = record
        record.status = Int(response.status.code)
        if record.status >= 300 { record.sentID = nil }
        if let code = response.headers[HTTPField.Name("X-Graph-Error-Code")!].flatMap({ Int($0) }) { record.errorCode = code }
        _ = await ledger.record(record)
        return response
    }

    private func isAuthorized(_ request: Request, platform: Platform) async -> Bool {
        guard let expected = await ledger.tokens[platform] else { return false }
        let header = request.headers[.authorization] ?? ""
        let query = request.uri.queryParameters["access_token"].map(String.init)
        return header == "Bearer \(expected)" || query == expected
    }

    // MARK: Media

    private func mediaURL(request: Request, id: String) async throws -> Response {
        guard await isAuthorized(request, platform: .whatsapp) else {
            return Self.graphError(.unauthorized, code: 190, type: "OAuthException", message: "Invalid OAuth access token.")
        }
        guard let media = await ledger.mediaFile(id) else {
            return Self.graphError(.notFound, code: 100, message: "Unsupported get request. Object with ID '\(id)' does not exist")
        }
        let host = request.head.authority ?? "127.0.0.1"
        let answer: JSONValue = .object([
            "messaging_product": .string("whatsapp"), "id": .string(id), "mime_type": .string(media.mimeType),
            "sha256": .string(Self.sha256Hex(media.data)), "file_size": .number(Double(media.data.count)),
            "url": .string("http://\(host)/_media/\(id)"),
        ])
        _ = await ledger.record(GraphRecord(sequence: 0, platform: .whatsapp, account: "", kind: .media, to: nil, isGroup: false,
                                            text: nil, messageID: id, status: 200, errorCode: nil, sentID: nil, at: Date()))
        return Self.json(.ok, try Self.encoder.encode(answer))
    }

    private func download(request: Request, id: String) async throws -> Response {
        let latency = await ledger.faults.mediaLatencyMilliseconds
        if latency > 0 { try? await Task.sleep(for: .milliseconds(latency)) }
        guard let media = await ledger.mediaFile(id) else { return Response(status: .notFound) }
        return Response(status: .ok, headers: [.contentType: media.mimeType],
                        body: .init(byteBuffer: ByteBuffer(bytes: media.data)))
    }

    // MARK: Rendering

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func json(_ status: HTTPResponse.Status, _ data: Data) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A Graph error body: `{"error":{"message","type","code","fbtrace_id"}}`.
    static func graphError(_ status: HTTPResponse.Status, code: Int, type: String = "OAuthException", message: String) -> Response {
        let body: JSONValue = .object(["error": .object([
            "message": .string(message), "type": .string(type), "code": .number(Double(code)),
            "fbtrace_id": .string("AsimFakeGraphTrace"),
        ])])
        var response = json(status, (try? encoder.encode(body)) ?? Data())
        response.headers[HTTPField.Name("X-Graph-Error-Code")!] = "\(code)"
        return response
    }
}

/// What validation decided about one send.
enum SendOutcome {
    case accepted([String: JSONValue])
    case rejected(HTTPResponse.Status, code: Int, message: String)
}
