import Foundation
import VecCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP answer: status, the headers we look at, and the raw body.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header values by lower-cased name.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The error text of a failed answer: Qdrant's `{"status": {"error": …}}` envelope when the
    /// body has one, otherwise the body as text (auth failures are plain text).
    public var errorMessage: String {
        if let json = try? JSONValue.parse(body),
            let message = json["status"]?["error"]?.stringValue
        {
            return message
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }
}

/// Something that answers HTTP requests: the real client, or an in-memory server in tests.
public protocol HTTPTransport: AnyObject {
    /// Sends one request and waits for the whole answer, whatever its status.
    /// - Parameters:
    ///   - method: `GET`, `PUT`, `POST`, `DELETE`.
    ///   - path: starts with `/`, already percent-encoded, may carry a query string.
    ///   - body: sent as `application/json` when given.
    /// - Throws: `ClientError.connection` when no answer arrives.
    func send(
        _ method: String,
        _ path: String,
        body: JSONValue?
    ) throws(ClientError)
        -> HTTPResponse
}

extension HTTPTransport {
    /// Sends a request and parses a 2xx answer as JSON; other statuses become `ClientError.http`.
    public func sendJSON(
        _ method: String,
        _ path: String,
        body: JSONValue? = nil
    )
        throws(ClientError) -> JSONValue
    {
        let response = try send(method, path, body: body)
        guard (200..<300).contains(response.status) else {
            throw .http(
                status: response.status,
                method: method,
                path: path,
                message: response.errorMessage,
                retryAfter: response.headers["retry-after"].flatMap { Double($0) }
            )
        }
        do {
            return try JSONValue.parse(response.body)
        } catch {
            throw .invalidResponse(method: method, path: path, message: error.description)
        }
    }

}

/// A blocking HTTP/1.1 client for one `http://host:port` base URL.
///
/// It wraps `URLSession` (FoundationNetworking, libcurl underneath) so that the ingest loop can
/// stay a plain sequential program: each call waits for its answer. One session is kept for
/// the client's life so that connections are reused (keep-alive) across batches.
public final class HTTPClient: HTTPTransport, @unchecked Sendable {
    /// The base URL without a trailing slash, e.g. `http://127.0.0.1:6333`.
    public let baseURL: String
    private let apiKey: String?
    private let session: URLSession

    /// - Parameters:
    ///   - baseURL: `http://host[:port][/prefix]`; only plain http is supported.
    ///   - apiKey: sent as the `api-key` header on every request when given.
    ///   - timeout: seconds to wait for each answer; server-side embedding of a batch is slow,
    ///     so callers pass minutes rather than the usual seconds.
    /// - Throws: `ClientError.invalidURL` naming the value when it is not an http URL.
    public init(baseURL: String, apiKey: String?, timeout: Double = 300) throws(ClientError) {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme
        else {
            throw .invalidURL(baseURL, reason: "not a URL")
        }
        guard scheme.lowercased() == "http" else {
            throw .invalidURL(baseURL, reason: "scheme '\(scheme)' is not supported, use http://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL(baseURL, reason: "no host")
        }
        self.baseURL = trimmed
        self.apiKey = apiKey

        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(
        _ method: String,
        _ path: String,
        body: JSONValue?
    )
        throws(ClientError) -> HTTPResponse
    {
        guard let url = URL(string: baseURL + path) else {
            throw .invalidURL(baseURL + path, reason: "path does not form a URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let apiKey { request.setValue(apiKey, forHTTPHeaderField: "api-key") }
        if let body {
            request.httpBody = Data(body.serialized())
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return try perform(request)
    }

    private func perform(_ request: URLRequest) throws(ClientError) -> HTTPResponse {
        // The completion handler runs on the session's queue; the semaphore turns the callback
        // into a return value. A box carries the result across because the closure escapes.
        final class Outcome: @unchecked Sendable {
            var response: HTTPResponse?
            var failure: String?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    headers[String(describing: key).lowercased()] = String(describing: value)
                }
                outcome.response = HTTPResponse(
                    status: http.statusCode,
                    headers: headers,
                    body: Array(data ?? Data())
                )
            } else {
                outcome.failure = error.map { $0.localizedDescription } ?? "no HTTP response"
            }
            done.signal()
        }
        task.resume()
        done.wait()
        if let response = outcome.response { return response }
        throw .connection(url: baseURL, message: outcome.failure ?? "no HTTP response")
    }
}
