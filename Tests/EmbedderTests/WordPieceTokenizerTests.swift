import XCTest

@testable import Embedder

/// Tokenizer cases from `cases.md` (B01, B02, B03, B28) and extra Unicode corners. Expected ids
/// were produced by Hugging Face `tokenizers` 0.23.3 on MiniLM's `tokenizer.json` (the same
/// vocabulary as bert-base-uncased).
final class WordPieceTokenizerTests: XCTestCase {
    private func tokenizer() throws -> WordPieceTokenizer {
        try EmbedderFixtures.embedder().tokenizer
    }

    private func ids(_ text: String) throws -> [Int32] {
        try tokenizer().encodeSingle(text, maxLength: 512).ids
    }

    func testB01LineBreaksAndTabsAreSpacesNotDeleted() throws {
        XCTAssertEqual(try ids("note\nbook"), try ids("note book"))
        XCTAssertEqual(try ids("note\nbook"), [101, 3602, 2338, 102])
        XCTAssertEqual(try ids("one\tline"), try ids("one line"))
        XCTAssertEqual(try ids("a\r\nb"), try ids("a b"))
        XCTAssertEqual(try ids("a\r\nb"), [101, 1037, 1038, 102])
    }

    func testB01EnDashIsItsOwnToken() throws {
        XCTAssertEqual(try ids("Cretaceous–Paleogene"), try ids("Cretaceous – Paleogene"))
        XCTAssertEqual(try ids("Cretaceous–Paleogene"), [101, 18122, 1516, 5122, 23924, 2063, 102])
    }

    func testB02EveryNonspacingMarkIsDroppedAfterNFD() throws {
        XCTAssertEqual(try ids("ザ"), try ids("サ"))
        XCTAssertEqual(try ids("ザ"), [101, 1705, 102])
        XCTAssertEqual(try ids("で"), try ids("て"))
        XCTAssertEqual(try ids("a\u{301}"), try ids("á"))
        XCTAssertEqual(try ids("á"), try ids("a"))
        XCTAssertEqual(try ids("Kantō"), try ids("kanto"))
        XCTAssertEqual(try ids("Kantō"), [101, 26044, 2080, 102])
        XCTAssertEqual(try tokenizer().tokenize("lǜshi"), ["lush", "##i"])
        XCTAssertEqual(try ids("lǜshi"), [101, 16299, 2072, 102])
    }

    func testB02KatakanaWordMatchesReferenceAndIsNotUnknown() throws {
        XCTAssertEqual(try ids("データベース"), [101, 1713, 30265, 30235, 30247, 30265, 30233, 102])
    }

    func testB03WordOver100CharactersIsOneUnknown() throws {
        XCTAssertEqual(try ids(String(repeating: "hello", count: 26)), [101, 100, 102])
        XCTAssertEqual(try ids(String(repeating: "x", count: 101)), [101, 100, 102])
        let hundred = try ids(String(repeating: "hello", count: 20))
        XCTAssertFalse(hundred.contains(100), "100 characters is split into pieces")
        XCTAssertEqual(hundred.count, 32)
        XCTAssertEqual(Array(hundred.prefix(5)), [101, 7592, 18223, 11631, 15350])
    }

    func testB03PunctuationSplitsBeforeTheLengthCheck() throws {
        let url = "see https://example.com/" + String(repeating: "a", count: 280)
        XCTAssertEqual(
            try ids(url),
            [101, 2156, 16770, 1024, 1013, 1013, 2742, 1012, 4012, 1013, 100, 102]
        )
    }

    func testB28EmptyAndInvisibleTextHasNoWordPieces() throws {
        for text in ["", "   ", "\u{200B}", "\t\n", "\u{3000}\u{00A0}"] {
            XCTAssertEqual(try tokenizer().encode(text), [], "\(text.unicodeScalars.map(\.value))")
            XCTAssertEqual(try ids(text), [101, 102])
        }
    }

