import Foundation
import VectorStore
import XCTest

@testable import VecService

/// Rate limits, quotas, usage, metrics and the audit log against the running `vecd` binary.
final class OpsEndToEndTests: XCTestCase {
    var server: VecdProcess!
    var auditPath = ""

    override func setUpWithError() throws {
        auditPath = NSTemporaryDirectory() + "vecd-audit-\(UUID().uuidString).log"
        server = try VecdProcess(arguments: ["--audit-log", auditPath])
    }

    override func tearDown() {
        server = nil
        try? FileManager.default.removeItem(atPath: auditPath)
    }

    private var admin: String { VecdProcess.adminKey }

    private func patchLimits(_ tenant: String, _ limits: JSONValue) throws {
        let reply = try server.call("PATCH", "/tenants/\(tenant)", key: admin,
                                    json: ["limits": limits])
        XCTAssertEqual(reply.status, 200, reply.text)
    }

    private func retrieve(_ ids: [Int64], key: String) throws -> RawHTTPClient.Reply {
        try server.call("POST", "/collections/docs/points", key: key,
                        json: ["ids": .array(ids.map { .int($0) })])
    }

    /// B22 over HTTP: read quota 4/min; a 5-id retrieve is refused at once with split advice;
    /// four single retrieves pass and the fifth gets 429 with Retry-After; B is unaffected;
    /// the refusals are counted per tenant in /metrics.
    func testB22RateLimitOverHTTP() throws {
        let a = try server.createTenant("a").key
        let b = try server.createTenant("b").key
        for key in [a, b] {
            try server.createCollection("docs", key: key, dimension: 2)
            try server.upsert("docs", key: key, (1...5).map { (UInt64($0), [1, 0], [:]) })
        }
        try patchLimits("a", ["read_requests_per_minute": 4])
        try patchLimits("b", ["read_requests_per_minute": 4])

        let oversized = try retrieve([1, 2, 3, 4, 5], key: a)
        XCTAssertEqual(oversized.status, 429, oversized.text)
        let message = oversized.json?["status"]?["error"]?.stringValue ?? ""
        XCTAssertTrue(message.contains("exceeds") && message.contains("split"), message)
        XCTAssertNil(oversized.headers["retry-after"], "waiting would never help")

        for attempt in 1...4 {
            XCTAssertEqual(try retrieve([Int64(attempt)], key: a).status, 200, "A \(attempt)")
            XCTAssertEqual(try retrieve([Int64(attempt)], key: b).status, 200, "B \(attempt)")
        }
        let fifth = try retrieve([1], key: a)
        XCTAssertEqual(fifth.status, 429, fifth.text)
        let retryAfter = Int(fifth.headers["retry-after"] ?? "") ?? 0
        XCTAssertTrue((1...15).contains(retryAfter), "Retry-After \(retryAfter)")

        let metrics = try PrometheusText(try server.call("GET", "/metrics", key: admin).text)
        XCTAssertEqual(metrics.value("vecd_rate_limit_refusals_total",
                                     ["tenant": "a", "kind": "read"]), 2)
        XCTAssertNil(metrics.value("vecd_rate_limit_refusals_total", ["tenant": "b"]))

        // Raising the limit applies at once.
        try patchLimits("a", ["read_requests_per_minute": 600])
        XCTAssertEqual(try retrieve([1, 2, 3, 4, 5], key: a).status, 200)
    }

    func testQuotasRefuseAWholeWriteAndWriteNothing() throws {
        let key = try server.createTenant("q").key
        try patchLimits("q", ["max_points": 3, "max_collections": 1])
        try server.createCollection("docs", key: key, dimension: 2)

        let second = try server.call("PUT", "/collections/more", key: key, json: [
            "vectors": ["size": 2, "distance": "Cosine"],
        ])
        XCTAssertEqual(second.status, 403, second.text)
        XCTAssertTrue(second.text.contains("max_collections"), second.text)

        try server.upsert("docs", key: key, [(1, [1, 0], [:]), (2, [0, 1], [:])])
        let tooMany = try server.call("PUT", "/collections/docs/points?wait=true", key: key,
                                      json: ["points": [
                                          ["id": 3, "vector": [1, 1]], ["id": 4, "vector": [1, 2]],
                                      ]])
        XCTAssertEqual(tooMany.status, 403, tooMany.text)
        XCTAssertTrue(tooMany.text.contains("max_points"), tooMany.text)
        XCTAssertEqual(try server.count("docs", key: key), 2, "nothing of the refused write")
        // Overwriting an existing point adds no point: allowed at the quota.
        try server.upsert("docs", key: key, [(2, [1, 1], [:]), (3, [1, 0], [:])])
        XCTAssertEqual(try server.count("docs", key: key), 3)

        try patchLimits("q", ["max_points": 3, "max_bytes": 10])
        let bytes = try server.call("PUT", "/collections/docs/points?wait=true", key: key,
                                    json: ["points": [["id": 1, "vector": [0, 1],
                                                       "payload": ["big": "xxxxxxxxxxxxxxxx"]]]])
        XCTAssertEqual(bytes.status, 403, bytes.text)
        XCTAssertTrue(bytes.text.contains("max_bytes"), bytes.text)
    }

