import Foundation
import VectorStore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Quotas on snapshot recover (collection upload and recover, tenant restore) and streamed
/// snapshot downloads, against the running binary.
final class SnapshotQuotaEndToEndTests: XCTestCase {
    private let admin = VecdProcess.adminKey

    /// A tenant with `limits`, returning its read-write key.
    private func tenant(
        _ server: VecdProcess, _ name: String, limits: JSONValue
    ) throws -> String {
        let reply = try server.call(
            "PUT", "/tenants/\(name)", key: admin, json: ["limits": limits])
        XCTAssertEqual(reply.status, 200, reply.text)
        return try XCTUnwrap(reply.json?["result"]?["api_key"]?.stringValue)
    }

    /// `count` points in `collection` (created first), 4-d, with a small payload.
    private func fill(_ server: VecdProcess, _ collection: String, key: String, count: Int) throws {
        try server.createCollection(collection, key: key)
        var points: [(UInt64, [Float], JSONValue)] = []
        for id in 0..<count {
            let vector: [Float] = [Float(id), 1, Float(id % 7), 2]
            let payload: JSONValue = ["n": .int(Int64(id))]
            points.append((UInt64(id), vector, payload))
        }
        try server.upsert(collection, key: key, points)
    }

    private func upload(
        _ server: VecdProcess, _ collection: String, key: String, archive: [UInt8]
    ) throws -> RawHTTPClient.Reply {
        try RawHTTPClient(port: server.port).send(
            "POST", "/collections/\(collection)/snapshots/upload",
            headers: ["api-key": key, "Content-Type": "application/octet-stream"], body: archive)
    }

    private func usage(_ server: VecdProcess, _ tenant: String) throws -> JSONValue? {
        try server.call("GET", "/tenants/\(tenant)", key: admin).json?["result"]?["usage"]
    }

    private func error(_ reply: RawHTTPClient.Reply) -> String {
        reply.json?["status"]?["error"]?.stringValue ?? reply.text
    }

    /// A collection snapshot of 80 points, made by tenant `source` and downloaded.
    private func archive(_ server: VecdProcess) throws -> [UInt8] {
        let key = try tenant(server, "source", limits: [:])
        try fill(server, "docs", key: key, count: 80)
        let created = try server.call("POST", "/collections/docs/snapshots", key: key)
        let name = try XCTUnwrap(created.json?["result"]?["name"]?.stringValue, created.text)
        let download = try server.call("GET", "/collections/docs/snapshots/\(name)", key: key)
        XCTAssertEqual(download.status, 200)
        return download.body
    }

    func testCollectionRecoverPastAQuotaIsRefusedWith403AndWritesNothing() throws {
        let server = try VecdProcess()
        let archive = try archive(server)

        // Each quota on its own: the recover would add 80 points, one collection and the
        // bytes of 80 points to a tenant that already holds 30 points in `held`.
        let cases: [(String, JSONValue, String)] = [
            ("points", ["max_points": 100], "Quota exceeded: max_points is 100, this request "
                + "would make it 110"),
            ("bytes", ["max_bytes": 4000], "Quota exceeded: max_bytes is 4000"),
            ("collections", ["max_collections": 1], "Quota exceeded: max_collections is 1, "
                + "this request would make it 2"),
        ]
        for (label, limits, message) in cases {
            let key = try tenant(server, "t-\(label)", limits: limits)
            try fill(server, "held", key: key, count: 30)
            let before = try usage(server, "t-\(label)")
            let reply = try upload(server, "copy", key: key, archive: archive)
            XCTAssertEqual(reply.status, 403, "\(label): \(reply.text)")
            XCTAssertTrue(error(reply).hasPrefix(message), "\(label): \(error(reply))")
            XCTAssertEqual(try server.call("GET", "/collections/copy", key: key).status, 404)
            XCTAssertEqual(try usage(server, "t-\(label)"), before, label)
        }
        let staging = server.dataDirectory + "/snapshots/.staging"
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [], [])

