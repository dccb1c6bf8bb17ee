import Foundation
import VectorStore

/// One HTTP request as the service sees it: no socket, no server, so routes can be tested by
/// calling `Service.handle(_:)` directly.
public struct Request: Sendable {
    /// Upper-case method name (`GET`, `PUT`, …).
    public var method: String
    /// The decoded path without the query string, e.g. `/collections/docs/points`.
    public var path: String
    /// Query parameters, decoded; the last value wins for a repeated name.
    public var query: [String: String]
    /// Header values by lower-cased name (the last one when a name was sent twice).
    public var headers: [String: String]
    /// Lower-cased names of headers the request carried more than once; authentication
    /// refuses a repeated credential rather than pick one of its values.
    public var repeatedHeaders: Set<String>
    /// The request body as received (bounded by the server's `maxBodyBytes`).
    public var body: [UInt8]

    /// A request; header names are lower-cased so lookups ignore case. Two names that differ
    /// only in case count as a repeated header.
    public init(
        method: String,
        path: String,
        query: [String: String] = [:],
        headers: [String: String] = [:],
        body: [UInt8] = [],
        repeatedHeaders: Set<String> = []
    ) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        var lowered: [String: String] = [:]
        var repeated = Set(repeatedHeaders.map { $0.lowercased() })
        for (name, value) in headers {
            let name = name.lowercased()
            if lowered.updateValue(value, forKey: name) != nil { repeated.insert(name) }
        }
        self.headers = lowered
        self.repeatedHeaders = repeated
        self.body = body
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// One HTTP response: status, content type and body bytes.
public struct Response: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The `Content-Type` header value.
    public var contentType: String
    /// The body bytes, sent as they are.
    public var body: [UInt8]
    /// Extra headers (for example `WWW-Authenticate`).
    public var headers: [String: String]
    /// A file sent as the body instead of `body`, straight from disk (snapshot downloads):
    /// the server never holds more than its socket buffers of it.
    public var file: FileBody?

    /// A response with `body` of `contentType`.
    public init(status: Int, contentType: String, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A response whose body is the whole of `file`, streamed from disk.
    public init(status: Int, contentType: String, file: FileBody, headers: [String: String] = [:])
    {
        self.init(status: status, contentType: contentType, body: [], headers: headers)
        self.file = file
    }

    /// A JSON response of `value` serialised compactly.
    public static func json(_ value: JSONValue, status: Int = 200) -> Response {
        Response(status: status, contentType: "application/json", body: value.serialized())
    }

    /// A plain-text response, as Qdrant answers health checks and authentication failures.
    public static func text(_ text: String, status: Int = 200) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// The body parsed as JSON; `nil` when it is not JSON. Meant for tests and clients.
    public var jsonBody: JSONValue? { try? JSONValue.parse(body) }

    /// The body as UTF-8 text.
    public var textBody: String { String(decoding: body, as: UTF8.self) }
}

/// An open file to answer with, read by the server as it sends (`sendfile` where the kernel
/// has it). Opening happens in the route, so a missing file is an ordinary error there and a
/// file deleted after opening is still sent whole (the descriptor keeps it).
///
/// The descriptor is handed to the server exactly once; if nobody takes it (a response that
/// is dropped, an in-process test), it is closed when the value goes away.
public final class FileBody: @unchecked Sendable {
    /// Bytes to send: the file's size when it was opened.
    public let size: UInt64
    private let descriptor: Int32
    private let lock = NSLock()
    private var isTaken = false

    /// Opens `path` for reading.
    /// - Throws: `StoreError.storage` naming the path and the system error.
    public init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw StoreError.storage(kind: "IO error", message: "cannot open \(path): \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw StoreError.storage(kind: "IO error", message: "cannot stat \(path): \(reason)")
        }
        self.descriptor = descriptor
        self.size = UInt64(status.st_size)
    }

    /// The descriptor, once: whoever takes it closes it. `nil` on every later call.
    func take() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        guard !isTaken else { return nil }
        isTaken = true
        return descriptor
    }

    /// Reads the whole file (tests and in-process callers); `nil` once the server took it.
    public func readAll() -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        guard !isTaken else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let read = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(done))
            }
            guard read > 0 else { break }
            done += read
        }
        return Array(bytes.prefix(done))
    }

    deinit {
        if !isTaken { close(descriptor) }
    }
}