    func testUnicodeSeparatorsPunctuationAndHangulMatchReference() throws {
        XCTAssertEqual(try ids("Ünïcödé\u{2028}line\u{3000}wide"), [101, 27260, 2240, 2898, 102])
        XCTAssertEqual(
            try ids("¿Qué? «quoted» 1,000.5"),
            [101, 1094, 10861, 1029, 1077, 9339, 1090, 1015, 1010, 2199, 1012, 1019, 102]
        )
        XCTAssertEqual(
            try ids("한국어 텍스트"),
            [
                101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 1467, 30009,
                30020, 29997, 30017, 30003, 30017, 102,
            ]
        )
        XCTAssertEqual(try ids("İstanbul"), [101, 9960, 102])
        XCTAssertEqual(
            try ids("ΣΊΣΥΦΟΣ"),
            [101, 1173, 18199, 29733, 29735, 29736, 29730, 29733, 102]
        )
    }

    func testControlAndFormatCharactersAreRemovedWithoutSplitting() throws {
        XCTAssertEqual(try ids("note\u{200B}book"), try ids("notebook"))
        XCTAssertEqual(try ids("note\u{0007}book"), try ids("notebook"))
        XCTAssertEqual(try ids("note\u{0000}book\u{FFFD}"), try ids("notebook"))
    }

    func testSpansPointAtTheOriginalCharacters() throws {
        let text = "Café–Zürich\tunaffable"
        let spans = try tokenizer().wordPieceSpans(text)
        XCTAssertEqual(spans.map(\.id), try tokenizer().encode(text))
        let pieces = spans.map { String(text[$0.range]) }
        XCTAssertEqual(pieces.first, "Café")
        XCTAssertEqual(pieces[1], "–")
        XCTAssertEqual(pieces[2], "Zürich")
        XCTAssertEqual(pieces.suffix(3).joined(), "unaffable", "\(pieces)")
        // Pieces are ordered and disjoint, so cutting at a span boundary keeps whole pieces.
        for (a, b) in zip(spans, spans.dropFirst()) {
            XCTAssertLessThanOrEqual(a.range.upperBound, b.range.lowerBound)
        }
    }

    func testPairEncodingHasTokenTypesAndLongestFirstTruncation() throws {
        let tokenizer = try tokenizer()
        let pair = tokenizer.encodePair("a b", "c d e", maxLength: 512)
        XCTAssertEqual(pair.ids, [101, 1037, 1038, 102, 1039, 1040, 1041, 102])
        XCTAssertEqual(pair.typeIDs, [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertFalse(pair.truncated)
        // 2 + 3 pieces into a budget of 3: the longer side loses pieces first, then the tie
        // goes against the second text.
        let cut = tokenizer.encodePair("a b", "c d e", maxLength: 6)
        XCTAssertEqual(cut.ids, [101, 1037, 1038, 102, 1039, 102])
        XCTAssertTrue(cut.truncated)
        let tie = tokenizer.encodePair("a b", "c d e", maxLength: 5)
        XCTAssertEqual(tie.ids, [101, 1037, 102, 1039, 102])
    }

    func testCasedTokenizerKeepsCaseAndAccentsUnlessAsked() throws {
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "Café", "café", "cafe", "Cafe"]
        let cased = try WordPieceTokenizer(vocabulary: vocabulary, lowercases: false)
        XCTAssertEqual(cased.tokenize("Café"), ["Café"])
        let stripped = try WordPieceTokenizer(
            vocabulary: vocabulary,
            lowercases: false,
            stripsAccents: true
        )
        XCTAssertEqual(stripped.tokenize("Café"), ["Cafe"])
        let uncased = try WordPieceTokenizer(vocabulary: vocabulary)
        XCTAssertEqual(uncased.tokenize("Café"), ["cafe"])
    }

    func testVocabularyWithoutSpecialTokensIsRefused() {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[SEP]"])) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .invalidConfig(path: "vocab.txt", key: "[CLS]", reason: "is not in the vocabulary")
            )
        }
    }
}
