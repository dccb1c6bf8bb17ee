import TestSupport
import XCTest

@testable import Embedder

/// The cross-encoder pair path on MiniLM's real encoder and pooler with the closed-form
/// synthetic head of `fixtures/embedder/pair_path_minilm_l6_reference.json`
/// (`w[i] = sin(0.1 (i + 1)) * 0.05`, `b = 0`), written as a `BertForSequenceClassification`
/// checkpoint and loaded by the real loader.
final class RerankerTests: XCTestCase {
    /// The reference's third passage, given in full in make_reference.py's PAIRS.
    private static let repeatedPassage = Array(
        repeating:
            "A vector database indexes high-dimensional embeddings for nearest-neighbour search.",
        count: 60
    ).joined(separator: " ")

    private static let checkpoint: Result<TemporaryDirectory, Error> = Result {
        try makeSyntheticCrossEncoder()
    }

    /// MiniLM's tensors under `bert.`, plus `classifier.weight` [1, 384] and `classifier.bias`,
    /// written by the shared `TestModels` writer (the service's rerank tests use it too).
    private static func makeSyntheticCrossEncoder() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try TestModels.writeSyntheticCrossEncoder(
            to: directory.path,
            from: EmbedderFixtures.modelDirectory
        )
        return directory
    }

    private func reranker() throws -> Reranker {
        try Reranker(directory: try Self.checkpoint.get().path)
    }

    func testPairIdsTokenTypesPooledOutputAndLogitsMatchReference() throws {
        let reranker = try reranker()
        let reference = try EmbedderFixtures.reference("pair_path_minilm_l6_reference.json")
        let pairs = try XCTUnwrap(reference["pairs"]?.arrayValue)
        XCTAssertEqual(pairs.count, 3)
        for (index, pair) in pairs.enumerated() {
            let query = try XCTUnwrap(pair["query"]?.stringValue)
            let passage =
                index == 2 ? Self.repeatedPassage : try XCTUnwrap(pair["passage"]?.stringValue)
            let input = reranker.tokenizer.encodePair(query, passage, maxLength: 512)
            XCTAssertEqual(input.ids, pair["ids"]?.int32s, "pair \(index) ids")
            XCTAssertEqual(input.typeIDs, pair["token_type_ids"]?.int32s, "pair \(index) types")
            XCTAssertEqual(input.truncated, index == 2)
            let output = try XCTUnwrap(
                reranker.pairOutputs(query: query, passages: [passage]).first
            )
            XCTAssertLessThan(
                maxAbsDifference(output.cls.prefix(8), pair["cls_hidden_first8"]?.floats ?? []),
                2e-4
            )
            XCTAssertLessThan(
                maxAbsDifference(output.pooled.prefix(8), pair["pooled_first8"]?.floats ?? []),
                1e-4
            )
            let logit = try XCTUnwrap(pair["synthetic_logit"]?.numberValue)
            XCTAssertEqual(Double(output.logit), logit, accuracy: 2e-5)
            let sigmoid = try XCTUnwrap(pair["synthetic_sigmoid"]?.numberValue)
            XCTAssertEqual(Reranker.sigmoid(output.logit), sigmoid, accuracy: 1e-5)
        }
    }

    func testBatchedScoresEqualSingleScoresInPassageOrder() throws {
        let reranker = try reranker()
        let query = "How many people live in Berlin?"
        let passages = [
            "New York City is famous for the Metropolitan Museum of Art.",
            "Berlin has a population of 3,520,031 registered inhabitants.", "",
            Self.repeatedPassage,
        ]
        let batch = try reranker.score(query: query, passages: passages)
        XCTAssertEqual(batch.count, passages.count)
        for (passage, score) in zip(passages, batch) {
            let alone = try reranker.score(query: query, passages: [passage])[0]
            XCTAssertEqual(score, alone, accuracy: 1e-5)
            XCTAssertTrue(score.isFinite)
        }
        XCTAssertEqual(try reranker.score(query: query, passages: []), [])
    }

    func testSigmoidInDoubleKeepsLargeLogitsApart() {
        XCTAssertLessThan(Reranker.sigmoid(18), Reranker.sigmoid(20))
        XCTAssertLessThan(Reranker.sigmoid(-40), Reranker.sigmoid(-38))
        XCTAssertEqual(Reranker.sigmoid(0), 0.5)
    }

    func testBiEncoderDirectoryIsRefusedAsReranker() {
        XCTAssertThrowsError(try Reranker(directory: EmbedderFixtures.modelDirectory)) { error in
            guard case .unsupportedModel(let message) = error as? EmbeddingError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(message.contains("BertForSequenceClassification"), message)
        }
    }
}
