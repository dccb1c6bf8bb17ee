import Foundation
import VectorStore
import XCTest

@testable import VecService

/// The running `vecd serve` binary driven over raw HTTP and by the real qdrant-client.
final class EndToEndTests: XCTestCase {
    var server: VecdProcess!
    var key = ""
    var readOnlyKey = ""

    override func setUpWithError() throws {
        server = try VecdProcess()
        (key, readOnlyKey) = try server.createTenant("acme")
    }

    override func tearDown() {
        server = nil
    }

    // MARK: - qdrant-client

    func testQdrantClientWorkflowAndLiteLLMSearchShape() throws {
        let (otherKey, _) = try server.createTenant("other")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("e2e/qdrant_client_workflow.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        var environment = ProcessInfo.processInfo.environment
        environment["VECD_URL"] = "http://127.0.0.1:\(server.port)"
        environment["VECD_API_KEY"] = key
        environment["VECD_READ_ONLY_KEY"] = readOnlyKey
        environment["VECD_OTHER_KEY"] = otherKey
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(
            decoding: output.fileHandleForReading.readDataToEndOfFile(),
            as: UTF8.self
        )
        process.waitUntilExit()
        XCTAssertEqual(
            process.terminationStatus,
            0,
            "qdrant-client workflow failed (needs `pip install qdrant-client==1.20.0`):\n\(text)"
        )
        XCTAssertTrue(text.contains("qdrant-client workflow passed"), text)
    }

    /// LiteLLM's semantic cache, request for request: exists check, create with binary
    /// quantization, upsert with a UUID id and no `wait`, then the legacy search with
    /// quantization params, reading `result[0].score` and `result[0].payload`.
    func testLiteLLMSemanticCacheRequestShapes() throws {
        let exists = try server.call("GET", "/collections/litellm/exists", key: key)
        XCTAssertEqual(exists.json?["result"]?["exists"], false)
        let created = try server.call(
            "PUT",
            "/collections/litellm",
            key: key,
            json: [
                "vectors": ["size": 1536, "distance": "Cosine"],
                "quantization_config": ["binary": ["always_ram": false]],
            ]
        )
        XCTAssertEqual(created.json?["result"], true, created.text)
        let info = try server.call("GET", "/collections/litellm", key: key)
        XCTAssertEqual(
            info.json?["result"]?["config"]?["quantization_config"],
            ["binary": ["always_ram": false]]
        )
        let embedding = JSONValue.array((0..<1536).map { .double(Double($0 % 7) / 7 + 0.01) })
        let stored = try server.call(
            "PUT",
            "/collections/litellm/points",
            key: key,
            json: [
                "points": [
                    [
                        "id": "3f2c1b9e-8d4a-4e6f-9b1a-2c3d4e5f6a7b", "vector": embedding,
                        "payload": ["text": "what is vecd?", "response": "{'answer': 42}"],
                    ]
                ]
            ]
        )
        XCTAssertEqual(stored.status, 200, stored.text)
        let search = try server.call(
            "POST",
            "/collections/litellm/points/search",
            key: key,
            json: [
                "vector": embedding,
                "params": [
                    "quantization": ["ignore": false, "rescore": true, "oversampling": 3.0]
                ],
                "limit": 1, "with_payload": true,
            ]
        )
        XCTAssertEqual(search.status, 200, search.text)
        let first = try XCTUnwrap(search.json?["result"]?.arrayValue?.first)
        XCTAssertEqual(first["id"], "3f2c1b9e-8d4a-4e6f-9b1a-2c3d4e5f6a7b")
        XCTAssertEqual(first["payload"]?["text"], "what is vecd?")
        XCTAssertEqual(try XCTUnwrap(first["score"]?.numberValue), 1, accuracy: 1e-4)
    }

    // MARK: - Ids (B20)

    func testB20PointIDSpellingsOverHTTP() throws {
        try server.createCollection("ids", key: key, dimension: 2)
        let valid: [JSONValue] = [
            42, "936DA01F9ABD4d9d80C702AF85C822A8",
            "550e8400-e29b-41d4-a716-446655440000",
            "urn:uuid:F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4",
        ]
        let points = JSONValue.array(
            valid.map { ["id": $0, "vector": [1, 0], "payload": ["id": $0]] }
        )
        let accepted = try server.call(
            "PUT",
            "/collections/ids/points?wait=true",
            key: key,
            json: ["points": points]
        )
        XCTAssertEqual(accepted.status, 200, accepted.text)
        let found = try server.call(
            "GET",
            "/collections/ids/points/936da01f-9abd-4d9d-80c7-02af85c822a8",
            key: key
        )
        XCTAssertEqual(found.status, 200, found.text)
        XCTAssertEqual(found.json?["result"]?["payload"]?["id"], "936DA01F9ABD4d9d80C702AF85C822A8")
        XCTAssertEqual(found.json?["result"]?["id"], "936da01f-9abd-4d9d-80c7-02af85c822a8")

        let invalid: [(String, String)] = [
            (#""b07ystb5hx""#, "b07ystb5hx"), ("-39672", "-39672"), ("1.5", "1.5"),
            (#""./data/a.txt_1""#, "./data/a.txt_1"),
            ("18446744073709551616", "1.8446744073709552e+19"),
        ]
        for (literal, shown) in invalid {
            // A valid point first: the bad one must keep it from being written too.
            let body = #"{"points":[{"id":7,"vector":[1,0]},{"id":\#(literal),"vector":[1,0]}]}"#
            let reply = try RawHTTPClient(port: server.port).send(
                "PUT",
                "/collections/ids/points?wait=true",
                headers: ["api-key": key, "Content-Type": "application/json"],
                body: Array(body.utf8)
            )
            XCTAssertEqual(reply.status, 400, literal)
            let message = reply.json?["status"]?["error"]?.stringValue ?? ""
            XCTAssertTrue(message.contains(shown) && message.contains("points[1].id"), message)
        }
        XCTAssertEqual(try server.count("ids", key: key), 4, "no partial write")
        XCTAssertEqual(
            try server.call("GET", "/collections/ids/points/not-an-id", key: key).status,
            400
        )
    }

    // MARK: - Admin API

    func testAdminAPITenantsAndKeys() throws {
        let again = try server.call("PUT", "/tenants/acme", key: VecdProcess.adminKey, json: [:])
        XCTAssertEqual(again.status, 409)
        XCTAssertEqual(
            try server.call(
                "PUT",
                "/tenants/bad%20name",
                key: VecdProcess.adminKey,
                json: [:]
            ).status,
            400
        )
        try server.createCollection("docs", key: key)
        try server.upsert("docs", key: key, [(1, [1, 0, 0, 0], [:]), (2, [0, 1, 0, 0], [:])])

        let shown = try server.call("GET", "/tenants/acme", key: VecdProcess.adminKey)
        let usage = shown.json?["result"]?["usage"]
        XCTAssertEqual(usage?["collections"], 1)
        XCTAssertEqual(usage?["points"], 2)
        XCTAssertNotNil(usage?["bytes"]?.intValue)
        XCTAssertEqual(usage?["embed_tokens"], 0)
        XCTAssertEqual(usage?["rerank_pairs"], 0)
        XCTAssertEqual(usage?["inference_requests"], 0)
        let patched = try server.call(
            "PATCH",
            "/tenants/acme",
            key: VecdProcess.adminKey,
            json: ["limits": ["max_points": 1000, "max_collections": 5]]
        )
        XCTAssertEqual(patched.json?["result"]?["limits"]?["max_points"], 1000, patched.text)
        XCTAssertEqual(
            try server.call(
                "PATCH",
                "/tenants/acme",
                key: VecdProcess.adminKey,
                json: ["limits": ["max_pointz": 1]]
            ).status,
            400
        )
        XCTAssertEqual(
            try server.call("GET", "/tenants/acme", key: VecdProcess.adminKey)
                .json?["result"]?["limits"]?["max_collections"],
            5
        )

        let issued = try server.issueKey(tenant: "acme", access: "r", collections: ["docs"])
        XCTAssertEqual(try server.count("docs", key: issued), 2)
        let listed = try server.call("GET", "/tenants/acme/keys", key: VecdProcess.adminKey)
        let keys = try XCTUnwrap(listed.json?["result"]?["keys"]?.arrayValue)
        XCTAssertEqual(keys.count, 3)
        XCTAssertFalse(
            listed.text.contains(issued) || listed.text.contains(key),
            "key material leaked"
        )
        let scopedID = try XCTUnwrap(
            keys.first { $0["collections"] == ["docs"] }?["id"]?.stringValue
        )
        XCTAssertEqual(
            try server.call(
                "DELETE",
                "/tenants/acme/keys/\(scopedID)",
                key: VecdProcess.adminKey
            ).status,
            200
        )
        XCTAssertEqual(
            try server.call(
                "DELETE",
                "/tenants/acme/keys/\(scopedID)",
                key: VecdProcess.adminKey
            ).status,
            404
        )
        XCTAssertEqual(try server.call("GET", "/collections", key: issued).status, 401, "revoked")
        XCTAssertEqual(
            try server.call(
                "POST",
                "/tenants/nobody/keys",
                key: VecdProcess.adminKey,
                json: [:]
            ).status,
            404
        )

        XCTAssertEqual(
            try server.call("DELETE", "/tenants/acme", key: VecdProcess.adminKey).status,
            200
        )
        XCTAssertEqual(try server.call("GET", "/collections", key: key).status, 401)
        XCTAssertEqual(
            try server.call("GET", "/tenants/acme", key: VecdProcess.adminKey).status,
            404
        )
        // A tenant made again under the same name starts empty.
        let (fresh, _) = try server.createTenant("acme")
        XCTAssertEqual(
            try server.call("GET", "/collections", key: fresh)
                .json?["result"]?["collections"],
            []
        )
    }

    func testJWTBindsToItsTenantAndAccess() throws {
        try server.createCollection("docs", key: key)
        try server.createCollection("notes", key: key)
        let reader = JWTFixture.token(["tenant": "acme", "access": "r"])
        let bearer = { (token: String) in ["Authorization": "Bearer \(token)"] }
        XCTAssertEqual(
            try server.call(
                "POST",
                "/collections/docs/points/count",
                json: [:],
                headers: bearer(reader)
            ).status,
            200
        )
        XCTAssertEqual(
            try server.call(
                "PUT",
                "/collections/docs/points",
                json: ["points": []],
                headers: bearer(reader)
            ).status,
            403
        )
        let listed = JWTFixture.token([
            "tenant": "acme",
            "access": [
                ["collection": "docs", "access": "rw"]
            ],
        ])
        XCTAssertEqual(
            try server.call(
                "PUT",
                "/collections/docs/points?wait=true",
                json: [
                    "points": [["id": 1, "vector": [1, 0, 0, 0]]]
                ],
                headers: bearer(listed)
            ).status,
            200
        )
        XCTAssertEqual(
            try server.call(
                "POST",
                "/collections/notes/points/count",
                json: [:],
                headers: bearer(listed)
            ).status,
            404
        )
        let expired = JWTFixture.token(["tenant": "acme", "access": "m", "exp": 1_000])
        XCTAssertEqual(try server.call("GET", "/collections", headers: bearer(expired)).status, 401)
        let forged = JWT.sign(claims: ["tenant": "acme", "access": "m"], secret: Array("x".utf8))
        XCTAssertEqual(try server.call("GET", "/collections", headers: bearer(forged)).status, 401)
        XCTAssertEqual(try server.call("GET", "/collections", headers: bearer(key)).status, 200)
    }

    // MARK: - Writes, errors, logs

    func testWaitFalseIsAcknowledgedAndWaitTrueCompleted() throws {
        try server.createCollection("docs", key: key)
        let buffered = try server.call(
            "PUT",
            "/collections/docs/points",
            key: key,
            json: [
                "points": [["id": 1, "vector": [1, 0, 0, 0]]]
            ]
        )
        XCTAssertEqual(buffered.json?["result"]?["status"], "acknowledged")
        let synced = try server.call(
            "PUT",
            "/collections/docs/points?wait=true",
            key: key,
            json: [
                "points": [["id": 2, "vector": [0, 1, 0, 0]]]
            ]
        )
        XCTAssertEqual(synced.json?["result"]?["status"], "completed")
        XCTAssertNotNil(synced.json?["result"]?["operation_id"]?.intValue)
        XCTAssertEqual(try server.count("docs", key: key), 2)
    }

    func testBadInputAnswers400NamingTheProblem() throws {
        try server.createCollection("docs", key: key)
        let cases: [(String, String, JSONValue, String)] = [
            ("PUT", "/points", ["points": [["id": 1, "vector": [1, 0]]]], "dim"),
            ("PUT", "/points", ["points": [["id": 1, "vector": ["x": [1, 0, 0, 0]]]]], "x"),
            (
                "POST", "/points/query",
                [
                    "query": [1, 0, 0, 0],
                    "filter": [
                        "must": [
                            ["key": "a", "matchh": ["value": 1]]
                        ]
                    ],
                ], "matchh"
            ),
            ("POST", "/points/count", ["filter": ["mustt": []]], "mustt"),
            ("POST", "/points/scroll", ["limit": "ten"], "limit"),
            ("POST", "/points/search", ["vector": "up", "limit": 1], "vector"),
            ("PUT", "/index", ["field_name": "a", "field_schema": "blob"], "blob"),
            // Text inference is issue 6; until an embedder is configured, documents are refused.
            ("PUT", "/points", ["points": [["id": 1, "vector": ["text": "hello"]]]], "inference"),
            ("POST", "/points/query", ["query": ["text": "hello"]], "inference"),
            ("POST", "/points/query", ["prefetch": ["query": [1, 0, 0, 0]],
                                       "query": ["rerank": ["text": "hello"]]], "rerank"),
        ]
        for (method, suffix, body, mention) in cases {
            let reply = try server.call(method, "/collections/docs\(suffix)", key: key, json: body)
            XCTAssertEqual(reply.status, 400, "\(suffix): \(reply.text)")
            let message = reply.json?["status"]?["error"]?.stringValue ?? ""
            XCTAssertTrue(message.lowercased().contains(mention), "\(suffix): \(message)")
        }
        let existing = try server.call(
            "PUT",
            "/collections/docs",
            key: key,
            json: [
                "vectors": ["size": 4, "distance": "Cosine"]
            ]
        )
        XCTAssertEqual(existing.status, 409)
        XCTAssertEqual(
            try server.call("GET", "/collections/nope", key: key).json?["status"]?["error"],
            "Not found: Collection `nope` doesn't exist!"
        )
        XCTAssertEqual(try server.count("docs", key: key), 0)
    }

    /// A request that is refused writes nothing, not even its valid first half.
    func testRejectedRequestsWriteNothing() throws {
        try server.createCollection("docs", key: key)
        let good: JSONValue = ["id": 50, "vector": [1, 0, 0, 0]]
        let badDimension: JSONValue = ["id": 51, "vector": [1, 0]]
        let rejected: [(String, String, JSONValue)] = [
            ("PUT", "/points?wait=true", ["points": [good, badDimension]]),
            ("PUT", "/points?wait=true", ["batch": ["ids": [50, 51], "vectors": [[1, 0, 0, 0], [1]]]]),
            ("POST", "/points/batch?wait=true", ["operations": [
                ["upsert": ["points": [good]]], ["upsert": ["points": [badDimension]]]]]),
            ("POST", "/points/batch?wait=true", ["operations": [
                ["upsert": ["points": [good]]],
                ["delete": ["filter": ["must": [["key": "a", "matchh": ["value": 1]]]]]]]]),
            ("POST", "/points/batch?wait=true", ["operations": [
                ["upsert": ["points": [good]]], ["upsert": ["points": [["id": 52, "vector": ["v": [1]]]]]]]]),
        ]
        for (method, suffix, body) in rejected {
            let reply = try server.call(method, "/collections/docs\(suffix)", key: key, json: body)
            XCTAssertEqual(reply.status, 400, "\(body): \(reply.text)")
            XCTAssertEqual(try server.count("docs", key: key), 0, "partial write by \(body)")
        }
    }

    /// Client input of any shape gets a 4xx, never a 5xx or a crash (issue 5).
    func testGarbageInputNeverCauses5xxOrACrash() throws {
        try server.createCollection("docs", key: key)
        try server.upsert("docs", key: key, [(1, [1, 0, 0, 0], ["a": 1])])
        let bodies: [String] = [
            "", "{", "[]", "null", "12", #""s""#, #"{"points":null}"#, #"{"points":[null]}"#,
            #"{"points":[{"id":{},"vector":{}}]}"#, #"{"batch":{"ids":[1],"vectors":{"":[[]]}}}"#,
            #"{"filter":{"must":[{"key":"a","match":{"value":[[[]]]}}]}}"#,
            #"{"query":{"nearest":{"nearest":[1]}}}"#, #"{"limit":1e308}"#,
            #"{"ids":[1,2,3],"with_payload":{"include":7}}"#, #"{"searches":[{}]}"#,
            #"{"operations":[{}]}"#, #"{"vector":[1e39,0,0,0],"limit":1}"#,
            String(repeating: "[", count: 5000), #"{"payload":{"a":1}}"#,
            #"{"query":[1,0,0,0],"prefetch":[{"prefetch":[{"query":5}]}]}"#,
        ]
        for route in IsolationMatrixTests.calls {
            for body in bodies {
                let reply = try RawHTTPClient(port: server.port).send(
                    route.method,
                    "/collections/docs\(route.suffix)",
                    headers: ["api-key": key, "Content-Type": "application/json"],
                    body: Array(body.utf8)
                )
                XCTAssertLessThan(reply.status, 500, "\(route.method) \(route.suffix) \(body)")
            }
        }
        XCTAssertEqual(try server.call("GET", "/healthz").status, 200, "still alive")
    }

    func testMetricsAreLabelledByTenantAndHideOtherTenants() throws {
        let (otherKey, _) = try server.createTenant("other")
        try server.createCollection("docs", key: key)
        try server.createCollection("private-name", key: otherKey)
        XCTAssertEqual(try server.call("GET", "/metrics").status, 401)
        let own = try server.call("GET", "/metrics", key: key)
        XCTAssertEqual(own.status, 200)
        XCTAssertTrue(
            own.text.contains(
                #"rest_responses_total{tenant="acme",method="PUT",endpoint="/collections/{collection}",status="200"} 1"#
            ),
            own.text
        )
        XCTAssertFalse(own.text.contains("tenant=\"other\""), "another tenant's series leaked")
        let all = try server.call("GET", "/metrics", key: VecdProcess.adminKey)
        XCTAssertTrue(all.text.contains("tenant=\"other\""), all.text)
        XCTAssertFalse(all.text.contains("private-name"), "route templates, never concrete paths")
    }

    func testRequestLogNamesTheRouteTemplateAndNeverThePayload() throws {
        try server.createCollection("docs", key: key)
        try server.upsert("docs", key: key, [(1, [1, 0, 0, 0], ["secret": "hunter2"])])
        var lines: [JSONValue] = []
        let deadline = Date().addingTimeInterval(5)
        repeat {
            lines = server.log.split(separator: "\n").compactMap {
                try? JSONValue.parse(String($0))
            }
        } while !lines.contains { $0["http.route"] == "/collections/{collection}/points" }
            && Date() < deadline
        let upsert = try XCTUnwrap(
            lines.first { $0["http.route"] == "/collections/{collection}/points" }
        )
        XCTAssertEqual(upsert["tenant.id"], "acme")
        XCTAssertEqual(upsert["http.status"], "200")
        XCTAssertEqual(upsert["http.method"], "PUT")
        XCTAssertNotNil(upsert["http.duration_ms"])
        XCTAssertFalse(server.log.contains("hunter2"))
        XCTAssertFalse(server.log.contains(key))
    }
}
