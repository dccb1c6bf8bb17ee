import Foundation
import VectorStore
import XCTest

@testable import VecService

/// Every collection route × every kind of caller, against the running `vecd serve` binary
/// (B17, B19, B26): tenants never see each other, out-of-scope collections look missing, and
/// nothing answers without a tenant-bound credential.
final class IsolationMatrixTests: XCTestCase {
    struct Call {
        let method: String
        /// Path under `/collections/{c}`.
        let suffix: String
        let body: JSONValue?
        let isWrite: Bool
    }

    static let query: JSONValue = [0.1, 0.2, 0.3, 0.4]

    /// In an order that works for the owner: the point exists before it is read or updated,
    /// the index exists before facet, and deletes come last.
    static let calls: [Call] = [
        Call(
            method: "PUT",
            suffix: "/points?wait=true",
            body: [
                "points": [["id": 7, "vector": query, "payload": ["secret": "a"]]]
            ],
            isWrite: true
        ),
        Call(method: "GET", suffix: "", body: nil, isWrite: false),
        Call(method: "GET", suffix: "/exists", body: nil, isWrite: false),
        Call(method: "POST", suffix: "/points", body: ["ids": [7]], isWrite: false),
        Call(method: "GET", suffix: "/points/7", body: nil, isWrite: false),
        Call(method: "POST", suffix: "/points/scroll", body: [:], isWrite: false),
        Call(method: "POST", suffix: "/points/count", body: [:], isWrite: false),
        Call(method: "POST", suffix: "/points/query", body: ["query": query], isWrite: false),
        Call(
            method: "POST",
            suffix: "/points/query/batch",
            body: ["searches": [["query": query]]],
            isWrite: false
        ),
        Call(
            method: "POST",
            suffix: "/points/query/groups",
            body: ["query": query, "group_by": "secret"],
            isWrite: false
        ),
        Call(
            method: "POST",
            suffix: "/points/search",
            body: ["vector": query, "limit": 3],
            isWrite: false
        ),
        Call(
            method: "POST",
            suffix: "/points/search/batch",
            body: ["searches": [["vector": query, "limit": 3]]],
            isWrite: false
        ),
        Call(
            method: "PUT",
            suffix: "/index?wait=true",
            body: ["field_name": "secret", "field_schema": "keyword"],
            isWrite: true
        ),
        Call(method: "POST", suffix: "/facet", body: ["key": "secret"], isWrite: false),
        Call(
            method: "POST",
            suffix: "/points/payload?wait=true",
            body: ["payload": ["x": 1], "points": [7]],
            isWrite: true
        ),
        Call(
            method: "PUT",
            suffix: "/points/payload?wait=true",
            body: ["payload": ["secret": "a"], "points": [7]],
            isWrite: true
        ),
        Call(
            method: "POST",
            suffix: "/points/payload/delete?wait=true",
            body: ["keys": ["x"], "points": [7]],
            isWrite: true
        ),
        Call(
            method: "POST",
            suffix: "/points/payload/clear?wait=true",
            body: ["points": [7]],
            isWrite: true
        ),
        Call(method: "DELETE", suffix: "/index/secret?wait=true", body: nil, isWrite: true),
        Call(
            method: "POST",
            suffix: "/points/batch?wait=true",
            body: ["operations": [["upsert": ["points": [["id": 8, "vector": query]]]]]],
            isWrite: true
        ),
        Call(
            method: "POST",
            suffix: "/points/delete?wait=true",
            body: ["points": [8]],
            isWrite: true
        ),
    ]

    var server: VecdProcess!
    var keyA = ""
    var readOnlyA = ""
    var keyB = ""

    override func setUpWithError() throws {
        server = try VecdProcess()
        (keyA, readOnlyA) = try server.createTenant("tenant-a")
        (keyB, _) = try server.createTenant("tenant-b")
        try server.createCollection("docs", key: keyA)
        try server.createCollection("c1", key: keyA)
        try server.createCollection("docs", key: keyB)
        try server.createCollection("only_b", key: keyB)
        try server.upsert("docs", key: keyB, [(7, [1, 0, 0, 0], ["secret": "b"])])
        try server.upsert("only_b", key: keyB, [(7, [1, 0, 0, 0], ["secret": "b"])])
    }

    override func tearDown() {
        server = nil
    }

    private func send(
        _ call: Call,
        collection: String,
        key: String?,
        tenant: String? = nil
    )
        throws -> RawHTTPClient.Reply
    {
        try server.call(
            call.method,
            "/collections/\(collection)\(call.suffix)",
            key: key,
            tenant: tenant,
            json: call.body
        )
    }

