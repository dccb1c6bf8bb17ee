import Foundation
import VecCore

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
                retryAfter: response.headers["retry-after"].flatMap {
                    RetryPolicy.retryAfterSeconds($0)
                }
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
/// Each call waits for its answer, so the ingest loop stays a plain sequential program. One
/// connection is kept open between calls (keep-alive); when the server has closed it in the
/// meantime, the request is sent once more on a new connection.
public final class HTTPClient: HTTPTransport, @unchecked Sendable {
    /// The base URL without a trailing slash, e.g. `http://127.0.0.1:6333`.
    public let baseURL: String
    private let apiKey: String?
    private let host: String
    private let port: Int
    /// Path prefix of the base URL (`""` or `/prefix`).
    private let basePath: String
    private let timeout: Double
    private var connection: HTTPConnection?
    /// One request at a time per client: the connection carries one exchange at a time.
    private let lock = NSLock()

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
        self.host = host
        self.port = components.port ?? 80
        self.basePath = components.percentEncodedPath
        self.timeout = timeout
    }

    public func send(
        _ method: String,
        _ path: String,
        body: JSONValue?
    )
        throws(ClientError) -> HTTPResponse
    {
        let request = encode(method, path, body: body)
        lock.lock()
        defer { lock.unlock() }
        do {
            return try exchange(request, isHEAD: method == "HEAD")
        } catch {
            throw naming(error)
        }
    }

    /// Downloads `path` into the file `destination` (created or truncated) without holding
    /// the body in memory: for snapshots and backups of any size. A non-2xx answer is read
    /// whole and thrown as `ClientError.http`; nothing is retried.
    ///
    /// - Returns: the bytes written.
    /// - Throws: `ClientError`, or `CocoaError` when the file cannot be written.
    public func download(_ path: String, to destination: String) throws -> Int {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
            let output = FileHandle(forWritingAtPath: destination)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: destination])
        }
        defer { try? output.close() }
        lock.lock()
        defer { lock.unlock() }
        connection = nil  // a fresh connection: the answer may take long to start
        let link = try HTTPConnection(host: host, port: port, timeout: timeout)
        try link.write(encode("GET", path, body: nil))
        var written = 0
        var writeError: Error?
        let answer = try link.readResponse { piece in
            do {
                try output.write(contentsOf: Data(piece))
                written += piece.count
                return true
            } catch {
                writeError = error
                return false
            }
        }
        if let writeError { throw writeError }
        guard let (response, _) = answer else { return written }
        guard (200..<300).contains(response.status) else {
            throw ClientError.http(
                status: response.status, method: "GET", path: path,
                message: response.errorMessage)
        }
        try output.synchronize()
        return written
    }

    /// Sends on the kept connection, or a new one; a kept connection the server closed while
    /// idle fails before any answer byte, and only then is the request sent again.
    private func exchange(_ request: [UInt8], isHEAD: Bool) throws(ClientError) -> HTTPResponse {
        if let reused = connection {
            connection = nil
            do {
                return try exchange(request, on: reused, isHEAD: isHEAD)
            } catch {
                guard !reused.hasReceivedBytes else { throw error }
            }
        }
        let fresh = try HTTPConnection(host: host, port: port, timeout: timeout)
        return try exchange(request, on: fresh, isHEAD: isHEAD)
    }

    private func exchange(
        _ request: [UInt8],
        on link: HTTPConnection,
        isHEAD: Bool
    )
        throws(ClientError) -> HTTPResponse
    {
        try link.write(request)
        let (response, keepsAlive) = try link.readResponse(toHEAD: isHEAD)
        if keepsAlive { connection = link }
        return response
    }

    /// The request bytes: request line, headers, JSON body.
    private func encode(_ method: String, _ path: String, body: JSONValue?) -> [UInt8] {
        let payload = body?.serialized() ?? []
        var head = "\(method) \(basePath)\(path) HTTP/1.1\r\n"
        head += "Host: \(host):\(port)\r\n"
        head += "Accept: application/json\r\n"
        head += "Connection: keep-alive\r\n"
        if let apiKey { head += "api-key: \(apiKey)\r\n" }
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n\r\n"
        return Array(head.utf8) + payload
    }

    /// Connection errors from below carry no URL; this client knows it.
    private func naming(_ error: ClientError) -> ClientError {
        if case .connection(let url, let message) = error, url.isEmpty {
            return .connection(url: baseURL, message: message)
        }
        return error
    }
}
