import Foundation
import VectorStore
import XCTest

@testable import VecService

/// The microhttpd layer on its own, with handlers that echo the request: body gathering,
/// limits, keep-alive and graceful shutdown, over real sockets on 127.0.0.1.
final class HTTPServerTests: XCTestCase {
    private func startServer(
        maxBodyBytes: Int = 1 << 20,
        connectionLimit: Int = 64,
        connectionTimeout: Int = 30,
        handler: @escaping HTTPServer.Handler = HTTPServerTests.echo
    ) throws -> HTTPServer {
        var options = HTTPServerOptions()
        options.port = 0
        options.threads = 2
        options.maxBodyBytes = maxBodyBytes
        options.connectionLimit = connectionLimit
        options.connectionTimeout = connectionTimeout
        let server = HTTPServer(options: options, handler: handler)
        try server.start()
        XCTAssertGreaterThan(server.port, 0)
        return server
    }

    private static let echo: HTTPServer.Handler = { request in
        .json([
            "method": .string(request.method), "path": .string(request.path),
            "query": .object(request.query.mapValues(JSONValue.string)),
            "api_key": request.header("api-key").map(JSONValue.string) ?? .null,
            "repeated": .array(request.repeatedHeaders.sorted().map(JSONValue.string)),
            "body_bytes": .int(Int64(request.body.count)),
            "body": .string(String(decoding: request.body, as: UTF8.self)),
        ])
    }

    func testEchoesMethodPathDecodedQueryHeadersAndBody() throws {
        let server = try startServer()
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        let reply = try client.send(
            "POST",
            "/collections/docs/points/query?wait=true&name=a%20b",
            headers: ["api-key": "secret"],
            body: Array(#"{"limit":3}"#.utf8)
        )
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers["content-type"], "application/json")
        let json = try XCTUnwrap(reply.json)
        XCTAssertEqual(json["method"], "POST")
        XCTAssertEqual(json["path"], "/collections/docs/points/query")
        XCTAssertEqual(json["query"], ["wait": "true", "name": "a b"])
        XCTAssertEqual(json["api_key"], "secret")
        XCTAssertEqual(json["body"], #"{"limit":3}"#)
    }

    /// An escaped NUL used to end the C-string path early, so `DELETE /collections/a%00/points/x`
    /// was routed as `DELETE /collections/a` and deleted the collection. The whole request is
    /// now refused before any handler runs; other escapes still decode.
    func testEscapedNulInThePathIsRefusedBeforeTheHandler() throws {
        let server = try startServer(handler: { _ in
            XCTFail("the handler must not see a path with a NUL")
            return Response(status: 200, contentType: "text/plain", body: [])
        })
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        for path in ["/collections/caps%00/points/x", "/tenants/a%00/keys/z"] {
            let reply = try client.send("DELETE", path, headers: [:], body: [])
            XCTAssertEqual(reply.status, 400, path)
        }
        let echo = try startServer()
        defer { echo.shutdown() }
        let reply = try RawHTTPClient(port: echo.port).send("GET", "/a%41b", headers: [:], body: [])
        XCTAssertEqual(try XCTUnwrap(reply.json)["path"], "/aAb")
    }

    func testKeepAliveServesManyRequestsOnOneConnection() throws {
        let server = try startServer()
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        for index in 0..<50 {
            let body = Array(String(repeating: "x", count: index * 100).utf8)
            let reply = try client.send("PUT", "/r/\(index)", body: body)
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.json?["body_bytes"], .int(Int64(index * 100)))
            XCTAssertEqual(reply.json?["path"], .string("/r/\(index)"))
        }
    }

    /// microhttpd keeps every header line; the request records which names came twice (in
    /// any case) so authentication can refuse an ambiguous credential.
    func testRepeatedHeaderLinesAreReportedToTheHandler() throws {
        let server = try startServer()
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        try client.write(Array(
            ("GET /x HTTP/1.1\r\nHost: x\r\napi-key: first\r\nAPI-Key: second\r\n"
                + "vecd-tenant: a\r\nX-One: 1\r\n\r\n").utf8))
        let json = try XCTUnwrap(try client.readReply().json)
        XCTAssertEqual(json["repeated"], ["api-key"])
        XCTAssertEqual(json["api_key"], "second", "the last line is the value kept")
        let single = try client.send("GET", "/y", headers: ["api-key": "only"])
        XCTAssertEqual(single.json?["repeated"], [])
        try client.write(Array("GET /z HTTP/1.1\r\nHost: x\r\napi-key: \t padded \t\r\n\r\n".utf8))
        // Leading whitespace is the header syntax's; microhttpd keeps the trailing part, so
        // a key pasted with a trailing space reaches authentication as sent (and is refused).
        XCTAssertEqual(try client.readReply().json?["api_key"], "padded \t")
    }

