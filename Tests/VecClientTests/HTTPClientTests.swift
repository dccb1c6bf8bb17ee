import Foundation
import VecCore
import XCTest

@testable import VecClient

#if canImport(Glibc)
    import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 that answers every request on a connection with
/// the same canned response (keep-alive), recording the raw requests it saw.
final class CannedHTTPServer: @unchecked Sendable {
    /// What the server does with a connection after answering.
    enum Behaviour {
        /// Keeps it open for the next request.
        case keepAlive
        /// Closes it without saying so, as an idle timeout on the server side would.
        case closeSilently
        /// Reads the request and never answers.
        case neverAnswer
    }

    let port: UInt16
    private let listener: Int32
    private let response: [UInt8]
    private let behaviour: Behaviour
    private let lock = NSLock()
    private var seen: [String] = []
    private var accepted = 0

    var requests: [String] { lock.lock(); defer { lock.unlock() }; return seen }
    var connections: Int { lock.lock(); defer { lock.unlock() }; return accepted }

    init(response: String, behaviour: Behaviour = .keepAlive) throws {
        self.response = Array(response.utf8)
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        // Safety: `address` is a sockaddr_in of the size passed; the kernel only reads it.
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(listener, $0, &length)
            }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in self.serve() }
    }

    /// Stops accepting connections; the serving thread ends at its next `accept`.
    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            lock.lock()
            accepted += 1
            lock.unlock()
            while let request = readRequest(connection) {
                lock.lock()
                seen.append(request)
                lock.unlock()
                if behaviour == .neverAnswer { continue }
                _ = response.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                if behaviour == .closeSilently { break }
            }
            close(connection)
        }
    }

    /// Reads one request: headers up to the blank line, then `Content-Length` bytes of body.
    private func readRequest(_ connection: Int32) -> String? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let text = Optional(String(decoding: received, as: UTF8.self)),
                let headerEnd = text.range(of: "\r\n\r\n")
            {
                let headers = text[..<headerEnd.lowerBound].lowercased()
                let length =
                    headers.split(separator: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap {
                        Int(
                            $0.dropFirst("content-length:".count).trimmingCharacters(
                                in: .whitespaces
                            )
                        )
                    } ?? 0
                if text.utf8.count - text[..<headerEnd.upperBound].utf8.count >= length {
                    return text
                }
            }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return nil }
            received.append(contentsOf: buffer[0..<count])
        }
    }
}

final class HTTPClientTests: XCTestCase {
    func testSendsAPIKeyAndJSONAndReadsAChunkedAnswer() throws {
        let pieces = [#"{"result":{"cou"#, #"nt":7},"status":"ok"}"#]
        let chunked = pieces.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }
            .joined()
        let server = try CannedHTTPServer(
            response: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunked + "0\r\n\r\n"
        )
        defer { server.stop() }
        let http = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", apiKey: "key-1")
        let client = CollectionClient(http: http, collection: "my docs")
        XCTAssertEqual(try client.count(filter: IngestFilters.source("/a")), 7)
        XCTAssertEqual(try client.count(filter: IngestFilters.source("/b")), 7)

        let first = try XCTUnwrap(server.requests.first)
        XCTAssertTrue(
            first.hasPrefix("POST /collections/my%20docs/points/count HTTP/1.1\r\n"),
            first
        )
        XCTAssertTrue(first.lowercased().contains("\r\napi-key: key-1\r\n"), first)
        XCTAssertTrue(first.lowercased().contains("content-type: application/json"), first)
        XCTAssertTrue(
            first.hasSuffix(
                #"{"exact":true,"filter":{"must":[{"key":"source","match":{"value":"/a"}}]}}"#
            ),
            first
        )
    }

    func testKeepsOneConnectionAcrossRequests() throws {
        let body =
            #"{"result":{"count":3},"status":"ok","note":""#
            + String(repeating: "x", count: 400) + #""}"#
        let server = try CannedHTTPServer(
            response: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        )
        defer { server.stop() }
        let client = CollectionClient(
            http: try HTTPClient(
                baseURL: "http://127.0.0.1:\(server.port)",
                apiKey: nil,
                timeout: 5
            ),
            collection: "c"
        )
        // 600 answers are about 300 KB in all: the read buffer must not lose its place
        // when it is compacted (a bug that hung the 400th request until the server timed out).
        for _ in 0..<600 { XCTAssertEqual(try client.count(), 3) }
        XCTAssertEqual(server.requests.count, 600)
        XCTAssertEqual(server.connections, 1)
    }

