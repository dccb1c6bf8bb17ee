import XCTest

@testable import VecClient

final class ArgumentTests: XCTestCase {
    private func ingestError(_ arguments: [String]) -> ArgumentError? {
        do {
            _ = try IngestOptions.parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    func testIngestDefaultsAndEnvironment() throws {
        let options = try IngestOptions.parse(
            ["--collection", "docs", "a", "b"],
            environment: ["VECD_API_KEY": "k1"]
        )
        XCTAssertEqual(options.server.url, "http://127.0.0.1:6333")
        XCTAssertEqual(options.server.apiKey, "k1")
        XCTAssertEqual(options.server.collection, "docs")
        XCTAssertEqual(options.chunking, try ChunkingOptions(tokens: 256, overlap: 32))
        XCTAssertEqual(options.batchSize, 32)
        XCTAssertEqual(options.paths, ["a", "b"])
        XCTAssertFalse(options.create)
        XCTAssertNil(options.model)
    }

    func testIngestReadsEveryOptionInBothSpellings() throws {
        let options = try IngestOptions.parse([
            "--url=http://127.0.0.1:7000", "--api-key", "secret", "--collection", "c", "--create",
            "--model", "m", "--batch", "8", "--chunk-tokens=100", "--chunk-overlap", "0",
            "--dimension", "384", "--progress", "lines", "--", "--odd-file-name",
        ])
        XCTAssertEqual(options.server.url, "http://127.0.0.1:7000")
        XCTAssertEqual(options.server.apiKey, "secret")
        XCTAssertTrue(options.create)
        XCTAssertEqual(options.model, "m")
        XCTAssertEqual(options.batchSize, 8)
        XCTAssertEqual(options.chunking, try ChunkingOptions(tokens: 100, overlap: 0))
        XCTAssertEqual(options.dimension, 384)
        XCTAssertEqual(options.progress, .lines)
        XCTAssertEqual(options.paths, ["--odd-file-name"])
    }

    func testIngestRefusesBadChunkSettingsBeforeDoingAnything() {
        let base = ["--collection", "c", "file.txt"]
        XCTAssertEqual(ingestError(base + ["--chunk-tokens", "0"]), .chunking(.nonPositiveSize(0)))
        XCTAssertEqual(
            ingestError(base + ["--chunk-tokens", "-3"]),
            .chunking(.nonPositiveSize(-3))
        )
        XCTAssertEqual(
            ingestError(base + ["--chunk-overlap", "-1"]),
            .chunking(.negativeOverlap(-1))
        )
        XCTAssertEqual(
            ingestError(base + ["--chunk-tokens", "64", "--chunk-overlap", "64"]),
            .chunking(.overlapNotSmallerThanSize(overlap: 64, size: 64))
        )
        XCTAssertEqual(
            ingestError(base + ["--chunk-overlap", "300"])?.description,
            "--chunk-overlap 300 must be smaller than --chunk-tokens 256"
        )
        XCTAssertEqual(
            ingestError(base + ["--chunk-tokens", "ten"])?.description,
            "--chunk-tokens must be an integer, got 'ten'"
        )
    }

    func testIngestRetriesCountsRetriesAndZeroIsAllowed() throws {
        let base = ["--collection", "c", "file.txt"]
        XCTAssertEqual(try IngestOptions.parse(base).retries, 4)
        XCTAssertEqual(try IngestOptions.parse(base + ["--retries", "0"]).retries, 0)
        XCTAssertEqual(try IngestOptions.parse(base + ["--retries=7"]).retries, 7)
        XCTAssertEqual(
            ingestError(base + ["--retries", "-1"]), .negative(option: "--retries", value: -1))
        XCTAssertEqual(
            ArgumentError.negative(option: "--retries", value: -1).description,
            "--retries must be 0 or more, got -1"
        )
    }

    func testIngestRefusesOtherMistakesNamingTheValue() {
        XCTAssertEqual(ingestError(["file.txt"]), .missingOption("--collection"))
        XCTAssertEqual(ingestError(["--collection", "c"]), .missingPaths)
        XCTAssertEqual(
            ingestError(["--collection", "c", "f", "--batch", "0"])?.description,
            "--batch must be at least 1, got 0"
        )
        XCTAssertEqual(
            ingestError(["--collection", "c", "f", "--frobnicate"]),
            .unknownOption("--frobnicate")
        )
        XCTAssertEqual(
            ingestError(["--collection", "c", "f", "--url"]),
            .missingValue(option: "--url")
        )
        XCTAssertEqual(
            ingestError(["--collection", "c", "f", "--progress", "fancy"])?.description,
            "--progress must be one of auto, bar, lines, none, got 'fancy'"
        )
        XCTAssertEqual(
            ingestError(["--collection", "c", "f", "--timeout", "-2"])?.description,
            "--timeout must be a positive number, got '-2'"
        )
        XCTAssertEqual(ingestError(["--help"]), .helpRequested)
    }

    func testQueryBuildsDenseAndRerankBodies() throws {
        let dense = try QueryOptions.parse([
            "--collection", "c", "--limit", "3", "what", "is", "json?",
        ])
        XCTAssertEqual(dense.question, "what is json?")
        XCTAssertEqual(
            dense.requestBody,
            ["query": ["text": "what is json?"], "limit": 3, "with_payload": true]
        )

        let reranked = try QueryOptions.parse([
            "--collection", "c", "--rerank", "--limit", "20", "q",
        ])
        XCTAssertEqual(
            reranked.requestBody,
            [
                "prefetch": ["query": ["text": "q"], "limit": 80],
                "query": ["rerank": ["text": "q", "field": "text"]],
                "limit": 20, "with_payload": true,
            ]
        )
        XCTAssertEqual(
            try QueryOptions.parse(["--collection", "c", "--rerank", "q"]).prefetchLimit,
            50
        )
    }

    func testQueryRefusesBlankQuestionAndBadLimit() {
        // Case B28 at the CLI: a blank question is refused before anything is sent.
        for blank in [[], [""], ["   "], ["\t\n"]] {
            XCTAssertThrowsError(try QueryOptions.parse(["--collection", "c"] + blank)) { error in
                XCTAssertEqual(error as? ArgumentError, .emptyQuestion)
            }
        }
        XCTAssertThrowsError(try QueryOptions.parse(["--collection", "c", "--limit", "0", "q"])) {
            XCTAssertEqual("\($0)", "--limit must be at least 1, got 0")
        }
    }

    func testHTTPClientRefusesNonHTTPURLs() {
        XCTAssertThrowsError(try HTTPClient(baseURL: "https://127.0.0.1:6333", apiKey: nil)) {
            XCTAssertEqual(
                "\($0)",
                "invalid --url 'https://127.0.0.1:6333': scheme 'https' is not supported, use http://"
            )
        }
        XCTAssertThrowsError(try HTTPClient(baseURL: "127.0.0.1:6333", apiKey: nil))
        XCTAssertThrowsError(try HTTPClient(baseURL: "http://", apiKey: nil))
        XCTAssertEqual(
            try HTTPClient(baseURL: "http://127.0.0.1:6333//", apiKey: nil).baseURL,
            "http://127.0.0.1:6333"
        )
    }
}