        // Replacing a collection counts the recovered points instead of the replaced ones:
        // 80 points over 90 replace 90 under a quota of 100, and stay allowed.
        let key = try tenant(server, "replacer", limits: ["max_points": 100])
        try fill(server, "docs", key: key, count: 90)
        let replaced = try upload(server, "docs", key: key, archive: archive)
        XCTAssertEqual(replaced.status, 200, replaced.text)
        XCTAssertEqual(try server.count("docs", key: key), 80)
        XCTAssertEqual(try usage(server, "replacer")?["points"], 80)
        // The recovered collection's counters go on counting: the next write that passes
        // the quota is refused as for any collection.
        let overfill = try server.call(
            "PUT", "/collections/docs/points?wait=true", key: key,
            json: ["points": .array((100..<121).map { id -> JSONValue in
                ["id": .int(Int64(id)), "vector": [1, 2, 3, 4]]
            })])
        XCTAssertEqual(overfill.status, 403, overfill.text)

        // Within every quota the same upload is accepted.
        let roomy = try tenant(
            server, "roomy",
            limits: ["max_points": 80, "max_collections": 1, "max_bytes": 1_000_000])
        let accepted = try upload(server, "docs", key: roomy, archive: archive)
        XCTAssertEqual(accepted.status, 200, accepted.text)
        XCTAssertEqual(try server.count("docs", key: roomy), 80)
    }

    func testTenantRestoreChecksTheLimitsItIsRestoredWith() throws {
        let server = try VecdProcess()
        let key = try tenant(server, "acme", limits: ["max_points": 1000])
        try fill(server, "a", key: key, count: 40)
        try fill(server, "b", key: key, count: 40)
        let created = try server.call("POST", "/tenants/acme/snapshots", key: admin)
        let name = try XCTUnwrap(created.json?["result"]?["name"]?.stringValue, created.text)
        let location = try XCTUnwrap(
            FileManager.default.enumerator(atPath: server.dataDirectory + "/snapshots")?
                .allObjects.compactMap { $0 as? String }.first { $0.hasSuffix("/" + name) }
        )
        let file = JSONValue.string("file://" + server.dataDirectory + "/snapshots/" + location)

        let refusals: [(JSONValue, String)] = [
            (["max_points": 79], "Quota exceeded: max_points is 79, this request would make it 80"),
            (["max_collections": 1], "Quota exceeded: max_collections is 1"),
            (["max_bytes": 100], "Quota exceeded: max_bytes is 100"),
        ]
        for (limits, message) in refusals {
            let reply = try server.call(
                "PUT", "/tenants/copy/snapshots/recover", key: admin,
                json: ["location": file, "limits": limits])
            XCTAssertEqual(reply.status, 403, reply.text)
            XCTAssertTrue(error(reply).hasPrefix(message), error(reply))
            XCTAssertEqual(try server.call("GET", "/tenants/copy", key: admin).status, 404)
        }
        XCTAssertFalse(
            try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/tenants")
                .contains { $0.hasPrefix("copy-") },
            "no tenant directory left behind")

        // Without `limits` the snapshot's own (max_points 1000) apply, and the data fits.
        let restored = try server.call(
            "PUT", "/tenants/copy/snapshots/recover", key: admin, json: ["location": file])
        XCTAssertEqual(restored.status, 200, restored.text)
        XCTAssertEqual(restored.json?["result"]?["limits"]?["max_points"], 1000)
        // With limits the data fits, they replace the snapshot's.
        let roomy = try server.call(
            "PUT", "/tenants/copy2/snapshots/recover", key: admin,
            json: ["location": file, "limits": ["max_points": 80, "max_collections": 2]])
        XCTAssertEqual(roomy.status, 200, roomy.text)
        XCTAssertEqual(roomy.json?["result"]?["limits"]?["max_points"], 80)
        XCTAssertEqual(roomy.json?["result"]?["limits"]?["max_bytes"], .null)
    }
}