    func testResendsOnANewConnectionWhenTheServerClosedTheIdleOne() throws {
        // No `Connection: close`: the client only learns of the close on its next request.
        let body = #"{"result":{"count":4},"status":"ok"}"#
        let server = try CannedHTTPServer(
            response: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body,
            behaviour: .closeSilently
        )
        defer { server.stop() }
        let client = CollectionClient(
            http: try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", apiKey: nil),
            collection: "c",
            retry: RetryPolicy(maxAttempts: 1, initialDelay: 0, maxDelay: 0)
        )
        for _ in 0..<3 { XCTAssertEqual(try client.count(), 4) }
        XCTAssertEqual(server.requests.count, 3)
        XCTAssertEqual(server.connections, 3)
    }

    func testSkipsInterimContinueAndReadsABodyEndedByClose() throws {
        let server = try CannedHTTPServer(
            response: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n"
                + #"{"result":{"exists":true},"status":"ok"}"#,
            behaviour: .closeSilently
        )
        defer { server.stop() }
        let client = CollectionClient(
            http: try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", apiKey: nil),
            collection: "c"
        )
        XCTAssertTrue(try client.exists())
        XCTAssertTrue(try client.exists())
    }

    func testAServerThatNeverAnswersTimesOut() throws {
        let server = try CannedHTTPServer(response: "", behaviour: .neverAnswer)
        defer { server.stop() }
        let http = try HTTPClient(
            baseURL: "http://127.0.0.1:\(server.port)",
            apiKey: nil,
            timeout: 0.5
        )
        let started = Date()
        XCTAssertThrowsError(try http.send("GET", "/readyz", body: nil)) { error in
            XCTAssertEqual(
                error as? ClientError,
                .connection(
                    url: "http://127.0.0.1:\(server.port)",
                    message: "timed out waiting for the answer"
                )
            )
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testNon2xxAnswerBecomesAnErrorCarryingTheServersMessage() throws {
        let body = #"{"status":{"error":"Not found: Collection `x` doesn't exist!"},"time":0.0}"#
        let server = try CannedHTTPServer(
            response: "HTTP/1.1 404 Not Found\r\nContent-Length: "
                + "\(body.utf8.count)\r\nContent-Type: application/json\r\n\r\n" + body
        )
        defer { server.stop() }
        let http = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", apiKey: nil)
        let client = CollectionClient(http: http, collection: "x")
        XCTAssertThrowsError(try client.query(["query": ["text": "q"]])) { error in
            XCTAssertEqual(
                error as? ClientError,
                .http(
                    status: 404,
                    method: "POST",
                    path: "/collections/x/points/query",
                    message: "Not found: Collection `x` doesn't exist!"
                )
            )
            XCTAssertFalse((error as? ClientError)?.isTransient ?? true)
        }
    }

    func testRateLimitAnswerIsRetriedAfterTheWaitTheServerAskedFor() throws {
        let body = #"{"status":{"error":"Too many requests: limit 10/min"},"time":0.0}"#
        let server = try CannedHTTPServer(
            response: "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: "
                + "\(body.utf8.count)\r\n\r\n" + body
        )
        defer { server.stop() }
        let recorder = DelayRecorder()
        let http = try HTTPClient(baseURL: "http://127.0.0.1:\(server.port)", apiKey: nil)
        let client = CollectionClient(
            http: http,
            collection: "x",
            retry: RetryPolicy(
                maxAttempts: 3,
                initialDelay: 0.5,
                maxDelay: 8,
                sleep: { recorder.record($0) }
            )
        )
        XCTAssertThrowsError(try client.count(filter: IngestFilters.source("/a"))) { error in
            XCTAssertEqual((error as? ClientError)?.retryAfter, 7)
            XCTAssertTrue("\(error)".hasSuffix("HTTP 429: Too many requests: limit 10/min"))
        }
        XCTAssertEqual(recorder.delays, [7, 7])
        XCTAssertEqual(server.requests.count, 3)
    }

    func testIngestRetriesOptionCountsRetriesAfterTheFirstAttempt() throws {
        // The real binary against a server that is always "unavailable": --retries N sends
        // the first request N + 1 times, waiting 0.5 s then 1 s, and then gives up.
        let body = #"{"status":{"error":"Service unavailable"},"time":0.0}"#
        let folder = try TemporaryFolder()
        let file = try folder.write("a.txt", "Pandas eat bamboo.")
        for (retries, attempts) in [(2, 3), (0, 1)] {
            let server = try CannedHTTPServer(
                response: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: "
                    + "\(body.utf8.count)\r\n\r\n" + body
            )
            defer { server.stop() }
            let run = try VecdRun([
                "ingest", "--url", "http://127.0.0.1:\(server.port)", "--collection", "x",
                "--retries", String(retries), "--progress", "none", file,
            ])
            XCTAssertEqual(run.status, 1, run.log)
            XCTAssertEqual(server.requests.count, attempts, run.log)
            let waits = run.errors.components(separatedBy: "\n").filter {
                $0.hasPrefix("retrying in ")
            }
            XCTAssertEqual(waits.map { String($0.prefix(17)) }, Array(
                ["retrying in 0.5s ", "retrying in 1.0s "].prefix(retries)), run.log)
            XCTAssertTrue(run.errors.contains("failed with HTTP 503: Service unavailable"), run.log)
        }
        let help = try VecdRun(["ingest", "--help"])
        XCTAssertTrue(help.output.contains("N + 1 attempts"), help.output)
        XCTAssertTrue(help.output.contains("--retries 4"), help.output)
    }

    func testRefusedConnectionIsATransientConnectionError() throws {
        // Listen on a free port, then stop, so nothing listens there any more.
        let server = try CannedHTTPServer(response: "")
        server.stop()
        let port = server.port
        let http = try HTTPClient(baseURL: "http://127.0.0.1:\(port)", apiKey: nil, timeout: 5)
        XCTAssertThrowsError(try http.send("GET", "/readyz", body: nil)) { error in
            guard case .connection(let url, _)? = error as? ClientError else {
                return XCTFail("expected a connection error, got \(error)")
            }
            XCTAssertEqual(url, "http://127.0.0.1:\(port)")
            XCTAssertTrue((error as? ClientError)?.isTransient ?? false)
        }
    }

    func testOnlyConnectionErrors5xxAnd429WithRetryAfterAreRetried() {
        func http(_ status: Int, retryAfter: Double? = nil) -> ClientError {
            .http(status: status, method: "PUT", path: "/p", message: "m", retryAfter: retryAfter)
        }
        XCTAssertTrue(ClientError.connection(url: "u", message: "reset").isTransient)
        for status in [500, 502, 503, 504] { XCTAssertTrue(http(status).isTransient, "\(status)") }
        XCTAssertTrue(http(429, retryAfter: 2).isTransient)
        for status in [400, 401, 403, 404, 409, 413, 422, 429, 501, 505] {
            XCTAssertFalse(http(status).isTransient, "\(status)")
        }
        XCTAssertFalse(http(404, retryAfter: 2).isTransient, "a 4xx never, whatever it says")
        XCTAssertEqual(RetryPolicy.retryAfterSeconds(" 12 "), 12)
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        XCTAssertEqual(
            RetryPolicy.retryAfterSeconds("Wed, 21 Oct 2015 07:28:30 GMT", now: now), 30)
        XCTAssertNil(RetryPolicy.retryAfterSeconds("soon"))
        var policy = RetryPolicy.standard
        XCTAssertEqual(policy.retries, 4)
        policy.retries = 0
        XCTAssertEqual(policy.maxAttempts, 1)
    }

    func testRetryPolicyDoublesUpToTheCapAndStopsOnPermanentErrors() {
        let policy = RetryPolicy(maxAttempts: 6, initialDelay: 0.5, maxDelay: 4, sleep: { _ in })
        XCTAssertEqual((1...5).map { policy.delay(afterAttempt: $0) }, [0.5, 1, 2, 4, 4])
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: 30), 30)
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: 3600), 60)
        var attempts = 0
        XCTAssertThrowsError(
            try policy.run { () throws(ClientError) -> Int in
                attempts += 1
                throw .http(status: 400, method: "PUT", path: "/p", message: "bad")
            }
        )
        XCTAssertEqual(attempts, 1)
        attempts = 0
        XCTAssertThrowsError(
            try policy.run { () throws(ClientError) -> Int in
                attempts += 1
                throw .http(status: 503, method: "PUT", path: "/p", message: "busy")
            }
        )
        XCTAssertEqual(attempts, 6)
    }
}
