import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP requests whose response arrives piece by piece (URLSession's data delegate; libcurl on
/// Linux): the head, then body bytes as they come. Cancelling the returned stream's iteration
/// cancels the request.
final class StreamingTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// A piece of a response.
    enum Part: Sendable {
        case head(status: Int, headers: [String: String])
        case body(Data)
    }

    private let lock = NSLock()
    private var streams: [Int: AsyncThrowingStream<Part, any Error>.Continuation] = [:]
    private var session: URLSession!
    private let delegateQueue = OperationQueue()

    /// A transport holding up to `connections` connections per host.
    init(connections: Int) {
        super.init()
        delegateQueue.maxConcurrentOperationCount = 1
        let configuration = URLSessionConfiguration.ephemeral
        // Our own deadlines (connect, first token, total) apply; libcurl's is only a backstop.
        configuration.timeoutIntervalForRequest = 3600
        configuration.timeoutIntervalForResource = 3600
        configuration.httpMaximumConnectionsPerHost = max(1, connections)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: delegateQueue)
    }

    /// Starts `request`; returns its pieces and a way to cancel it.
    func start(_ request: URLRequest) -> (parts: AsyncThrowingStream<Part, any Error>, cancel: @Sendable () -> Void) {
        let task = session.dataTask(with: request)
        let (parts, continuation) = AsyncThrowingStream<Part, any Error>.makeStream(bufferingPolicy: .unbounded)
        lock.withLock { streams[task.taskIdentifier] = continuation }
        let box = TaskBox(task)
        continuation.onTermination = { _ in box.task.cancel() }
        task.resume()
        return (parts, { box.task.cancel() })
    }

    private func continuation(_ task: URLSessionTask) -> AsyncThrowingStream<Part, any Error>.Continuation? {
        lock.withLock { streams[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        var headers: [String: String] = [:]
        let http = response as? HTTPURLResponse
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        continuation(dataTask)?.yield(.head(status: http?.statusCode ?? 0, headers: headers))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation(dataTask)?.yield(.body(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let continuation = lock.withLock { streams.removeValue(forKey: task.taskIdentifier) }
        if let error { continuation?.finish(throwing: error) } else { continuation?.finish() }
    }

    /// A data task, sent to the cancel closures (URLSessionTask is thread-safe).
    private final class TaskBox: @unchecked Sendable {
        let task: URLSessionDataTask
        init(_ task: URLSessionDataTask) { self.task = task }
    }
}
