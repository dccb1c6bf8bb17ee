import Embedder
import Foundation
import TestSupport
import VectorStore
import XCTest

@testable import VecService

/// Text inference through `Service.handle` with the real MiniLM model, no sockets: the query
/// instruction (B08), empty text (B28), long text (B07), collections sized by their model, and
/// the `Document` forms of upsert.
final class InferenceServiceTests: XCTestCase {
    /// MiniLM under its own name, and again as `minilm-instructed` with BGE's instruction, so
    /// the instruction logic runs on real weights (MiniLM itself has none).
    static let hub: ModelHub = {
        var registry = ModelRegistry()
        let directory = TestModels.miniLMDirectory
        registry.register(ModelSpec(name: "all-minilm-l6-v2", pooling: .mean),
                          directory: directory)
        registry.register(ModelSpec(name: "minilm-instructed", pooling: .mean,
                                    queryInstruction: ModelSpec.bgeQueryInstruction),
                          directory: directory)
        registry.defaultModel = "all-minilm-l6-v2"
        return ModelHub(registry: registry, defaultReranker: nil)
    }()

    var store: TemporaryStore!
    var service: Service!

    override func setUpWithError() throws {
        store = try TemporaryStore()
        _ = try store.session(tenant: "acme")
        service = Service(store: store.store, adminKey: "admin", embedder: Self.hub,
                          reranker: Self.hub)
    }

    override func tearDown() {
        service = nil
        store = nil
    }