    /// Status and body with the collection name replaced, so `only_b` and `nope` compare.
    private func shape(_ reply: RawHTTPClient.Reply, collection: String) -> String {
        let body = reply.timelessBody?.jsonString ?? reply.text
        return "\(reply.status) " + body.replacingOccurrences(of: collection, with: "<c>")
    }

    func testB17OtherTenantsCollectionAnswersExactlyLikeAMissingOne() throws {
        let before = try XCTUnwrap(server.count("only_b", key: keyB))
        // A never sees B's point 7 in its own `docs`.
        XCTAssertEqual(try server.call("GET", "/collections/docs/points/7", key: keyA).status, 404)
        for call in IsolationMatrixTests.calls {
            let other = try send(call, collection: "only_b", key: keyA)
            let missing = try send(call, collection: "nope", key: keyA)
            XCTAssertEqual(
                shape(other, collection: "only_b"),
                shape(missing, collection: "nope"),
                "\(call.method) \(call.suffix)"
            )
            XCTAssertLessThan(other.status, 500, "\(call.method) \(call.suffix)")
            XCTAssertFalse(other.text.contains("\"b\""), "B's payload leaked: \(other.text)")
        }
        // B's data is untouched.
        XCTAssertEqual(try server.count("only_b", key: keyB), before)
        let point = try server.call("GET", "/collections/only_b/points/7", key: keyB)
        XCTAssertEqual(point.json?["result"]?["payload"], ["secret": "b"])
        XCTAssertEqual(
            try server.call("GET", "/collections/docs/points/7", key: keyB)
                .json?["result"]?["payload"],
            ["secret": "b"]
        )
        // Deleting "only_b" with A's key is a no-op like deleting "nope"; B keeps it.
        let deleteOther = try server.call("DELETE", "/collections/only_b", key: keyA)
        let deleteMissing = try server.call("DELETE", "/collections/nope", key: keyA)
        XCTAssertEqual(shape(deleteOther, collection: "only_b"), shape(deleteMissing, collection: "nope"))
        XCTAssertEqual(try server.count("only_b", key: keyB), before)
        // A's listing shows only A's collections.
        let list = try server.call("GET", "/collections", key: keyA)
        XCTAssertEqual(list.json?["result"]?["collections"], [["name": "c1"], ["name": "docs"]])
    }

    func testOwnTenantCanCallEveryRoute() throws {
        for call in IsolationMatrixTests.calls {
            let reply = try send(call, collection: "docs", key: keyA)
            XCTAssertEqual(reply.status, 200, "\(call.method) \(call.suffix): \(reply.text)")
            XCTAssertEqual(reply.json?["status"], "ok", "\(call.method) \(call.suffix)")
        }
        XCTAssertEqual(try server.count("docs", key: keyA), 1)
    }

    func testReadOnlyKeyReadsEverythingAndWritesNothing() throws {
        try server.upsert("docs", key: keyA, [(7, [1, 0, 0, 0], ["secret": "a"])])
        _ = try server.call(
            "PUT",
            "/collections/docs/index?wait=true",
            key: keyA,
            json: ["field_name": "secret", "field_schema": "keyword"]
        )
        for call in IsolationMatrixTests.calls {
            let reply = try send(call, collection: "docs", key: readOnlyA)
            if call.isWrite {
                XCTAssertEqual(reply.status, 403, "\(call.method) \(call.suffix)")
            } else {
                XCTAssertEqual(reply.status, 200, "\(call.method) \(call.suffix): \(reply.text)")
            }
        }
        for (method, path) in [("PUT", "/collections/new"), ("DELETE", "/collections/docs")] {
            XCTAssertEqual(
                try server.call(
                    method,
                    path,
                    key: readOnlyA,
                    json: ["vectors": ["size": 4, "distance": "Dot"]]
                ).status,
                403,
                path
            )
        }
        XCTAssertEqual(try server.call("GET", "/collections", key: readOnlyA).status, 200)
        XCTAssertEqual(
            try server.call("GET", "/collections/docs/points/7", key: keyA)
                .json?["result"]?["payload"],
            ["secret": "a"],
            "nothing was changed"
        )
    }

