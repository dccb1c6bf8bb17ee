import XCTest

@testable import Embedder

/// Behaviour of `TextEmbedder` on real MiniLM weights: pooling choice (B06), truncation (B07),
/// query instructions (B08), empty input (B28), batching and threads.
final class TextEmbedderTests: XCTestCase {
    func testB06ClsPoolingMatchesGoldenAndMeanDoesNot() throws {
        let directory = EmbedderFixtures.modelDirectory
        let cls = try TextEmbedder(
            directory: directory,
            spec: ModelSpec(name: "minilm-cls", pooling: .cls)
        )
        let mean = try EmbedderFixtures.embedder()
        for record in try EmbedderFixtures.sentences() {
            let text = try XCTUnwrap(record["text"]?.stringValue)
            let golden = record["cls_norm_first8_512"]?.floats ?? []
            let vector = try cls.embed(text).vector
            XCTAssertLessThan(maxAbsDifference(vector.prefix(8), golden), 1e-4)
            XCTAssertEqual(norm(vector), 1, accuracy: 1e-5)
            // The other pooling is far off the golden: the comparison discriminates.
            XCTAssertGreaterThan(
                maxAbsDifference(try mean.embed(text).vector.prefix(8), golden),
                0.02
            )
        }
    }

    func testB06PoolingIsReadFromTheDirectory() throws {
        let directory = try TemporaryDirectory()
        try directory.linkMiniLM(excluding: ["1_Pooling"])
        try directory.write(
            "1_Pooling/config.json",
            #"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#
        )
        let embedder = try TextEmbedder(directory: directory.path)
        XCTAssertEqual(embedder.pooling, .cls)
        let record = try XCTUnwrap(EmbedderFixtures.sentences().first)
        let vector = try embedder.embed(try XCTUnwrap(record["text"]?.stringValue)).vector
        XCTAssertLessThan(
            maxAbsDifference(vector.prefix(8), record["cls_norm_first8_512"]?.floats ?? []),
            1e-4
        )
    }

    func testB07LongInputIsTruncatedTheSameAloneAndInABatch() throws {
        let embedder = try EmbedderFixtures.embedder()
        let words = { (count: Int) in String(repeating: "word ", count: count) }
        let exact = try embedder.embed(words(510))
        XCTAssertEqual(exact.tokenCount, 512)
        XCTAssertFalse(exact.truncated)
        for count in [511, 600] {
            let long = try embedder.embed(words(count))
            XCTAssertEqual(long.tokenCount, 512)
            XCTAssertTrue(long.truncated)
            XCTAssertGreaterThanOrEqual(cosine(long.vector, exact.vector), 0.99999)
        }
        let batch = try embedder.embed(["hi", words(600)])
        XCTAssertTrue(batch[1].truncated)
        XCTAssertFalse(batch[0].truncated)
        XCTAssertGreaterThanOrEqual(cosine(batch[1].vector, exact.vector), 0.99999)
        XCTAssertGreaterThanOrEqual(
            cosine(batch[0].vector, try embedder.embed("hi").vector),
            0.99999
        )
    }

    func testB07ModelMaxLengthFromSpecIsHonoured() throws {
        let embedder = try TextEmbedder(
            directory: EmbedderFixtures.modelDirectory,
            spec: ModelSpec(name: "minilm-256", maxLength: 256)
        )
        let record = try XCTUnwrap(EmbedderFixtures.sentences().last)
        let text = try XCTUnwrap(record["text"]?.stringValue)
        let embedding = try embedder.embed(text)
        XCTAssertEqual(embedding.tokenCount, 256)
        XCTAssertTrue(embedding.truncated)
        XCTAssertLessThan(
            maxAbsDifference(
                embedding.vector.prefix(8),
                record["mean_norm_first8_256"]?.floats ?? []
            ),
            1e-4
        )
    }

