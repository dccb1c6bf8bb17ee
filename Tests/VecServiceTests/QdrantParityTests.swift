import Foundation
import TestSupport
import VectorStore
import XCTest

@testable import VecService

/// Where vecd used to differ from Qdrant or let bad input through, checked through
/// `Service.handle` without sockets: payload paths, missing points, limits, vector names,
/// geo filters, credential headers and collection management by scoped keys.
final class QdrantParityTests: XCTestCase {
    private var fixture: TemporaryStore!
    private var service: Service!
    private var key = ""

    override func setUpWithError() throws {
        fixture = try TemporaryStore()
        service = Service(store: fixture.store, adminKey: "admin")
        let created = call("PUT", "/tenants/t", key: "admin", body: [:])
        key = try XCTUnwrap(created.jsonBody?["result"]?["api_key"]?.stringValue)
        let collection = call("PUT", "/collections/docs", body: [
            "vectors": ["size": 2, "distance": "Dot"],
        ])
        XCTAssertEqual(collection.status, 200, collection.textBody)
    }

    override func tearDown() {
        service = nil
        fixture = nil
    }

    @discardableResult
    private func call(
        _ method: String, _ path: String, key: String? = nil, headers: [String: String]? = nil,
        body: JSONValue? = nil
    ) -> Response {
        service.handle(Request(
            method: method, path: path, query: ["wait": "true"],
            headers: headers ?? ["api-key": key ?? self.key],
            body: body?.serialized() ?? []))
    }