    /// Usage survives a SIGTERM restart and a SIGKILL restart; `vecd usage` prints shares.
    func testUsageIsPersistedAcrossRestartsAndPrintedByVecdUsage() throws {
        let key = try server.createTenant("u").key
        _ = try server.createTenant("v")
        try server.createCollection("docs", key: key, dimension: 2)
        try server.upsert("docs", key: key, [(1, [1, 0], ["t": "x"]), (2, [0, 1], [:])])
        for _ in 0..<3 { XCTAssertEqual(try retrieve([1], key: key).status, 200) }

        func usage() throws -> JSONValue {
            let reply = try server.call("GET", "/tenants/u/usage", key: admin)
            XCTAssertEqual(reply.status, 200, reply.text)
            return try XCTUnwrap(reply.json?["result"])
        }
        let before = try usage()
        XCTAssertEqual(before["stored"]?["points"]?.intValue, 2)
        XCTAssertGreaterThan(before["stored"]?["bytes"]?.intValue ?? 0, 0)
        XCTAssertEqual(before["usage"]?["total"]?["queries"]?.intValue, 3)
        XCTAssertEqual(before["usage"]?["last_hour"]?["queries"]?.intValue, 3)

        for signal in [SIGTERM, SIGKILL] {
            server.stop(signal: signal)
            try server.start()
            let after = try usage()
            XCTAssertEqual(after["usage"]?["total"], before["usage"]?["total"], "after \(signal)")
            XCTAssertEqual(after["stored"]?["points"]?.intValue, 2)
        }

        // A tenant key sees its own usage only.
        XCTAssertEqual(try server.call("GET", "/tenants/u/usage", key: key).status, 200)
        XCTAssertEqual(try server.call("GET", "/tenants/v/usage", key: key).status, 403)

        let output = try runVecd(["usage", "--url", "http://127.0.0.1:\(server.port)",
                                  "--admin-key", admin])
        let row = output.split(separator: "\n").first { $0.hasPrefix("u ") } ?? ""
        XCTAssertTrue(row.contains("2 (100.0%)"), output)
        XCTAssertTrue(output.contains("TOTAL"), output)
    }

    /// B25 for what issue 7 adds: limits and quotas set over HTTP hold after a SIGTERM and
    /// a SIGKILL restart, and the tenant's key still works.
    func testB25LimitsAndQuotasHoldAfterRestarts() throws {
        let key = try server.createTenant("t2").key
        try server.createCollection("docs", key: key, dimension: 2)
        try server.upsert("docs", key: key, [(1, [1, 0], [:])])
        try patchLimits("t2", ["read_requests_per_minute": 2, "max_points": 1])

        for signal in [SIGTERM, SIGKILL] {
            server.stop(signal: signal)
            try server.start()
            XCTAssertEqual(try retrieve([1], key: key).status, 200, "after \(signal)")
            XCTAssertEqual(try retrieve([1], key: key).status, 200, "after \(signal)")
            XCTAssertEqual(try retrieve([1], key: key).status, 429, "after \(signal)")
            let refused = try server.call("PUT", "/collections/docs/points?wait=true", key: key,
                                          json: ["points": [["id": 2, "vector": [0, 1]]]])
            XCTAssertEqual(refused.status, 403, refused.text)
            XCTAssertTrue(refused.text.contains("max_points"), refused.text)
        }
        let limits = try server.call("GET", "/tenants/t2", key: admin).json?["result"]?["limits"]
        XCTAssertEqual(limits?["read_requests_per_minute"]?.intValue, 2)
        XCTAssertEqual(limits?["max_points"]?.intValue, 1)
    }

    func testMetricsNeedAKeyAndATenantKeySeesOnlyItsTenant() throws {
        let a = try server.createTenant("ma").key
        let b = try server.createTenant("mb").key
        try server.createCollection("docs", key: a, dimension: 2)
        try server.createCollection("docs", key: b, dimension: 2)
        try server.upsert("docs", key: b, [(1, [1, 0], [:])])

        XCTAssertEqual(try server.call("GET", "/metrics").status, 401)
        let all = try server.call("GET", "/metrics", key: admin)
        XCTAssertEqual(all.status, 200)
        XCTAssertTrue(all.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") ?? false)
        let parsed = try PrometheusText(all.text)
        XCTAssertEqual(parsed.value("vecd_tenant_points", ["tenant": "mb"]), 1)
        XCTAssertGreaterThan(parsed.value("vecd_process_resident_memory_bytes") ?? 0, 0)
        XCTAssertGreaterThanOrEqual(parsed.value(
            "rest_responses_total", ["tenant": "mb", "method": "PUT",
                                         "endpoint": "/collections/{collection}/points",
                                         "status": "200"]) ?? 0, 1)
        XCTAssertFalse(all.text.contains("docs"), "no collection names in labels")

        let own = try PrometheusText(try server.call("GET", "/metrics", key: a).text)
        XCTAssertFalse(own.samples.isEmpty)
        XCTAssertTrue(own.samples.allSatisfy { $0.labels["tenant"] == "ma" })
    }

    func testAuditLogHasEveryRequestWithoutBodies() throws {
        let key = try server.createTenant("au").key
        try server.createCollection("docs", key: key, dimension: 2)
        try server.upsert("docs", key: key, [(1, [0.25, 0.75], ["secret": "payload-value"])])
        XCTAssertEqual(try retrieve([1], key: key).status, 200)
        server.stop(signal: SIGTERM)

        let text = try String(contentsOfFile: auditPath, encoding: .utf8)
        XCTAssertFalse(text.contains("payload-value") || text.contains("0.75"), text)
        let entries = try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let upsert = try XCTUnwrap(entries.first {
            $0["method"] == "PUT" && $0["route"] == "/collections/{collection}/points"
        })
        XCTAssertEqual(upsert["tenant"], "au")
        XCTAssertEqual(upsert["collection"], "docs")
        XCTAssertEqual(upsert["status"]?.intValue, 200)
        XCTAssertNotNil(upsert["key_id"]?.stringValue)
        XCTAssertNotNil(upsert["request_id"]?.stringValue)
        XCTAssertEqual(entries.filter { $0["tenant"] == "au" }.count, 3)
    }

    private func runVecd(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = VecdProcess.executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        return text
    }
}
