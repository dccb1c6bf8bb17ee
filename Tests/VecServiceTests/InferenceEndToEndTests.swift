import Embedder
import Foundation
import TestSupport
import VectorStore
import XCTest

@testable import VecService

/// Text upsert, text query, rerank over prefetch, `/v1/embeddings`, `/v1/rerank`, usage and
/// isolation against the running `vecd serve` binary, with the real MiniLM embedder and a
/// cross-encoder checkpoint written by the test (MiniLM's encoder and pooler plus the
/// closed-form synthetic head) and read by the real loader through `--reranker-dir`.
final class InferenceEndToEndTests: XCTestCase {
    /// The checkpoint folder; its name is the reranker's registry name.
    static let rerankerDirectory: Result<String, Error> = Result {
        let path = NSTemporaryDirectory() + "vecd-rerank-\(UUID().uuidString)/synthetic-ce"
        try TestModels.writeSyntheticCrossEncoder(to: path)
        return path
    }

    /// The same models the server loads, in this process, to compute expected values.
    static let embedder = Result { try TextEmbedder(directory: TestModels.miniLMDirectory) }
    static let reranker = Result { try Reranker(directory: try rerankerDirectory.get()) }

    static let documents = [
        "Pandas eat bamboo and live in the mountains of central China.",
        "PostgreSQL is an open-source relational database management system.",
        "Python lists are mutable sequences, typically used to store collections of items.",
        "The giant panda is a bear species endemic to China.",
        "VACUUM reclaims storage occupied by dead tuples in PostgreSQL.",
        "A dictionary maps hashable keys to arbitrary values in Python.",
        "Bamboo is a fast-growing grass.",
        "Indexes speed up queries on large tables.",
    ]

    var server: VecdProcess!
    var key = ""
    var otherKey = ""
    var otherReadOnlyKey = ""

    override func setUpWithError() throws {
        server = try VecdProcess(arguments: [
            "--model-dir", TestModels.miniLMDirectory,
            "--reranker-dir", try Self.rerankerDirectory.get(),
        ])
        (key, _) = try server.createTenant("alpha")
        (otherKey, otherReadOnlyKey) = try server.createTenant("beta")
        try ingest(key: key)
    }

    override func tearDown() {
        server = nil
    }

    /// Creates `docs` sized by the model and upserts `documents` as text, payload `text`.
    func ingest(key: String) throws {
        let created = try server.call("PUT", "/collections/docs", key: key,
                                      json: ["embedding_model": "all-minilm-l6-v2"])
        XCTAssertEqual(created.status, 200, created.text)
        let points = Self.documents.enumerated().map { index, text -> JSONValue in
            ["id": .int(Int64(index + 1)), "vector": ["text": .string(text)],
             "payload": ["text": .string(text), "n": .int(Int64(index))]]
        }
        let reply = try server.call("PUT", "/collections/docs/points?wait=true", key: key,
                                    json: ["points": .array(points)])
        XCTAssertEqual(reply.status, 200, reply.text)
    }

    func query(_ body: JSONValue, key: String? = nil) throws -> RawHTTPClient.Reply {
        try server.call("POST", "/collections/docs/points/query", key: key ?? self.key,
                        json: body)
    }

    func floats(_ value: JSONValue?) -> [Float] {
        (value?.arrayValue ?? []).compactMap { $0.numberValue.map(Float.init) }
    }

    // MARK: - Text in, vectors inside

