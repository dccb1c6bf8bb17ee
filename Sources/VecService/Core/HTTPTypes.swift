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

    /// A response with `body` of `contentType`.
    public init(status: Int, contentType: String, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
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
