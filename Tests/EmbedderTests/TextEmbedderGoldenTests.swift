import XCTest

@testable import Embedder

/// Golden tests on the real all-MiniLM-L6-v2 weights against the numpy float64 reference in
/// `fixtures/embedder/embedder_minilm_l6_reference.json`.
final class TextEmbedderGoldenTests: XCTestCase {
    func testTokenIDsMatchReferenceAt512And256() throws {
        let embedder = try EmbedderFixtures.embedder()
        for record in try EmbedderFixtures.sentences() {
            let text = try XCTUnwrap(record["text"]?.stringValue)
            for length in [512, 256] {
                let input = embedder.tokenizer.encodeSingle(text, maxLength: length)
                XCTAssertEqual(
                    input.ids,
                    record["ids_\(length)"]?.int32s,
                    "ids_\(length) of \(text.prefix(40))"
                )
                let pieces = record["n_wordpieces_untruncated"]?.intValue ?? -1
                XCTAssertEqual(input.truncated, pieces > length - 2)
            }
            let head = record["tokens_head"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let tokens = ["[CLS]"] + embedder.tokenizer.tokenize(text) + ["[SEP]"]
            XCTAssertEqual(Array(tokens.prefix(head.count)), head)
        }
    }

    func testMeanPooledVectorsMatchReference() throws {
        let embedder = try EmbedderFixtures.embedder()
        XCTAssertEqual(embedder.pooling, .mean, "MiniLM's 1_Pooling/config.json says mean")
        let records = try EmbedderFixtures.sentences()
        let texts = records.compactMap { $0["text"]?.stringValue }
        let batch = try embedder.embed(texts)
        for (record, embedding) in zip(records, batch) {
            let golden = record["mean_norm_full_512"]?.floats ?? []
            XCTAssertGreaterThanOrEqual(cosine(embedding.vector, golden), 0.9999)
            XCTAssertLessThan(maxAbsDifference(embedding.vector, golden), 1e-4)
            XCTAssertEqual(embedding.tokenCount, record["seq_len_512"]?.intValue.map(Int.init))
        }
    }

    func testHiddenStateProbesMatchReference() throws {
        let embedder = try EmbedderFixtures.embedder()
        for record in try EmbedderFixtures.sentences() {
            let input = embedder.tokenize(try XCTUnwrap(record["text"]?.stringValue))
            let states = embedder.encoder.forward([input])
            let last = states.length(0) - 1
            XCTAssertLessThan(
                maxAbsDifference(
                    states.row(0, 0).prefix(8),
                    record["last_hidden_token0_first8_512"]?.floats ?? []
                ),
                2e-4
            )
            XCTAssertLessThan(
                maxAbsDifference(
                    states.row(0, last).prefix(8),
                    record["last_hidden_lasttoken_first8_512"]?.floats ?? []
                ),
                2e-4
            )
        }
    }

    func testLayerByLayerTraceMatchesReference() throws {
        let embedder = try EmbedderFixtures.embedder()
        let reference = try EmbedderFixtures.reference("embedder_minilm_l6_reference.json")
        let trace = try XCTUnwrap(reference["debug_trace_sentence0_512"])
        let text = try XCTUnwrap(EmbedderFixtures.sentences().first?["text"]?.stringValue)
        let hidden = embedder.dimension
        var seen: [String] = []
        _ = embedder.encoder.forward([embedder.tokenize(text)]) { stage, x in
            let key = stage == "embeddings" ? "embeddings_ln" : stage
            guard let probe = trace[key] else { return XCTFail("no reference for \(stage)") }
            XCTAssertLessThan(
                maxAbsDifference(x[0..<8], probe["token0_first8"]?.floats ?? []),
                1e-4,
                stage
            )
            XCTAssertLessThan(
                maxAbsDifference(
                    x[hidden..<(hidden + 8)],
                    probe["token1_first8"]?.floats ?? []
                ),
                1e-4,
                stage
            )
            seen.append(stage)
        }
        XCTAssertEqual(seen, ["embeddings"] + (0..<6).map { "layer\($0)" })
    }
}