    func testBodyLargerThanLimitAnswers413WithoutReachingTheHandler() throws {
        let server = try startServer(maxBodyBytes: 4096) { _ in
            XCTFail("the handler must not see an oversized body")
            return .text("unexpected", status: 500)
        }
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        let reply = try client.send("PUT", "/big", body: [UInt8](repeating: 0x61, count: 5000))
        XCTAssertEqual(reply.status, 413)
        let error = try XCTUnwrap(reply.json?["status"]?["error"]?.stringValue)
        XCTAssertTrue(error.contains("4096"), error)
    }

    func testChunkedBodyLargerThanLimitAnswers413() throws {
        let server = try startServer(maxBodyBytes: 4096) { _ in .text("unexpected", status: 500) }
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        let chunk = String(repeating: "b", count: 3000)
        let size = String(chunk.utf8.count, radix: 16)
        try client.write(
            Array(
                ("PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "\(size)\r\n\(chunk)\r\n\(size)\r\n\(chunk)\r\n0\r\n\r\n").utf8
            )
        )
        XCTAssertEqual(try client.readReply().status, 413)
    }

    func testBodyAtTheLimitIsAccepted() throws {
        let server = try startServer(maxBodyBytes: 4096)
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        let reply = try client.send("PUT", "/edge", body: [UInt8](repeating: 0x61, count: 4096))
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.json?["body_bytes"], 4096)
    }

    func testMalformedRequestLineAnswers400() throws {
        let server = try startServer()
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        try client.write(Array("THIS IS NOT HTTP\r\n\r\n".utf8))
        XCTAssertEqual(try client.readReply().status, 400)
    }

    func testShutdownLetsARequestInFlightFinish() throws {
        let entered = DispatchSemaphore(value: 0)
        let server = try startServer { request in
            entered.signal()
            Thread.sleep(forTimeInterval: 0.5)
            return .text("finished \(request.path)")
        }
        let port = server.port
        let finished = expectation(description: "slow request answered")
        DispatchQueue.global().async {
            do {
                let reply = try RawHTTPClient(port: port).send("GET", "/slow")
                XCTAssertEqual(reply.status, 200)
                XCTAssertEqual(reply.text, "finished /slow")
            } catch {
                XCTFail("request in flight failed during shutdown: \(error)")
            }
            finished.fulfill()
        }
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success)
        server.shutdown(grace: 5)
        wait(for: [finished], timeout: 5)
        // After shutdown nothing listens on the port any more.
        XCTAssertThrowsError(try RawHTTPClient(port: port).send("GET", "/"))
    }

    func testIdleKeepAliveConnectionIsClosedAfterTheTimeout() throws {
        let server = try startServer(connectionTimeout: 1)
        defer { server.shutdown() }
        let client = try RawHTTPClient(port: server.port)
        XCTAssertEqual(try client.send("GET", "/first").status, 200)
        Thread.sleep(forTimeInterval: 2.5)
        XCTAssertTrue(client.isClosedByPeer(), "idle connection should have been closed")
    }

    /// Past the limit a connection is not served (it waits in the backlog or is dropped)
    /// until one of the held connections goes away.
    func testConnectionsPastTheLimitWaitForAFreeSlot() throws {
        let server = try startServer(connectionLimit: 2)
        defer { server.shutdown() }
        var held = try (0..<2).map { _ in try RawHTTPClient(port: server.port) }
        for client in held { XCTAssertEqual(try client.send("GET", "/held").status, 200) }
        let extra = try RawHTTPClient(port: server.port, timeoutSeconds: 1)
        XCTAssertThrowsError(
            try extra.send("GET", "/extra"),
            "a third connection is over the limit"
        )
        XCTAssertEqual(try held[1].send("GET", "/still").status, 200)
        // Closing a held connection frees a slot: the waiting request is served then.
        held.removeFirst()
        XCTAssertEqual(try extra.readReply().json?["path"], "/extra")
    }

    func testManyConcurrentClientsAreAllAnswered() throws {
        let server = try startServer()
        defer { server.shutdown() }
        let port = server.port
        let failures = NSLock()
        var failed = 0
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            do {
                let client = try RawHTTPClient(port: port)
                for index in 0..<20 {
                    let reply = try client.send("GET", "/w\(worker)/\(index)")
                    if reply.json?["path"] != .string("/w\(worker)/\(index)") {
                        throw RawHTTPClient.Failure(description: "mixed up")
                    }
                }
            } catch {
                failures.lock()
                failed += 1
                failures.unlock()
            }
        }
        XCTAssertEqual(failed, 0)
    }
}