    func testTextUpsertStoresTheEmbeddersVectorsAndTextQueryFindsThem() throws {
        let embedder = try Self.embedder.get()
        let stored = try server.call("GET", "/collections/docs/points/2", key: key)
        let expected = try embedder.embed(Self.documents[1]).vector
        XCTAssertGreaterThanOrEqual(cosine(floats(stored.json?["result"]?["vector"]), expected),
                                    0.99999)
        let reply = try query(["query": ["text": "What do pandas eat?"], "limit": 2,
                               "with_payload": true])
        XCTAssertEqual(reply.status, 200, reply.text)
        let ids = (reply.json?["result"]?["points"]?.arrayValue ?? []).map { $0["id"] }
        XCTAssertEqual(Set(ids), [1, 4], reply.text)
        // The query's score is the cosine with the embedder's own query vector (no
        // instruction for MiniLM).
        let queryVector = try embedder.embed("What do pandas eat?", kind: .query).vector
        let top = reply.json?["result"]?["points"]?[0]
        let topID = Int(top?["id"]?.intValue ?? 0)
        let docVector = try embedder.embed(Self.documents[topID - 1]).vector
        XCTAssertEqual(top?["score"]?.numberValue ?? 0, cosine(queryVector, docVector),
                       accuracy: 1e-4)
        XCTAssertGreaterThan(reply.json?["usage"]?["inference"]?["models"]?[
            "all-minilm-l6-v2"]?["tokens"]?.intValue ?? 0, 2)
    }

