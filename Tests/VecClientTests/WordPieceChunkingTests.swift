import Embedder
import Foundation
import XCTest

@testable import VecClient

/// Chunking with all-MiniLM-L6-v2's own tokenizer, as `vecd ingest` does.
final class WordPieceChunkingTests: XCTestCase {
    private func modelTokenizer() throws -> WordPieceTokenizer {
        let environment = ProcessInfo.processInfo.environment["VECD_MODEL_DIR"] ?? ""
        let directory =
            environment.isEmpty
            ? TestFixtures.root + "/.cache/models/all-minilm-l6-v2" : environment
        return try WordPieceTokenizer(directory: directory)
    }

    private func chunker(_ tokenizer: WordPieceTokenizer) throws -> Chunker {
        let counter = FunctionTokenCounter(
            identity: "wordpiece",
            spans: { text in tokenizer.wordPieceSpans(text).map(\.range) }
        )
        return Chunker(tokenizer: counter, options: try ChunkingOptions())
    }

    func testFixtureChunksFitTheModelWithoutTruncation() throws {
        // Case B07 from the client side: a 256-token chunk plus [CLS]/[SEP] is far below the
        // 512 positions, so the server never has to cut a chunk the CLI made.
        let tokenizer = try modelTokenizer()
        let chunker = try chunker(tokenizer)
        var chunkCount = 0
        for path in FileWalker.collect([TestFixtures.corpus("")]).files {
            let document = try DocumentReader.read(path: path)
            for chunk in chunker.chunks(of: document.text) {
                chunkCount += 1
                XCTAssertLessThanOrEqual(chunk.tokens.count, 256)
                // Re-tokenizing the chunk's text alone may split its first word differently
                // (a `##` piece becomes a word start); a few tokens of slack cover that.
                let retokenized = tokenizer.countTokens(chunk.text)
                XCTAssertLessThanOrEqual(retokenized, 260, "\(path) #\(chunk.index)")
                XCTAssertFalse(tokenizer.encodeSingle(chunk.text, maxLength: 512).truncated)
            }
        }
        XCTAssertGreaterThan(chunkCount, 200)
    }

    func testShortTextIsOneChunkAndBlankTextNone() throws {
        let chunker = try chunker(try modelTokenizer())
        XCTAssertEqual(chunker.chunks(of: "Pandas eat bamboo.").map(\.text), ["Pandas eat bamboo."])
        for blank in ["", "   ", "\u{200B}", "\t\n"] {
            XCTAssertEqual(chunker.chunks(of: blank), [], blank.debugDescription)
        }
    }

    func testUnbrokenRunStillMakesProgress() throws {
        let tokenizer = try modelTokenizer()
        let chunker = try chunker(tokenizer)
        // 3 000 characters without a space: "ab" repeated is one 3 000-character word, which
        // WordPiece maps to a single [UNK]; with separators it is thousands of pieces.
        XCTAssertEqual(chunker.chunks(of: String(repeating: "ab", count: 1_500)).count, 1)
        let dotted = String(repeating: "a.", count: 1_500)
        let chunks = chunker.chunks(of: dotted)
        XCTAssertEqual(chunks.last?.tokens.upperBound, 3_000)
        XCTAssertGreaterThanOrEqual(chunks.count, 3_000 / 256)
    }
}
