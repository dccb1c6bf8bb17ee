import XCTest

@testable import VecClient

final class ChunkerTests: XCTestCase {
    private let tokenizer = ApproximateTokenizer()

    private func chunker(_ tokens: Int, _ overlap: Int) throws -> Chunker {
        Chunker(
            tokenizer: tokenizer,
            options: try ChunkingOptions(tokens: tokens, overlap: overlap)
        )
    }

    func testRefusesZeroNegativeAndNonSmallerOverlapWithMessagesNamingTheValues() {
        XCTAssertThrowsError(try ChunkingOptions(tokens: 0, overlap: 0)) { error in
            XCTAssertEqual(error as? ChunkingError, .nonPositiveSize(0))
            XCTAssertEqual("\(error)", "--chunk-tokens must be at least 1, got 0")
        }
        XCTAssertThrowsError(try ChunkingOptions(tokens: -5, overlap: 0)) { error in
            XCTAssertEqual(error as? ChunkingError, .nonPositiveSize(-5))
        }
        XCTAssertThrowsError(try ChunkingOptions(tokens: 10, overlap: -1)) { error in
            XCTAssertEqual("\(error)", "--chunk-overlap must not be negative, got -1")
        }
        XCTAssertThrowsError(try ChunkingOptions(tokens: 32, overlap: 32)) { error in
            XCTAssertEqual("\(error)", "--chunk-overlap 32 must be smaller than --chunk-tokens 32")
        }
        XCTAssertNoThrow(try ChunkingOptions(tokens: 1, overlap: 0))
        XCTAssertEqual(try ChunkingOptions(), try ChunkingOptions(tokens: 256, overlap: 32))
    }

    func testFixtureChunksCoverEveryTokenWithBoundedOverlapAndNoGap() throws {
        let text = try TestFixtures.read("postgresql/sql-vacuum.html")
        let page = HTMLTextExtractor.extract(text).text
        let spans = tokenizer.tokenSpans(page)
        let chunks = try chunker(50, 8).chunks(of: page)
        XCTAssertGreaterThan(chunks.count, 10)

        XCTAssertEqual(chunks.first?.tokens.lowerBound, 0)
        XCTAssertEqual(chunks.last?.tokens.upperBound, spans.count, "last token covered")
        for (index, chunk) in chunks.enumerated() {
            XCTAssertEqual(chunk.index, index)
            XCTAssertLessThanOrEqual(chunk.tokens.count, 50)
            XCTAssertGreaterThanOrEqual(chunk.tokens.count, 38, "cut only in the last quarter")
            // The chunk's text is exactly the document from its first token to its last.
            let expected = page[
                spans[chunk.tokens.lowerBound]
                    .lowerBound..<spans[chunk.tokens.upperBound - 1].upperBound
            ]
            XCTAssertEqual(chunk.text, String(expected))
            guard index > 0 else { continue }
            let previous = chunks[index - 1].tokens
            XCTAssertGreaterThan(chunk.tokens.lowerBound, previous.lowerBound, "progress")
            XCTAssertLessThanOrEqual(chunk.tokens.lowerBound, previous.upperBound, "no gap")
            XCTAssertLessThanOrEqual(previous.upperBound - chunk.tokens.lowerBound, 8, "overlap")
        }
    }

    func testDefaultChunksOfFixturePagesStartAtSentencesOrParagraphs() throws {
        for name in ["python/tutorial/errors.html", "postgresql/datatype-json.html"] {
            let page = HTMLTextExtractor.extract(try TestFixtures.read(name)).text
            let chunks = try chunker(256, 32).chunks(of: page)
            let breaks = BreakFinder(text: page, spans: tokenizer.tokenSpans(page))
            let clean = chunks.dropFirst().filter {
                breaks.strength(before: $0.tokens.lowerBound) >= .sentence
            }
            // Measured: 24 of 24 and 31 of 31 later chunks; mid-sentence starts happen only
            // when no sentence ends in a window's last quarter.
            XCTAssertGreaterThanOrEqual(Double(clean.count), 0.9 * Double(chunks.count - 1), name)
        }
    }

    func testTextWithoutBreaksOverlapsByExactlyTheOverlap() throws {
        let text = (0..<500).map { "w\($0 % 7)" }.joined(separator: " ")
        let chunks = try chunker(50, 8).chunks(of: text)
        XCTAssertEqual(
            chunks.map(\.tokens.lowerBound),
            Array(stride(from: 0, through: 462, by: 42))
        )
        for chunk in chunks.dropLast() { XCTAssertEqual(chunk.tokens.count, 50) }
        XCTAssertEqual(chunks.last?.tokens.upperBound, 500)
    }

    func testChunksEndAtParagraphBreaksAndTheNextStartsThere() throws {
        let first = Array(repeating: "alpha", count: 45).joined(separator: " ") + "."
        let second = Array(repeating: "beta", count: 45).joined(separator: " ") + "."
        let chunks = try chunker(50, 8).chunks(of: first + "\n\n" + second)
        XCTAssertEqual(chunks.map(\.text), [first, second])
    }

    func testUnbrokenRunLongerThanAChunkStillMakesProgress() throws {
        let run = String(repeating: "x", count: 10_000)
        let chunks = try chunker(16, 15).chunks(of: run)
        // 10 000 characters are 1 250 pieces of 8; the step is one token.
        XCTAssertEqual(chunks.count, 1_250 - 16 + 1)
        XCTAssertEqual(chunks.first?.text.count, 128)
        XCTAssertEqual(chunks.last?.tokens.upperBound, 1_250)
        let punctuation = String(repeating: "=", count: 1_000)
        XCTAssertEqual(try chunker(256, 32).chunks(of: punctuation).count, 5)
    }

    func testSingleTokenChunksWithoutOverlapReproduceTheTokens() throws {
        let chunks = try chunker(1, 0).chunks(of: "Hello, world!  été\tdone")
        XCTAssertEqual(chunks.map(\.text), ["Hello", ",", "world", "!", "été", "done"])
    }

    func testBlankAndInvisibleTextMakesNoChunks() throws {
        // Case B28: "", spaces, a zero-width space and tabs/newlines give no tokens, so no points.
        for blank in ["", "   ", "\u{200B}", "\t\n", "\n\n\n\n", "\u{FEFF}\u{00A0}"] {
            XCTAssertEqual(
                try chunker(256, 32).chunks(of: blank),
                [],
                "input \(blank.debugDescription)"
            )
        }
    }

    func testShortTextIsOneChunkWithoutSurroundingWhitespace() throws {
        let chunks = try chunker(256, 32).chunks(of: "\n  Pandas eat bamboo.\n")
        XCTAssertEqual(chunks, [Chunk(index: 0, text: "Pandas eat bamboo.", tokens: 0..<4)])
    }

    func testApproximateTokenizerSplitsLikeBERTPreTokenization() {
        let text = "naïve café 東京 x=1.5 supercalifragilistic"
        let pieces = tokenizer.tokenSpans(text).map { String(text[$0]) }
        XCTAssertEqual(
            pieces,
            [
                "naïve", "café", "東", "京", "x", "=", "1", ".", "5",
                "supercal", "ifragili", "stic",
            ]
        )
    }
}