    private func upsert(_ id: Int64, _ payload: JSONValue) {
        let reply = call("PUT", "/collections/docs/points", body: [
            "points": [["id": .int(id), "vector": [1, 0], "payload": payload]],
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
    }

    private func payload(_ id: Int64) -> JSONValue? {
        call("GET", "/collections/docs/points/\(id)").jsonBody?["result"]?["payload"]
    }

    /// Asserts `reply` is a JSON error with `status` whose message contains each of `words`.
    private func assertError(
        _ reply: Response, _ status: Int, _ words: String...,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(reply.status, status, reply.textBody, file: file, line: line)
        let message = reply.jsonBody?["status"]?["error"]?.stringValue ?? reply.textBody
        for word in words {
            XCTAssertTrue(message.contains(word), "`\(word)` not in: \(message)",
                          file: file, line: line)
        }
    }

    // MARK: - 1. Payload keys are Qdrant JSON paths

    func testSetPayloadWithNestedKeyIndexAndWildcardFollowsQdrant() {
        upsert(1, ["a": ["b": [["c": 1], ["c": 2]]], "n": 3])
        // `a.b[1]`: merge into one element.
        var reply = call("POST", "/collections/docs/points/payload", body: [
            "payload": ["c": 5], "points": [1], "key": "a.b[1]",
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1), ["a": ["b": [["c": 1], ["c": 5]]], "n": 3])
        // `a.b[].x`: into every element, creating `x`.
        reply = call("POST", "/collections/docs/points/payload", body: [
            "payload": ["y": true], "points": [1], "key": "a.b[].x",
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1), [
            "a": ["b": [["c": 1, "x": ["y": true]], ["c": 5, "x": ["y": true]]]], "n": 3,
        ])
        // A scalar in the way becomes an object; a missing index pads with nulls.
        reply = call("POST", "/collections/docs/points/payload", body: [
            "payload": ["k": 1], "points": [1], "key": "n.deep",
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1)?["n"], ["deep": ["k": 1]])
        reply = call("POST", "/collections/docs/points/payload", body: [
            "payload": ["k": 2], "points": [1], "key": "list[2]",
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1)?["list"], [.null, .null, ["k": 2]])
        // A quoted key holding a dot is one key, not a path.
        reply = call("POST", "/collections/docs/points/payload", body: [
            "payload": ["v": 1], "points": [1], "key": "\"dotted.key\"",
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1)?["dotted.key"], ["v": 1])
    }

    func testDeletePayloadRemovesNestedKeysElementsAndProjections() {
        upsert(1, [
            "a": ["b": 1, "c": 2], "list": [10, 20, 30],
            "items": [["k": 1, "v": "x"], ["k": 2, "v": "y"]], "all": [1, 2], "keep": true,
        ])
        let reply = call("POST", "/collections/docs/points/payload/delete", body: [
            "keys": ["a.b", "list[1]", "items[].k", "all[]", "missing.key", "keep.not_object"],
            "points": [1],
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1), [
            "a": ["c": 2], "list": [10, 30], "items": [["v": "x"], ["v": "y"]], "all": [],
            "keep": true,
        ])
    }

    func testQueryGroupsSelectsNestedPayloadPathsLikeQuery() {
        upsert(1, ["g": "x", "e": ["f": 3, "h": 4], "top": 1])
        let selectors: [(JSONValue, JSONValue)] = [
            (["include": ["e.f"]], ["e": ["f": 3]]),
            (["exclude": ["e.f"]], ["g": "x", "e": ["h": 4], "top": 1]),
            (["e.f", "top"], ["e": ["f": 3], "top": 1]),
        ]
        for (selector, expected) in selectors {
            let grouped = call("POST", "/collections/docs/points/query/groups", body: [
                "query": [1, 0], "group_by": "g", "with_payload": selector,
            ])
            XCTAssertEqual(grouped.status, 200, grouped.textBody)
            let group = grouped.jsonBody?["result"]?["groups"]?.arrayValue?.first
            let hit = group?["hits"]?.arrayValue?.first
            XCTAssertEqual(hit?["payload"], expected, "with_payload \(selector)")
            let plain = call("POST", "/collections/docs/points/query", body: [
                "query": [1, 0], "with_payload": selector,
            ])
            let point = plain.jsonBody?["result"]?["points"]?.arrayValue?.first
            XCTAssertEqual(point?["payload"], expected)
        }
    }

    func testQueryGroupsGroupByIsAJSONPathLikeFacet() {
        upsert(1, ["arr": [["y": 1], ["y": 2]], "odd.key": ["x": "k"]])
        upsert(2, ["arr": [["y": 2]], "odd.key": ["x": "k"]])
        func groupIDs(_ key: String) -> [JSONValue]? {
            let reply = call("POST", "/collections/docs/points/query/groups", body: [
                "query": [1, 0], "group_by": .string(key),
            ])
            XCTAssertEqual(reply.status, 200, reply.textBody)
            return reply.jsonBody?["result"]?["groups"]?.arrayValue?.compactMap { $0["id"] }
        }
        XCTAssertEqual(Set(groupIDs("arr[].y") ?? []), [1, 2])
        XCTAssertEqual(groupIDs("\"odd.key\".x"), ["k"])
        assertError(call("POST", "/collections/docs/points/query/groups", body: [
            "query": [1, 0], "group_by": "a..b",
        ]), 400, "group_by")
    }

    /// A query ordered by payload answers the points' real versions, as a vector query does
    /// (it answered 0).
    func testOrderByQueryHitsCarryThePointsVersions() {
        upsert(1, ["t": 1])
        upsert(2, ["t": 2])
        upsert(1, ["t": 3])
        func versions(_ query: JSONValue) -> [String: JSONValue] {
            let reply = call("POST", "/collections/docs/points/query", body: ["query": query])
            XCTAssertEqual(reply.status, 200, reply.textBody)
            var byID: [String: JSONValue] = [:]
            for point in reply.jsonBody?["result"]?["points"]?.arrayValue ?? [] {
                byID[point["id"]?.jsonString ?? ""] = point["version"]
            }
            return byID
        }
        let ordered = versions(["order_by": "t"])
        XCTAssertEqual(ordered.count, 2)
        XCTAssertEqual(ordered, versions([1, 0]))
        XCTAssertNotEqual(ordered["1"], ordered["2"])
    }

    func testPayloadKeysQdrantRefusesAre400NamingTheKey() {
        upsert(1, ["a": 1])
        for bad in ["", "a..b", "a[", "a[x]", "a.", "[0]", "a b"] {
            assertError(call("POST", "/collections/docs/points/payload", body: [
                "payload": ["x": 1], "points": [1], "key": .string(bad),
            ]), 400, "key", "not a valid JSON path")
            assertError(call("POST", "/collections/docs/points/payload/delete", body: [
                "keys": ["a", .string(bad)], "points": [1],
            ]), 400, "keys[1]")
        }
        assertError(call("POST", "/collections/docs/points/payload", body: [
            "payload": ["x": 1], "points": [1], "key": "a[100000000]",
        ]), 400, "key", "100000000")
        XCTAssertEqual(payload(1), ["a": 1], "a refused edit writes nothing")
    }

    /// Qdrant's `overwrite_payload` ignores `key` and replaces the whole payload.
    func testOverwritePayloadIgnoresKeyAndClearEmptiesAll() {
        upsert(1, ["a": ["b": 1], "c": 2])
        var reply = call("PUT", "/collections/docs/points/payload", body: [
            "payload": ["x": 1], "points": [1], "key": "a.b",
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1), ["x": 1])
        reply = call("POST", "/collections/docs/points/payload/clear", body: ["points": [1]])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(1), [:])
    }

    func testBatchWithBadPayloadKeyWritesNothing() {
        upsert(1, ["a": 1])
        let reply = call("POST", "/collections/docs/points/batch", body: [
            "operations": [
                ["set_payload": ["payload": ["b": 2], "points": [1]]],
                ["delete_payload": ["keys": ["a["], "points": [1]]],
            ],
        ])
        assertError(reply, 400, "operations[1].delete_payload.keys[0]")
        XCTAssertEqual(payload(1), ["a": 1])
    }

    // MARK: - 2. Payload edits of missing points are 404 with nothing written

    func testPayloadEditsOfMissingPointsAre404AndWriteNothing() {
        upsert(1, ["a": 1])
        let edits: [(String, String, JSONValue)] = [
            ("POST", "/collections/docs/points/payload", ["payload": ["b": 2], "points": [1, 77]]),
            ("PUT", "/collections/docs/points/payload", ["payload": ["b": 2], "points": [1, 77]]),
            ("POST", "/collections/docs/points/payload/delete", ["keys": ["a"], "points": [1, 77]]),
            ("POST", "/collections/docs/points/payload/clear", ["points": [1, 77]]),
        ]
        for (method, path, body) in edits {
            assertError(call(method, path, body: body), 404, "No point with id 77 found")
            XCTAssertEqual(payload(1), ["a": 1], "\(method) \(path) wrote to point 1")
        }
        // A filter that matches nothing is not an error (Qdrant: 200).
        let none = call("POST", "/collections/docs/points/payload", body: [
            "payload": ["b": 2], "filter": ["must": [["has_id": [77]]]],
        ])
        XCTAssertEqual(none.status, 200, none.textBody)
    }

    func testBatchPayloadEditOfMissingPointIs404BeforeAnyOperationRuns() {
        upsert(1, ["a": 1])
        var reply = call("POST", "/collections/docs/points/batch", body: [
            "operations": [
                ["set_payload": ["payload": ["b": 2], "points": [1]]],
                ["delete": ["points": [1]]],
                ["set_payload": ["payload": ["c": 3], "points": [1]]],
            ],
        ])
        assertError(reply, 404, "No point with id 1 found")
        XCTAssertEqual(payload(1), ["a": 1], "the first operation must not have run")
        // A point upserted earlier in the batch may be edited later in it.
        reply = call("POST", "/collections/docs/points/batch", body: [
            "operations": [
                ["upsert": ["points": [["id": 5, "vector": [0, 1]]]]],
                ["set_payload": ["payload": ["c": 3], "points": [5]]],
            ],
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(payload(5), ["c": 3])
    }

    // MARK: - 3. Limits follow Qdrant's minimums

    func testZeroLimitsAre400NamingTheField() {
        upsert(1, [:])
        let scroll = call("POST", "/collections/docs/points/scroll", body: ["limit": 0])
        assertError(scroll, 400, "limit", "1...")
        XCTAssertNil(scroll.jsonBody?["result"], "no page, so no next_page_offset")
        assertError(call("POST", "/collections/docs/points/query", body: [
            "query": [1, 0], "limit": 0,
        ]), 400, "limit")
        assertError(call("POST", "/collections/docs/points/query", body: [
            "prefetch": [["query": [1, 0], "limit": 0]], "query": ["fusion": "rrf"],
        ]), 400, "prefetch[0].limit")
        assertError(call("POST", "/collections/docs/points/search", body: [
            "vector": [1, 0], "limit": 0,
        ]), 400, "limit")
        assertError(call("POST", "/collections/docs/points/search/batch", body: [
            "searches": [["vector": [1, 0], "limit": 1], ["vector": [1, 0], "limit": -3]],
        ]), 400, "searches[1].limit")
        assertError(call("POST", "/collections/docs/points/query", body: [
            "query": [1, 0], "offset": -1,
        ]), 400, "offset")
        let one = call("POST", "/collections/docs/points/scroll", body: ["limit": 1])
        XCTAssertEqual(one.status, 200, one.textBody)
        XCTAssertEqual(one.jsonBody?["result"]?["points"]?.arrayValue?.count, 1)
    }

    // MARK: - 4. Unknown vector names are 400 naming the vector

    func testUnknownVectorNamesInWithVectorAndUsingAre400() {
        upsert(1, [:])
        let reads: [(String, JSONValue)] = [
            ("/collections/docs/points/scroll", ["with_vector": ["unknown_name"]]),
            ("/collections/docs/points", ["ids": [1], "with_vector": ["unknown_name"]]),
            ("/collections/docs/points/query",
             ["query": [1, 0], "with_vector": ["unknown_name"]]),
            ("/collections/docs/points/search",
             ["vector": [1, 0], "with_vector": ["unknown_name"]]),
            ("/collections/docs/points/query", ["query": [1, 0], "using": "unknown_name"]),
            ("/collections/docs/points/query", ["query": 1, "using": "unknown_name"]),
            ("/collections/docs/points/search",
             ["vector": ["name": "unknown_name", "vector": [1, 0]]]),
        ]
        for (path, body) in reads {
            assertError(call("POST", path, body: body), 400, "unknown_name")
        }
        // Even with no point to read, the name is checked.
        assertError(call("POST", "/collections/docs/points", body: [
            "ids": [404], "with_vector": ["unknown_name"],
        ]), 400, "unknown_name")
        let known = call("POST", "/collections/docs/points", body: [
            "ids": [1], "with_vector": [.string(defaultVectorName)],
        ])
        XCTAssertEqual(known.status, 200, known.textBody)
        XCTAssertEqual(known.jsonBody?["result"]?[0]?["vector"], [1.0, 0.0])
    }

    // MARK: - 5. Geo filters refuse impossible coordinates and radii

    func testGeoFiltersWithBadRadiusOrCoordinatesAre400NamingTheField() {
        func radius(_ center: JSONValue, _ radius: JSONValue) -> Response {
            call("POST", "/collections/docs/points/scroll", body: [
                "filter": ["must": [["key": "loc", "geo_radius": [
                    "center": center, "radius": radius,
                ]]]],
            ])
        }
        assertError(radius(["lon": 0, "lat": 0], -1), 400, "geo_radius.radius", "non-negative")
        assertError(radius(["lon": 0, "lat": 95], 10), 400, "center.lat", "[-90, 90]")
        assertError(radius(["lon": -181, "lat": 0], 10), 400, "center.lon", "[-180, 180]")
        XCTAssertEqual(radius(["lon": 180, "lat": -90], 0).status, 200)
    }

    // MARK: - 6. Ambiguous or altered credentials are refused

    func testRepeatedOrConflictingCredentialHeadersAre401() {
        let path = "/collections/docs/exists"
        func assertRefused(_ reply: Response, _ words: String..., line: UInt = #line) {
            XCTAssertEqual(reply.status, 401, reply.textBody, line: line)
            XCTAssertTrue(reply.contentType.hasPrefix("text/plain"), line: line)
            for word in words {
                XCTAssertTrue(reply.textBody.contains(word), reply.textBody, line: line)
            }
        }
        // Two api-key headers, even one of them the valid key, and in either order.
        for repeated in [["api-key": key, "Api-Key": "wrong"], ["API-KEY": "wrong", "api-key": key]]
        {
            assertRefused(call("GET", path, headers: repeated), "api-key", "more than once")
        }
        assertRefused(call("GET", path, headers: [
            "authorization": "Bearer \(key)", "Authorization": "Bearer other",
        ]), "Authorization".lowercased(), "more than once")
        // A repeat the server saw on the wire (microhttpd keeps both lines).
        assertRefused(service.handle(Request(
            method: "GET", path: path, headers: ["api-key": key], repeatedHeaders: ["api-key"])),
            "more than once")
        // Both headers with different credentials; the same one in both is fine.
        assertRefused(call("GET", path, headers: [
            "api-key": key, "authorization": "Bearer admin",
        ]), "different")
        let same = call("GET", path, headers: ["api-key": key, "authorization": "Bearer \(key)"])
        XCTAssertEqual(same.status, 200, same.textBody)
        // The admin key naming two tenants is refused too.
        let tenants = service.handle(Request(
            method: "GET", path: path, headers: ["api-key": "admin", "vecd-tenant": "t"],
            repeatedHeaders: ["vecd-tenant"]))
        assertError(tenants, 400, "vecd-tenant", "more than once")
    }

    func testKeyWithSurroundingWhitespaceIsNotTrimmed() {
        let path = "/collections/docs/exists"
        for spaced in [" \(key)", "\(key) ", "\t\(key)", " admin"] {
            let reply = call("GET", path, headers: ["api-key": spaced])
            XCTAssertEqual(reply.status, 401, "`\(spaced)` must not match a key")
            XCTAssertTrue(reply.textBody.contains("Invalid API key"), reply.textBody)
            XCTAssertTrue(reply.textBody.contains("whitespace"), reply.textBody)
        }
        let bearer = call("GET", path, headers: ["authorization": "Bearer \(key) "])
        XCTAssertEqual(bearer.status, 401, bearer.textBody)
        // Spaces between the scheme and the token are syntax (RFC 6750), not part of it.
        let spaced = call("GET", path, headers: ["authorization": "Bearer   \(key)"])
        XCTAssertEqual(spaced.status, 200, spaced.textBody)
    }

    // MARK: - 7. Collection-scoped credentials cannot manage collections

    func testCollectionScopedWriteKeysCannotCreateDeleteOrRecoverCollections() throws {
        let issued = call("POST", "/tenants/t/keys", key: "admin", body: [
            "access": "rw", "collections": ["docs", "fresh"],
        ])
        let scoped = try XCTUnwrap(issued.jsonBody?["result"]?["api_key"]?.stringValue)
        let jwt = JWT.sign(claims: [
            "tenant": "t", "access": [["collection": "docs", "access": "rw"],
                                      ["collection": "fresh", "access": "rw"]],
        ], secret: Array("admin".utf8))
        let vectors: JSONValue = ["vectors": ["size": 2, "distance": "Dot"]]
        for credential in [["api-key": scoped], ["authorization": "Bearer \(jwt)"]] {
            for (method, path, body) in [
                ("PUT", "/collections/fresh", vectors), ("DELETE", "/collections/docs", nil),
                ("PUT", "/collections/docs/snapshots/recover", ["location": "x.snapshot"]),
                ("POST", "/collections/docs/snapshots/upload", nil),
            ] as [(String, String, JSONValue?)] {
                let reply = call(method, path, headers: credential, body: body)
                XCTAssertEqual(reply.status, 403, "\(method) \(path): \(reply.textBody)")
                XCTAssertTrue(reply.textBody.contains("collection-scoped"), reply.textBody)
            }
            // Points and collection snapshots stay within a scoped rw credential's reach.
            let upsert = call("PUT", "/collections/docs/points", headers: credential, body: [
                "points": [["id": 1, "vector": [1, 0]]],
            ])
            XCTAssertEqual(upsert.status, 200, upsert.textBody)
            let snapshot = call("POST", "/collections/docs/snapshots", headers: credential)
            XCTAssertEqual(snapshot.status, 200, snapshot.textBody)
        }
        XCTAssertEqual(call("GET", "/collections/fresh/exists").jsonBody?["result"]?["exists"],
                       false)
        XCTAssertEqual(call("GET", "/collections/docs/exists").jsonBody?["result"]?["exists"],
                       true)
        // A tenant-wide rw key, and the admin key naming the tenant, still manage collections.
        XCTAssertEqual(call("PUT", "/collections/fresh", body: vectors).status, 200)
        let admin = call("DELETE", "/collections/fresh",
                         headers: ["api-key": "admin", "vecd-tenant": "t"])
        XCTAssertEqual(admin.status, 200, admin.textBody)
        // A read-only tenant-wide key is refused as read-only.
        let reader = call("POST", "/tenants/t/keys", key: "admin", body: ["access": "r"])
        let readKey = try XCTUnwrap(reader.jsonBody?["result"]?["api_key"]?.stringValue)
        let refused = call("PUT", "/collections/other", key: readKey, body: vectors)
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.textBody.contains("read-only"), refused.textBody)
    }
}

/// Item 8: inference requests are checked in full before any model runs.
final class InferenceValidationTests: XCTestCase {
    /// Three-dimensional vectors; counts its calls so a test can tell whether a model ran.
    final class CountingEmbedder: EmbedderProvider, @unchecked Sendable {
        private let lock = NSLock()
        private var calls = 0
        var embedCalls: Int { lock.withLock { calls } }

        func embed(_ texts: [String], model: String?, role: TextRole) throws -> TextEmbeddings {
            lock.withLock { calls += 1 }
            return TextEmbeddings(model: "fake", vectors: texts.map { [Float($0.count), 1, 0] },
                                  tokens: texts.count, truncated: [])
        }

        func dimension(model: String?) throws -> (model: String, dimension: Int) { ("fake", 3) }
    }

    private var fixture: TemporaryStore!
    private var service: Service!
    private let embedder = CountingEmbedder()

    override func setUpWithError() throws {
        fixture = try TemporaryStore()
        _ = try fixture.session(tenant: "acme")
        service = Service(store: fixture.store, adminKey: "admin", embedder: embedder)
        for (name, size) in [("docs", 3), ("narrow", 2)] {
            let reply = call("PUT", "/collections/\(name)", [
                "vectors": ["size": .int(Int64(size)), "distance": "Dot"],
            ])
            XCTAssertEqual(reply.status, 200, reply.textBody)
        }
    }

    override func tearDown() {
        service = nil
        fixture = nil
    }

    @discardableResult
    private func call(_ method: String, _ path: String, _ body: JSONValue? = nil) -> Response {
        service.handle(Request(
            method: method, path: path, query: ["wait": "true"],
            headers: ["api-key": "admin", "vecd-tenant": "acme"], body: body?.serialized() ?? []))
    }

    private func message(_ reply: Response) -> String {
        reply.jsonBody?["status"]?["error"]?.stringValue
            ?? reply.jsonBody?["error"]?["message"]?.stringValue ?? reply.textBody
    }

    private func documents(_ count: Int, from first: Int = 0) -> JSONValue {
        .array((first..<first + count).map { id in
            ["id": .int(Int64(id)), "vector": ["text": .string("text \(id)")]]
        })
    }

    func testEmbeddingsDimensionsIsCheckedBeforeTheModelRuns() {
        let wrong = call("POST", "/v1/embeddings", ["input": ["a", "b"], "dimensions": 5])
        XCTAssertEqual(wrong.status, 400, wrong.textBody)
        XCTAssertTrue(message(wrong).contains("dimensions"), message(wrong))
        XCTAssertTrue(message(wrong).contains("3-dimensional"), message(wrong))
        for bad: JSONValue in [["input": "a", "dimensions": 0],
                               ["input": "a", "encoding_format": "hex"],
                               ["input": "a", "input_type": "poem"]] {
            XCTAssertEqual(call("POST", "/v1/embeddings", bad).status, 400)
        }
        XCTAssertEqual(embedder.embedCalls, 0, "a refused request must not run the model")
        let right = call("POST", "/v1/embeddings", ["input": "a", "dimensions": 3])
        XCTAssertEqual(right.status, 200, right.textBody)
        XCTAssertEqual(embedder.embedCalls, 1)
    }

    func testDocumentUpsertsOverTheTextCapAre400BeforeAnyEmbedding() {
        let over = Inference.maximumTexts + 1
        let single = call("PUT", "/collections/docs/points", ["points": documents(over)])
        XCTAssertEqual(single.status, 400, single.textBody)
        XCTAssertTrue(message(single).contains("\(over) texts"), message(single))
        XCTAssertTrue(message(single).contains("at most 2048"), message(single))
        // Split over two upserts of one batch, the texts still count together.
        let half = Inference.maximumTexts / 2 + 1
        let batch = call("POST", "/collections/docs/points/batch", ["operations": [
            ["upsert": ["points": documents(half)]],
            ["upsert": ["points": documents(half, from: half)]],
        ]])
        XCTAssertEqual(batch.status, 400, batch.textBody)
        XCTAssertTrue(message(batch).contains("operations"), message(batch))
        XCTAssertEqual(embedder.embedCalls, 0)
        XCTAssertEqual(call("POST", "/collections/docs/points/count", [:])
            .jsonBody?["result"]?["count"], 0)
        let atCap = call("PUT", "/collections/docs/points",
                         ["points": documents(Inference.maximumTexts)])
        XCTAssertEqual(atCap.status, 200, atCap.textBody)
        XCTAssertEqual(embedder.embedCalls, 1, "all texts of a request in one call")
    }

    func testQueryBatchesOverTheTextCapAre400BeforeAnyEmbedding() {
        let query: JSONValue = ["query": ["text": "q"], "limit": 1]
        let over = JSONValue.array(Array(repeating: query, count: Inference.maximumTexts + 1))
        let reply = call("POST", "/collections/docs/points/query/batch", ["searches": over])
        XCTAssertEqual(reply.status, 400, reply.textBody)
        XCTAssertTrue(message(reply).contains("searches"), message(reply))
        // Prefetch levels count too.
        let nested: JSONValue = ["prefetch": .array(Array(repeating: query, count: 1025)),
                                 "query": ["fusion": "rrf"]]
        let deep = call("POST", "/collections/docs/points/query/batch",
                        ["searches": [nested, nested]])
        XCTAssertEqual(deep.status, 400, deep.textBody)
        XCTAssertEqual(embedder.embedCalls, 0)
        let fine = call("POST", "/collections/docs/points/query/batch", ["searches": [query]])
        XCTAssertEqual(fine.status, 200, fine.textBody)
    }

    func testDocumentDimensionMismatchIsRefusedBeforeEmbedding() {
        let reply = call("PUT", "/collections/narrow/points", ["points": documents(2)])
        XCTAssertEqual(reply.status, 400, reply.textBody)
        XCTAssertTrue(message(reply).contains("3-dimensional"), message(reply))
        XCTAssertTrue(message(reply).contains("size 2"), message(reply))
        XCTAssertEqual(embedder.embedCalls, 0)
    }

    // MARK: - 9. One record of inference usage

    func testTenantTotalsAreTheUsageLedgersTotalAndSurviveANewService() throws {
        func totals(_ service: Service) -> (JSONValue?, JSONValue?) {
            let admin = ["api-key": "admin"]
            let shown = service.handle(
                Request(method: "GET", path: "/tenants/acme", headers: admin))
            let usage = service.handle(
                Request(method: "GET", path: "/tenants/acme/usage", headers: admin))
            return (shown.jsonBody?["result"]?["usage"],
                    usage.jsonBody?["result"]?["usage"]?["total"])
        }
        XCTAssertEqual(call("POST", "/v1/embeddings", ["input": ["one", "two"]]).status, 200)
        let upsert = call("PUT", "/collections/docs/points", ["points": documents(3)])
        XCTAssertEqual(upsert.status, 200, upsert.textBody)
        // Refused before the model ran: counted nowhere.
        XCTAssertEqual(call("POST", "/v1/embeddings", ["input": "a", "dimensions": 9]).status, 400)
        let (shown, ledger) = totals(service)
        XCTAssertEqual(shown?["embed_tokens"], 5, "the fake embedder spends a token per text")
        XCTAssertEqual(shown?["inference_requests"], 2)
        XCTAssertEqual(shown?["rerank_pairs"], 0)
        XCTAssertEqual(ledger?["embedding_tokens"], shown?["embed_tokens"])
        XCTAssertEqual(ledger?["inference_requests"], shown?["inference_requests"])
        XCTAssertEqual(ledger?["rerank_pairs"], shown?["rerank_pairs"])
        // A new service over the same store reads the same totals back from the registry.
        service.operations.close()
        let reopened = Service(store: fixture.store, adminKey: "admin", embedder: embedder)
        let (again, againLedger) = totals(reopened)
        XCTAssertEqual(again, shown)
        XCTAssertEqual(againLedger, ledger)
    }
}