    func testB08InstructionOnQueriesOnlyWithExactText() throws {
        let spec = ModelSpec(
            name: "minilm-instructed",
            pooling: .mean,
            queryInstruction: ModelSpec.bgeQueryInstruction
        )
        let embedder = try TextEmbedder(directory: EmbedderFixtures.modelDirectory, spec: spec)
        let query = try embedder.embed("what is a panda?", kind: .query).vector
        let prefixed = try embedder.embed(
            "Represent this sentence for searching relevant passages: what is a panda?"
        ).vector
        let bare = try embedder.embed("what is a panda?").vector
        XCTAssertGreaterThanOrEqual(cosine(query, prefixed), 0.99999)
        XCTAssertLessThan(cosine(query, bare), 0.99)
        let document = try embedder.embed("Pandas eat bamboo.", kind: .document).vector
        let plain = try EmbedderFixtures.embedder().embed("Pandas eat bamboo.").vector
        XCTAssertGreaterThanOrEqual(cosine(document, plain), 0.99999)
        for name in ["bge-small-en-v1.5", "bge-base-en-v1.5", "bge-large-en-v1.5"] {
            let builtIn = try XCTUnwrap(ModelSpec.builtIn.first { $0.name == name })
            XCTAssertEqual(
                builtIn.queryInstruction,
                "Represent this sentence for searching relevant passages: "
            )
            XCTAssertEqual(builtIn.pooling, .cls)
        }
        XCTAssertNil(ModelSpec.builtIn.first { $0.name == "all-minilm-l6-v2" }?.queryInstruction)
    }

    func testB28EmptyTextGivesFiniteUnitVectorAloneAndInBatch() throws {
        let embedder = try EmbedderFixtures.embedder()
        let empty = try embedder.embed("")
        XCTAssertEqual(empty.tokenCount, 2)
        for text in ["", "   ", "\u{200B}", "\t\n"] {
            let single = try embedder.embed(text)
            XCTAssertTrue(single.vector.allSatisfy(\.isFinite))
            XCTAssertEqual(norm(single.vector), 1, accuracy: 1e-5)
            XCTAssertEqual(single.vector, empty.vector, "all four are [CLS] [SEP]")
        }
        let batch = try embedder.embed(["ok", ""])
        XCTAssertGreaterThanOrEqual(cosine(batch[1].vector, empty.vector), 0.99999)
        XCTAssertEqual(try embedder.embed([]), [])
    }

    func testBatchOfMixedLengthsEqualsOneByOneAcrossChunks() throws {
        // 64 tokens per chunk forces several chunks and the length sort.
        let embedder = try TextEmbedder(
            directory: EmbedderFixtures.modelDirectory,
            maxTokensPerChunk: 64
        )
        let texts =
            try EmbedderFixtures.sentences().compactMap { $0["text"]?.stringValue }
            + ["short", "a somewhat longer sentence about vector stores", ""]
        let batch = try embedder.embed(texts)
        for (text, embedding) in zip(texts, batch) {
            let alone = try embedder.embed(text)
            XCTAssertGreaterThanOrEqual(cosine(embedding.vector, alone.vector), 0.99999)
            XCTAssertEqual(embedding.tokenCount, alone.tokenCount)
        }
    }

    /// `/v1/embeddings` answers a text with the same bits alone and in a batch
    /// (`InferenceEndToEndTests`); weights transposed to `[in, out]` broke that through
    /// OpenBLAS's small-matrix kernel, which only the service's tests noticed.
    func testFirstTextOfABatchHasTheSameBitsAsAlone() throws {
        let embedder = try EmbedderFixtures.embedder()
        let batch = try embedder.embed(["hello world", "Pandas eat bamboo."])
        XCTAssertEqual(try embedder.embed("hello world").vector, batch[0].vector)
        XCTAssertEqual(try embedder.embed("Pandas eat bamboo.").vector, batch[1].vector)
    }

    func testConcurrentCallsGiveTheSameVectors() throws {
        let embedder = try EmbedderFixtures.embedder()
        let texts = ["The quick brown fox", "What is the capital of France?", "Café déjà vu"]
        let expected = try embedder.embed(texts)
        let results = LockedResults()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let text = texts[index % texts.count]
            results.append(index, (try? embedder.embed(text))?.vector ?? [])
        }
        for (index, vector) in results.all() {
            XCTAssertGreaterThanOrEqual(
                cosine(vector, expected[index % texts.count].vector),
                0.99999
            )
        }
    }

    func testDimensionAndNameAreReported() throws {
        let embedder = try EmbedderFixtures.embedder()
        XCTAssertEqual(embedder.dimension, 384)
        XCTAssertEqual(embedder.modelName, "all-minilm-l6-v2")
        XCTAssertEqual(embedder.maxLength, 512)
    }

    private func norm(_ vector: [Float]) -> Double {
        vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }
}

/// Results gathered from concurrent workers.
private final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [(Int, [Float])] = []

    func append(_ index: Int, _ vector: [Float]) {
        lock.lock()
        values.append((index, vector))
        lock.unlock()
    }

    func all() -> [(Int, [Float])] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