    /// One request as tenant `acme` (the admin key naming the tenant).
    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) -> Response {
        let request = Request(
            method: method, path: path, query: path.contains("points") ? ["wait": "true"] : [:],
            headers: ["api-key": "admin", "vecd-tenant": "acme"],
            body: body.map { $0.serialized() } ?? [])
        return service.handle(request)
    }

    func embed(_ text: String, kind: TextKind = .document, model: String = "all-minilm-l6-v2")
        throws -> [Float]
    {
        try Self.hub.embedder(model).embed(text, kind: kind).vector
    }

    func storedVector(_ collection: String, _ id: Int) throws -> [Float] {
        let reply = call("GET", "/collections/\(collection)/points/\(id)")
        XCTAssertEqual(reply.status, 200, reply.textBody)
        return (reply.jsonBody?["result"]?["vector"]?.arrayValue ?? [])
            .compactMap { $0.numberValue.map(Float.init) }
    }

    func assertBadRequest(_ reply: Response, mentions parts: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, 400, reply.textBody, file: file, line: line)
        let message = reply.jsonBody?["status"]?["error"]?.stringValue ?? ""
        for part in parts {
            XCTAssertTrue(message.contains(part), "`\(part)` not in: \(message)", file: file,
                          line: line)
        }
    }

    // MARK: - Collections

    func testCollectionTakesItsModelsDimensionAndRecordsTheModel() throws {
        XCTAssertEqual(call("PUT", "/collections/a", ["embedding_model": "all-minilm-l6-v2"])
            .status, 200)
        let info = call("GET", "/collections/a").jsonBody?["result"]?["config"]
        XCTAssertEqual(info?["params"]?["vectors"]?["size"], 384)
        XCTAssertEqual(info?["params"]?["vectors"]?["distance"], "Cosine")
        XCTAssertEqual(info?["embedding_model"], "all-minilm-l6-v2")
        // Named vectors without sizes take the model's too; a given matching size is fine.
        let named = call("PUT", "/collections/b", [
            "embedding_model": "ALL-MiniLM-L6-v2",
            "vectors": ["text": ["distance": "Dot"], "title": ["size": 384]],
        ])
        XCTAssertEqual(named.status, 200, named.textBody)
        let vectors = call("GET", "/collections/b").jsonBody?["result"]?["config"]?["params"]?[
            "vectors"]
        XCTAssertEqual(vectors?["text"]?["size"], 384)
        XCTAssertEqual(vectors?["text"]?["distance"], "Dot")
        XCTAssertEqual(vectors?["title"]?["distance"], "Cosine")
    }

    func testCollectionSizeThatContradictsTheModelIsRefused() {
        assertBadRequest(
            call("PUT", "/collections/a", [
                "embedding_model": "all-minilm-l6-v2",
                "vectors": ["size": 768, "distance": "Cosine"],
            ]), mentions: ["vectors.size", "768", "384", "all-minilm-l6-v2"])
        assertBadRequest(
            call("PUT", "/collections/a", ["embedding_model": "no-such-model"]),
            mentions: ["no-such-model", "all-minilm-l6-v2"])
        // Without a model, size stays required.
        assertBadRequest(call("PUT", "/collections/a", ["vectors": ["distance": "Cosine"]]),
                         mentions: ["size"])
        XCTAssertEqual(call("GET", "/collections/a/exists").jsonBody?["result"]?["exists"], false)
    }

    // MARK: - B08: the query instruction on queries only

    func testQueryInstructionOnQueriesOnlyB08() throws {
        let instruction = "Represent this sentence for searching relevant passages: "
        XCTAssertEqual(ModelSpec.bgeQueryInstruction, instruction)
        XCTAssertEqual(call("PUT", "/collections/bge", ["embedding_model": "minilm-instructed"])
            .status, 200)
        // The document: embedded with no prefix.
        let upsert = call("PUT", "/collections/bge/points", [
            "points": [["id": 1, "vector": ["text": "Pandas eat bamboo."]]],
        ])
        XCTAssertEqual(upsert.status, 200, upsert.textBody)
        let stored = try storedVector("bge", 1)
        XCTAssertGreaterThanOrEqual(cosine(stored, try embed("Pandas eat bamboo.")), 0.99999)
        XCTAssertLessThan(
            cosine(stored, try embed(instruction + "Pandas eat bamboo.")), 0.99)

        // The query: points holding both candidate query vectors; the text query must land on
        // the instructed one with score 1.
        let question = "what is a panda?"
        let instructed = try embed(instruction + question)
        let bare = try embed(question)
        XCTAssertLessThan(cosine(instructed, bare), 0.99)
        XCTAssertEqual(call("PUT", "/collections/bge/points", [
            "points": [
                ["id": 10, "vector": .array(instructed.map { .double(Double($0)) })],
                ["id": 11, "vector": .array(bare.map { .double(Double($0)) })],
            ],
        ]).status, 200)
        for query: JSONValue in [
            ["text": .string(question)], ["nearest": ["text": .string(question)]],
        ] {
            let reply = call("POST", "/collections/bge/points/query", [
                "query": query, "limit": 1, "params": ["exact": true],
            ])
            let hit = reply.jsonBody?["result"]?["points"]?[0]
            XCTAssertEqual(hit?["id"], 10, reply.textBody)
            XCTAssertGreaterThanOrEqual(hit?["score"]?.numberValue ?? 0, 0.99999)
        }
        // The model's own spec says the same: queries prefixed, documents not.
        let embedder = try Self.hub.embedder("minilm-instructed")
        XCTAssertEqual(embedder.tokenize(question, kind: .query).ids,
                       embedder.tokenize(instruction + question).ids)
    }

    // MARK: - B28: empty text

    func testEmptyTextIsRefusedNamingThePointInSingleAndBatchFormsB28() {
        XCTAssertEqual(call("PUT", "/collections/a", ["embedding_model": "all-minilm-l6-v2"])
            .status, 200)
        for blank in ["", "   ", "\u{200B}", "\t\n"] {
            assertBadRequest(
                call("PUT", "/collections/a/points", [
                    "points": [["id": 7, "vector": ["text": .string(blank)]]],
                ]), mentions: ["point 7", "empty"])
            assertBadRequest(
                call("PUT", "/collections/a/points", [
                    "batch": [
                        "ids": [1, 2],
                        "vectors": [["text": "ok"], ["text": .string(blank)]],
                    ],
                ]), mentions: ["point 2", "empty"])
            assertBadRequest(
                call("POST", "/collections/a/points/query", ["query": ["text": .string(blank)]]),
                mentions: ["query", "empty"])
        }
        let count = call("POST", "/collections/a/points/count", ["exact": true])
        XCTAssertEqual(count.jsonBody?["result"]?["count"], 0, "nothing of a refused batch")
    }

    func testEmbeddingsRequestWithTooManyInputsIsRefusedBeforeEmbedding() {
        let many = JSONValue.array(Array(repeating: "x", count: 2049))
        let reply = call("POST", "/v1/embeddings", ["input": many])
        XCTAssertEqual(reply.status, 400)
        XCTAssertTrue(String(decoding: reply.body, as: UTF8.self).contains("at most 2048"))
    }

    // MARK: - B07: long text

    func testLongTextIsTruncatedTo512TokensAndReportedB07() throws {
        XCTAssertEqual(call("PUT", "/collections/a", ["embedding_model": "all-minilm-l6-v2"])
            .status, 200)
        let words = { (count: Int) in String(repeating: "word ", count: count) }
        let single = call("PUT", "/collections/a/points", [
            "points": [
                ["id": 1, "vector": ["text": .string(words(510))]],
                ["id": 2, "vector": ["text": .string(words(511))]],
                ["id": 3, "vector": ["text": .string(words(600))]],
            ],
        ])
        XCTAssertEqual(single.status, 200, single.textBody)
        let usage = single.jsonBody?["usage"]?["inference"]
        XCTAssertEqual(usage?["truncated"], ["point 2", "point 3"])
        XCTAssertEqual(usage?["models"]?["all-minilm-l6-v2"]?["tokens"]?.intValue, 3 * 512)
        let batch = call("PUT", "/collections/a/points", [
            "batch": ["ids": [4, 5], "vectors": [["text": "hi"], ["text": .string(words(600))]]],
        ])
        XCTAssertEqual(batch.status, 200, batch.textBody)
        XCTAssertEqual(batch.jsonBody?["usage"]?["inference"]?["truncated"], ["point 5"])

        let reference = try storedVector("a", 1)
        XCTAssertEqual(reference.count, 384)
        for id in [2, 3, 5] {
            XCTAssertGreaterThanOrEqual(cosine(try storedVector("a", id), reference), 0.99999,
                                        "point \(id)")
        }
        XCTAssertGreaterThanOrEqual(cosine(try storedVector("a", 4), try embed("hi")), 0.99999)
    }

    // MARK: - Document forms

    func testNamedVectorDocumentsAndMixedNumbersInOneRequest() throws {
        XCTAssertEqual(call("PUT", "/collections/n", [
            "embedding_model": "all-minilm-l6-v2",
            "vectors": ["text": [:], "tiny": ["size": 384]],
        ]).status, 200)
        let numbers = JSONValue.array((0..<384).map { .double($0 == 0 ? 1 : 0) })
        let reply = call("PUT", "/collections/n/points", [
            "points": [[
                "id": 1,
                "vector": ["text": ["text": "Pandas eat bamboo.", "model": "all-minilm-l6-v2"],
                           "tiny": numbers],
            ]],
        ])
        XCTAssertEqual(reply.status, 200, reply.textBody)
        let point = call("GET", "/collections/n/points/1").jsonBody?["result"]?["vector"]
        let text = (point?["text"]?.arrayValue ?? []).compactMap { $0.numberValue.map(Float.init) }
        XCTAssertGreaterThanOrEqual(cosine(text, try embed("Pandas eat bamboo.")), 0.99999)
        XCTAssertEqual(point?["tiny"]?[0]?.numberValue, 1)
        // A text query on a named vector uses `using`.
        let query = call("POST", "/collections/n/points/query", [
            "query": ["text": "bamboo"], "using": "text", "limit": 1,
        ])
        XCTAssertEqual(query.jsonBody?["result"]?["points"]?[0]?["id"], 1, query.textBody)
    }

    func testWithoutAnEmbedderDocumentsAreRefused() throws {
        let bare = Service(store: store.store, adminKey: "admin")
        let reply = bare.handle(Request(
            method: "PUT", path: "/collections/x",
            headers: ["api-key": "admin", "vecd-tenant": "acme"],
            body: (["embedding_model": "all-minilm-l6-v2"] as JSONValue).serialized()))
        assertBadRequest(reply, mentions: ["embedding_model", "not configured"])
    }
}

/// Cosine similarity in double.
func cosine(_ a: [Float], _ b: [Float]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return .nan }
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

extension JSONValue {
    /// The element at `index` of an array (tests read `points[0]`).
    subscript(index: Int) -> JSONValue? {
        guard let elements = arrayValue, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