    /// qdrant-client 1.20 with `cloud_inference=True` sends `Document`s for the server to
    /// embed: upsert, query, `nearest` and prefetch by text.
    func testQdrantClientServerSideInference() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("e2e/qdrant_client_inference.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        var environment = ProcessInfo.processInfo.environment
        environment["VECD_URL"] = "http://127.0.0.1:\(server.port)"
        environment["VECD_API_KEY"] = key
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(),
                          as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0,
                       "needs `pip install qdrant-client==1.20.0`:\n\(text)")
        XCTAssertTrue(text.contains("qdrant-client inference workflow passed"), text)
    }

    // MARK: - Rerank

    func testRerankOrdersPrefetchCandidatesByTheCrossEncodersLogits() throws {
        let question = "Which animal eats bamboo?"
        let prefetchOnly = try query(["query": ["text": .string(question)], "limit": 6])
        let candidates = (prefetchOnly.json?["result"]?["points"]?.arrayValue ?? [])
        XCTAssertEqual(candidates.count, 6, prefetchOnly.text)
        let retrieval = Dictionary(uniqueKeysWithValues: candidates.map {
            (Int($0["id"]?.intValue ?? 0), $0["score"]?.numberValue ?? .nan)
        })

        let reply = try query([
            "prefetch": ["query": ["text": .string(question)], "limit": 6],
            "query": ["rerank": ["text": .string(question), "field": "text"]],
            "limit": 4, "with_payload": ["n"],
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        let hits = reply.json?["result"]?["points"]?.arrayValue ?? []
        XCTAssertEqual(hits.count, 4)

        // Expected: the cross-encoder's logits over the same candidates, best first.
        let ids = retrieval.keys.sorted()
        let logits = try Self.reranker.get().score(
            query: question, passages: ids.map { Self.documents[$0 - 1] })
        let expected = zip(ids, logits).sorted { $0.1 > $1.1 }.prefix(4)
        XCTAssertEqual(hits.map { Int($0["id"]?.intValue ?? 0) }, expected.map(\.0))
        for (hit, (id, logit)) in zip(hits, expected) {
            XCTAssertEqual(hit["score"]?.numberValue ?? .nan, Double(logit), accuracy: 1e-4)
            XCTAssertEqual(hit["retrieval_score"]?.numberValue ?? .nan, retrieval[id] ?? 0,
                           accuracy: 1e-5)
            XCTAssertEqual(hit["payload"]?["n"]?.intValue, Int64(id - 1))
            XCTAssertNil(hit["payload"]?["text"], "with_payload selects the returned fields")
        }
        XCTAssertEqual(reply.json?["usage"]?["inference"]?["models"]?["synthetic-ce"]?[
            "rerank_pairs"], 6)
    }

    func testRerankRefusalsSayWhich() throws {
        let prefetch: JSONValue = ["query": ["text": "panda"], "limit": 3]
        let cases: [(JSONValue, String)] = [
            (["rerank": ["text": "panda", "field": "title"]], "no payload field `title`"),
            (["rerank": ["text": "panda", "field": "n"]], "`n` is of type number, not text"),
            (["rerank": ["text": "panda", "field": ""]], "field"),
            (["rerank": ["text": " ", "field": "text"]], "empty"),
            (["rerank": ["text": "panda", "model": "nope"]], "unknown model `nope`"),
            (["rerank": ["text": "panda", "model": "all-minilm-l6-v2"]], "not a reranker"),
        ]
        for (rerank, mention) in cases {
            let reply = try query(["prefetch": prefetch, "query": rerank])
            XCTAssertEqual(reply.status, 400, "\(rerank): \(reply.text)")
            let message = reply.json?["status"]?["error"]?.stringValue ?? ""
            XCTAssertTrue(message.contains(mention), "`\(mention)` not in \(message)")
        }
        let bare = try VecdProcess(arguments: ["--model-dir", TestModels.miniLMDirectory])
        let (bareKey, _) = try bare.createTenant("gamma")
        _ = try bare.call("PUT", "/collections/docs", key: bareKey,
                          json: ["embedding_model": "all-minilm-l6-v2"])
        let reply = try bare.call("POST", "/collections/docs/points/query", key: bareKey,
                                  json: ["prefetch": prefetch,
                                         "query": ["rerank": ["text": "panda"]]])
        XCTAssertEqual(reply.status, 400, reply.text)
        XCTAssertTrue(reply.text.contains("no reranker is configured"), reply.text)
    }

    // MARK: - /v1/embeddings and /v1/rerank

    func testOpenAIEmbeddingsEqualTheEmbeddersVectors() throws {
        let embedder = try Self.embedder.get()
        let texts = ["hello world", "Pandas eat bamboo."]
        let reply = try server.call("POST", "/v1/embeddings", key: otherReadOnlyKey,
                                    json: ["input": .array(texts.map(JSONValue.string)),
                                           "model": "all-minilm-l6-v2"])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.json?["object"], "list")
        XCTAssertEqual(reply.json?["model"], "all-minilm-l6-v2")
        let data = reply.json?["data"]?.arrayValue ?? []
        XCTAssertEqual(data.count, 2)
        var tokens = 0
        for (index, text) in texts.enumerated() {
            XCTAssertEqual(data[index]["object"], "embedding")
            XCTAssertEqual(data[index]["index"]?.intValue, Int64(index))
            let expected = try embedder.embed(text)
            tokens += expected.tokenCount
            XCTAssertLessThan(maxDifference(floats(data[index]["embedding"]), expected.vector),
                              1e-6)
        }
        XCTAssertEqual(reply.json?["usage"]?["prompt_tokens"]?.intValue, Int64(tokens))
        XCTAssertEqual(reply.json?["usage"]?["total_tokens"]?.intValue, Int64(tokens))

        // A single string, base64 encoding (the OpenAI client's default).
        let single = try server.call("POST", "/v1/embeddings", key: otherKey,
                                     json: ["input": "hello world", "encoding_format": "base64"])
        let encoded = single.json?["data"]?[0]?["embedding"]?.stringValue ?? ""
        let bytes = [UInt8](Data(base64Encoded: encoded) ?? Data())
        let decoded = stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: bytes[offset..<offset + 4].reversed()
                .reduce(0) { $0 << 8 | UInt32($1) })
        }
        XCTAssertEqual(decoded, floats(data[0]["embedding"]))

        // Refusals in OpenAI's error shape.
        for (body, mention): (JSONValue, String) in [
            (["input": ["ok", ""]], "input[1]"), (["input": [1, 2]], "token ids"),
            (["input": "x", "model": "nope"], "unknown model `nope`"),
            (["input": "x", "dimensions": 12], "384"),
        ] {
            let refused = try server.call("POST", "/v1/embeddings", key: otherKey, json: body)
            XCTAssertEqual(refused.status, 400, refused.text)
            XCTAssertEqual(refused.json?["error"]?["type"], "invalid_request_error")
            let message = refused.json?["error"]?["message"]?.stringValue ?? ""
            XCTAssertTrue(message.contains(mention), "`\(mention)` not in \(message)")
        }
        XCTAssertEqual(try server.call("POST", "/v1/embeddings", json: ["input": "x"]).status, 401)
    }

    func testCohereRerankRanksDocumentsBySigmoidOfLogits() throws {
        let documents = Array(Self.documents.prefix(5))
        let reply = try server.call("POST", "/v1/rerank", key: otherReadOnlyKey, json: [
            "model": "synthetic-ce", "query": "Which animal eats bamboo?",
            "documents": .array(documents.enumerated().map { index, text in
                index.isMultiple(of: 2) ? .string(text) : ["text": .string(text)]
            }),
            "top_n": 3, "return_documents": true,
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        let logits = try Self.reranker.get().score(query: "Which animal eats bamboo?",
                                                   passages: documents)
        let expected = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(3)
        let results = reply.json?["results"]?.arrayValue ?? []
        XCTAssertEqual(results.map { Int($0["index"]?.intValue ?? -1) }, Array(expected))
        for result in results {
            let index = Int(result["index"]?.intValue ?? 0)
            XCTAssertEqual(result["relevance_score"]?.numberValue ?? .nan,
                           Reranker.sigmoid(logits[index]), accuracy: 1e-5)
            XCTAssertEqual(result["document"]?["text"]?.stringValue, documents[index])
        }
        let refused = try server.call("POST", "/v1/rerank", key: otherKey,
                                      json: ["query": "q", "documents": [3]])
        XCTAssertEqual(refused.status, 400, refused.text)
        XCTAssertTrue(refused.text.contains("documents[0]"), refused.text)
    }

    // MARK: - Usage and isolation

    func testEmbeddingTokensAndRerankPairsAreCountedPerTenant() throws {
        func usage(_ tenant: String) throws -> JSONValue? {
            try server.call("GET", "/tenants/\(tenant)", key: VecdProcess.adminKey)
                .json?["result"]?["usage"]
        }
        let before = try usage("alpha")?["embed_tokens"]?.intValue ?? 0
        XCTAssertGreaterThan(before, Int64(Self.documents.count * 2), "the ingest was counted")
        let reply = try query([
            "prefetch": ["query": ["text": "panda"], "limit": 3],
            "query": ["rerank": ["text": "panda"]],
        ])
        XCTAssertEqual(reply.status, 200, reply.text)
        let spent = reply.json?["usage"]?["inference"]?["models"]?["all-minilm-l6-v2"]?[
            "tokens"]?.intValue ?? 0
        XCTAssertEqual(spent, 3, "[CLS] panda [SEP]")
        let after = try usage("alpha")
        XCTAssertEqual(after?["embed_tokens"]?.intValue, before + spent)
        XCTAssertEqual(after?["rerank_pairs"]?.intValue, 3)
        // A refused request costs nothing; another tenant's counters are untouched.
        _ = try query(["query": ["text": ""]])
        XCTAssertEqual(try usage("alpha")?["embed_tokens"]?.intValue, before + spent)
        XCTAssertEqual(try usage("beta")?["embed_tokens"], 0)
        XCTAssertEqual(try usage("beta")?["rerank_pairs"], 0)
        // The counters are the store's: a restart keeps them.
        server.stop()
        try server.start()
        XCTAssertEqual(try usage("alpha")?["embed_tokens"]?.intValue, before + spent)
        XCTAssertEqual(try usage("alpha")?["rerank_pairs"]?.intValue, 3)
    }

    func testOneTenantsKeyCannotQueryOrRerankAnothersCollection() throws {
        let rerank: JSONValue = [
            "prefetch": ["query": ["text": "panda"], "limit": 3],
            "query": ["rerank": ["text": "panda"]],
        ]
        for key in [otherKey, otherReadOnlyKey] {
            let reply = try query(rerank, key: key)
            XCTAssertEqual(reply.status, 404, reply.text)
            let upsert = try server.call("PUT", "/collections/docs/points?wait=true", key: key,
                                         json: ["points": [["id": 99, "vector": ["text": "x"]]]])
            XCTAssertNotEqual(upsert.status, 200)
        }
        XCTAssertEqual(try server.count("docs", key: key), Self.documents.count)
        // Beta's own collection of the same name holds only beta's points.
        try ingest(key: otherKey)
        let own = try query(rerank, key: otherKey)
        XCTAssertEqual(own.status, 200, own.text)
        XCTAssertEqual(try server.count("docs", key: otherKey), Self.documents.count)
    }
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
