import Foundation
import VectorStore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Concurrency and restarts against the running binary (B24, B25).
final class DurabilityTests: XCTestCase {
    /// B24: a delete by filter, acknowledged, then 40 concurrent clients upserting 600 points
    /// that match the filter: none of the new points may be deleted.
    func testB24DeleteByFilterThenConcurrentUpsertsKeepsEveryNewPoint() throws {
        let server = try VecdProcess()
        let (key, _) = try server.createTenant("acme")
        try server.createCollection("docs", key: key)
        let filter: JSONValue = ["must": [["key": "project_id", "match": ["value": "p1"]]]]
        try server.upsert(
            "docs",
            key: key,
            (0..<100).map { ($0, [1, Float($0), 0, 1], ["project_id": "p1"]) }
        )
        let deleted = try server.call(
            "POST",
            "/collections/docs/points/delete?wait=true",
            key: key,
            json: ["filter": filter]
        )
        XCTAssertEqual(deleted.status, 200, deleted.text)

        let port = server.port
        let lock = NSLock()
        var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 40) { client in
            let points = JSONValue.array(
                (0..<15).map { index in
                    let id = 1000 + client * 15 + index
                    return [
                        "id": .int(Int64(id)), "vector": [1, .double(Double(id)), 0, 1],
                        "payload": ["project_id": "p1", "client": .int(Int64(client))],
                    ]
                }
            )
            // Half the clients do not wait for durability: acknowledged writes count too.
            let wait = client % 2 == 0 ? "true" : "false"
            do {
                let reply = try RawHTTPClient(port: port).send(
                    "PUT",
                    "/collections/docs/points?wait=\(wait)",
                    headers: ["api-key": key, "Content-Type": "application/json"],
                    body: (["points": points] as JSONValue).serialized()
                )
                if reply.status != 200 { throw RawHTTPClient.Failure(description: reply.text) }
            } catch {
                lock.lock()
                failures.append("client \(client): \(error)")
                lock.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        XCTAssertEqual(try server.count("docs", key: key, filter: filter), 600)
        let ids = JSONValue.array((1000..<1600).map { .int(Int64($0)) })
        let retrieved = try server.call(
            "POST",
            "/collections/docs/points",
            key: key,
            json: ["ids": ids, "with_payload": false]
        )
        XCTAssertEqual(retrieved.json?["result"]?.arrayValue?.count, 600)
    }

    /// B25: tenants, collections, config, payload index schema, points and credentials survive
    /// a SIGTERM restart and then a SIGKILL restart.
    func testB25RestartAfterSIGTERMAndSIGKILLKeepsEverything() throws {
        let server = try VecdProcess()
        let (key, readOnlyKey) = try server.createTenant("t2")
        let created = try server.call(
            "PUT",
            "/collections/c",
            key: key,
            json: [
                "vectors": ["size": 3, "distance": "Dot"], "hnsw_config": ["m": 24],
            ]
        )
        XCTAssertEqual(created.status, 200, created.text)
        try server.upsert(
            "c",
            key: key,
            [
                (1, [1, 0, 0], ["lang": "en"]), (2, [0, 1, 0], ["lang": "de"]),
                (3, [0, 0, 1], ["lang": "en"]),
            ]
        )
        let indexed = try server.call(
            "PUT",
            "/collections/c/index?wait=true",
            key: key,
            json: ["field_name": "lang", "field_schema": "keyword"]
        )
        XCTAssertEqual(indexed.status, 200, indexed.text)

        for signal in [SIGTERM, SIGKILL] {
            let status = server.stop(signal: signal)
            if signal == SIGTERM {
                XCTAssertEqual(status, 0, "clean exit on SIGTERM:\n\(server.log)")
            }
            try server.start()
            let info = try server.call("GET", "/collections/c", key: key)
            XCTAssertEqual(info.status, 200, "after signal \(signal): \(info.text)")
            let result = info.json?["result"]
            XCTAssertEqual(result?["points_count"], 3, "after signal \(signal)")
            XCTAssertEqual(
                result?["config"]?["params"]?["vectors"],
                ["size": 3, "distance": "Dot"]
            )
            XCTAssertEqual(result?["config"]?["hnsw_config"]?["m"], 24)
            XCTAssertEqual(result?["payload_schema"]?["lang"]?["data_type"], "keyword")
            XCTAssertEqual(try server.count("c", key: readOnlyKey), 3, "read-only key still works")
            let english = try server.count(
                "c",
                key: key,
                filter: [
                    "must": [["key": "lang", "match": ["value": "en"]]]
                ]
            )
            XCTAssertEqual(english, 2)
            let tenants = try server.call("GET", "/tenants", key: VecdProcess.adminKey)
            XCTAssertEqual(tenants.json?["result"]?["tenants"]?.arrayValue?.count, 1)
        }
    }
}