    func testB26ScopedKeySeesOnlyItsCollections() throws {
        let scoped = try server.issueKey(tenant: "tenant-a", access: "rw", collections: ["c1"])
        try server.createCollection("c1", key: keyB)
        try server.upsert("c1", key: keyB, [(99, [1, 0, 0, 0], ["secret": "b"])])
        for call in IsolationMatrixTests.calls {
            let outside = try send(call, collection: "docs", key: scoped)
            let missing = try send(call, collection: "nope", key: scoped)
            XCTAssertEqual(
                shape(outside, collection: "docs"),
                shape(missing, collection: "nope"),
                "\(call.method) \(call.suffix)"
            )
            let inside = try send(call, collection: "c1", key: scoped)
            XCTAssertEqual(inside.status, 200, "\(call.method) \(call.suffix): \(inside.text)")
        }
        // `c1` is always the key's own tenant's: B's point 99 is out of reach.
        XCTAssertEqual(try server.call("GET", "/collections/c1/points/99", key: scoped).status, 404)
        let list = try server.call("GET", "/collections", key: scoped)
        XCTAssertEqual(list.json?["result"]?["collections"], [["name": "c1"]])
        let readScoped = try server.issueKey(tenant: "tenant-a", access: "r", collections: ["c1"])
        XCTAssertEqual(
            try server.call(
                "POST",
                "/collections/c1/points/count",
                key: readScoped,
                json: [:]
            ).status,
            200
        )
        XCTAssertEqual(
            try server.call(
                "PUT",
                "/collections/c1/points",
                key: readScoped,
                json: [
                    "points": [["id": 1, "vector": IsolationMatrixTests.query]]
                ]
            ).status,
            403
        )
    }

    func testB19NoKeyAndAdminWithoutTenantAreRefusedAndWriteNothing() throws {
        let jwtWithoutTenant = JWTFixture.token(["access": "m"])
        for call in IsolationMatrixTests.calls {
            XCTAssertEqual(
                try send(call, collection: "docs", key: nil).status,
                401,
                "\(call.method) \(call.suffix)"
            )
            XCTAssertEqual(
                try send(call, collection: "docs", key: VecdProcess.adminKey).status,
                403,
                "\(call.method) \(call.suffix)"
            )
            XCTAssertEqual(
                try server.call(
                    call.method,
                    "/collections/docs\(call.suffix)",
                    json: call.body,
                    headers: ["Authorization": "Bearer \(jwtWithoutTenant)"]
                )
                .status,
                401,
                "\(call.method) \(call.suffix)"
            )
            XCTAssertEqual(try send(call, collection: "docs", key: "not-a-key").status, 401)
        }
        XCTAssertEqual(try server.call("GET", "/collections").status, 401)
        XCTAssertEqual(
            try server.call("GET", "/collections", key: VecdProcess.adminKey).status,
            403
        )
        // Nothing was written anywhere, and no default tenant appeared.
        XCTAssertEqual(try server.count("docs", key: keyA), 0)
        XCTAssertEqual(try server.count("docs", key: keyB), 1)
        let tenants = try server.call("GET", "/tenants", key: VecdProcess.adminKey)
        XCTAssertEqual(
            tenants.json?["result"]?["tenants"]?.arrayValue?.compactMap { $0["name"] },
            ["tenant-a", "tenant-b"]
        )
        // The admin key naming a tenant works, and only on that tenant.
        XCTAssertEqual(try server.count("docs", key: VecdProcess.adminKey, tenant: "tenant-b"), 1)
        let ghost = try server.call(
            "PUT",
            "/collections/docs/points",
            key: VecdProcess.adminKey,
            tenant: "ghost",
            json: ["points": []]
        )
        XCTAssertEqual(ghost.status, 404)
    }

    func testOpenRoutesNeedNoKeyAndEverythingElseDoes() throws {
        XCTAssertEqual(try server.call("GET", "/").json?["version"], "1.19.0")
        XCTAssertEqual(try server.call("GET", "/healthz").text, "healthz check passed")
        XCTAssertEqual(try server.call("GET", "/livez").status, 200)
        XCTAssertEqual(try server.call("GET", "/readyz").text, "all shards are ready")
        let refused = try server.call("GET", "/openapi.json")
        XCTAssertEqual(refused.status, 401)
        XCTAssertTrue(refused.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        XCTAssertEqual(try server.call("GET", "/openapi.json", key: readOnlyA).status, 200)
        XCTAssertEqual(try server.call("GET", "/tenants", key: keyA).status, 403)
    }
}

/// JWTs signed with the e2e admin key.
enum JWTFixture {
    static func token(_ claims: JSONValue) -> String {
        JWT.sign(claims: claims, secret: Array(VecdProcess.adminKey.utf8))
    }
}
