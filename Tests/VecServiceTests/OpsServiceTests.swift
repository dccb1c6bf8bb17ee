import Foundation
import TestSupport
import VectorStore
import XCTest

@testable import VecService

/// The operations wiring of `Service.handle`, without sockets: inference charges, rerank
/// counts, request ids and the audit trail.
final class OpsServiceTests: XCTestCase {
    /// Three-dimensional "embeddings" from the text length; enough to store and search.
    /// Reports the estimated token count as used, as a tokenizer-backed provider would its own.
    struct FakeEmbedder: EmbedderProvider {
        func embed(_ texts: [String], model: String?, role: TextRole) throws -> TextEmbeddings {
            TextEmbeddings(model: "fake", vectors: texts.map { [Float($0.count), 1, 0] },
                           tokens: tokenCount(texts, model: model), truncated: [])
        }

        func dimension(model: String?) throws -> (model: String, dimension: Int) { ("fake", 3) }
    }

    /// Scores a passage by its length.
    struct FakeReranker: RerankerProvider {
        func rerank(query: String, passages: [String], model: String?) throws
            -> (model: String, scores: [Float])
        {
            ("fake-reranker", passages.map { Float($0.count) })
        }

        func rerankerName(_ model: String?) throws -> String { "fake-reranker" }
    }

    private var fixture: TemporaryStore!
    private var service: Service!
    private var auditPath = ""
    private var key = ""

    override func setUpWithError() throws {
        fixture = try TemporaryStore()
        auditPath = NSTemporaryDirectory() + "ops-service-\(UUID().uuidString).log"
        let operations = Operations.standard(store: fixture.store,
                                             audit: try AuditLog(path: auditPath))
        service = Service(store: fixture.store, adminKey: "admin", embedder: FakeEmbedder(),
                          reranker: FakeReranker(), operations: operations)
        let created = call("PUT", "/tenants/t", key: "admin", body: [:])
        key = try XCTUnwrap(created.jsonBody?["result"]?["api_key"]?.stringValue)
        XCTAssertEqual(call("PUT", "/collections/docs", body: [
            "vectors": ["size": 3, "distance": "Euclid"],
        ]).status, 200)
    }

    override func tearDownWithError() throws {
        service.operations.close()
        try? FileManager.default.removeItem(atPath: auditPath)
    }

    @discardableResult
    private func call(_ method: String, _ path: String, key: String? = nil, body: JSONValue?)
        -> Response
    {
        let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
        let query = parts.count > 1 ? ["wait": "true"] : [:]
        return service.handle(Request(
            method: method, path: parts[0], query: query, headers: ["api-key": key ?? self.key],
            body: body?.serialized() ?? []))
    }

    private func document(_ id: Int64, _ text: String) -> JSONValue {
        ["id": .int(id), "vector": ["text": .string(text)], "payload": ["text": .string(text)]]
    }

    func testEmbeddingTokensAreChargedBeforeInferenceAndCounted() throws {
        XCTAssertEqual(call("PATCH", "/tenants/t", key: "admin", body: [
            "limits": ["embed_tokens_per_minute": 12],
        ]).status, 200)
        let small = call("PUT", "/collections/docs/points?wait=true", body: [
            "points": [document(1, "two words")],
        ])
        XCTAssertEqual(small.status, 200, small.textBody)

        let long = String(repeating: "word ", count: 20)
        let refused = call("PUT", "/collections/docs/points?wait=true", body: [
            "points": [document(2, long)],
        ])
        XCTAssertEqual(refused.status, 429, refused.textBody)
        XCTAssertTrue(refused.textBody.contains("split"), refused.textBody)
        XCTAssertEqual(call("POST", "/collections/docs/points/count", body: [:])
            .jsonBody?["result"]?["count"]?.intValue, 1, "the refused point was not written")

        let usage = service.operations.usage.usage(of: "t")["total"]
        XCTAssertEqual(usage?.embeddingTokens, 4, "two words and the two special tokens")
        XCTAssertEqual(service.operations.metrics.embeddingTokens.value(["t"]), 4)
        XCTAssertEqual(service.operations.metrics.rateLimitRefusals.value(["t", "embed_tokens"]),
                       1)
    }

    func testRerankPairsAreCountedPerTenant() throws {
        XCTAssertEqual(call("PUT", "/collections/docs/points?wait=true", body: [
            "points": [document(1, "a"), document(2, "bb"), document(3, "ccc")],
        ]).status, 200)
        let reply = call("POST", "/collections/docs/points/query", body: [
            "prefetch": ["query": [1, 1, 0], "limit": 10],
            "query": ["rerank": ["text": "which", "field": "text"]], "limit": 2,
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        XCTAssertEqual(reply.jsonBody?["result"]?["points"]?.arrayValue?.first?["id"], 3)
        XCTAssertEqual(service.operations.usage.usage(of: "t")["total"]?.rerankPairs, 3)
        XCTAssertEqual(service.operations.metrics.rerankPairs.value(["t"]), 3)
    }

    func testEveryResponseCarriesARequestIDThatTheAuditEntryNames() throws {
        let reply = service.handle(Request(
            method: "GET", path: "/collections/docs",
            headers: ["api-key": key, "x-request-id": "trace-42"]))
        XCTAssertEqual(reply.headers["x-request-id"], "trace-42")
        let generated = call("GET", "/collections", body: nil).headers["x-request-id"] ?? ""
        XCTAssertFalse(generated.isEmpty)
        XCTAssertEqual(call("GET", "/collections/docs", key: "wrong", body: nil).status, 401)

        service.operations.audit?.flush()
        let entries = try String(contentsOfFile: auditPath, encoding: .utf8)
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let traced = try XCTUnwrap(entries.first { $0["request_id"] == "trace-42" })
        XCTAssertEqual(traced["route"], "/collections/{collection}")
        XCTAssertEqual(traced["collection"], "docs")
        XCTAssertEqual(traced["tenant"], "t")
        XCTAssertNotNil(traced["key_id"]?.stringValue)
        XCTAssertTrue(entries.contains { $0["request_id"]?.stringValue == generated })
        let admin = try XCTUnwrap(entries.first { $0["method"] == "PUT" && $0["tenant"] == .null })
        XCTAssertEqual(admin["key_id"], "admin")
        XCTAssertTrue(entries.contains { $0["status"]?.intValue == 401 },
                      "refused requests are audited too")
    }
}
