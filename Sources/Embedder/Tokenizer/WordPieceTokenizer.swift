import Foundation
import VecCore

/// One word piece of a text and where it came from.
public struct TokenSpan: Sendable, Equatable {
    /// The vocabulary id.
    public var id: Int32
    /// The characters of the original text the piece was made from. A piece inside a word
    /// covers only its own characters; an `[UNK]` for a whole word covers the whole word.
    public var range: Range<String.Index>
}

/// A model input: ids with the special tokens, token types, and whether text was cut.
public struct TokenizedInput: Sendable, Equatable {
    /// `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`.
    public var ids: [Int32]
    /// 0 for `[CLS]`, the first text and its `[SEP]`; 1 for the second text and the last `[SEP]`.
    public var typeIDs: [Int32]
    /// Whether word pieces were dropped to fit the maximum length.
    public var truncated: Bool
}

/// BERT's uncased (or cased) WordPiece tokenizer, matching Hugging Face's `BertTokenizer`.
///
/// Words come from `BasicTokenizer`; each word is then split greedily into the longest
/// vocabulary entries, continuation pieces carrying the `##` prefix. A word longer than
/// `maxCharactersPerWord` code points, or one that cannot be split, becomes a single `[UNK]`
/// (B03). Empty or whitespace-only text has no word pieces, so it encodes as `[CLS] [SEP]` (B28).
///
/// Thread-safety: immutable after `init`; every method may be called from any thread.
public final class WordPieceTokenizer: Sendable {
    /// Words longer than this many code points become one `[UNK]` (BERT's
    /// `max_input_chars_per_word`).
    public static let defaultMaxCharactersPerWord = 100

    /// The `[CLS]` id.
    public let classifierID: Int32
    /// The `[SEP]` id.
    public let separatorID: Int32
    /// The `[UNK]` id.
    public let unknownID: Int32
    /// The `[PAD]` id (not used by the packed encoder; kept for callers that pad).
    public let paddingID: Int32
    /// Words longer than this many code points become one `[UNK]`.
    public let maxCharactersPerWord: Int

    private let vocabulary: [String: Int32]
    private let pieces: [String]
    private let basic: BasicTokenizer

    /// Builds a tokenizer from vocabulary entries in id order.
    ///
    /// - Parameters:
    ///   - vocabulary: one entry per id, as in `vocab.txt`.
    ///   - lowercases: `do_lower_case`.
    ///   - stripsAccents: `strip_accents`; `nil` follows `lowercases`, as Hugging Face does.
    ///   - splitsCJK: `tokenize_chinese_chars`.
    /// - Throws: `.invalidConfig` when a special token is missing from the vocabulary.
    public init(
        vocabulary: [String],
        lowercases: Bool = true,
        stripsAccents: Bool? = nil,
        splitsCJK: Bool = true,
        maxCharactersPerWord: Int = defaultMaxCharactersPerWord
    ) throws(EmbeddingError) {
        var table: [String: Int32] = [:]
        table.reserveCapacity(vocabulary.count)
        for (index, piece) in vocabulary.enumerated() where table[piece] == nil {
            table[piece] = Int32(index)
        }
        func special(_ token: String) throws(EmbeddingError) -> Int32 {
            guard let id = table[token] else {
                throw .invalidConfig(
                    path: "vocab.txt",
                    key: token,
                    reason: "is not in the vocabulary"
                )
            }
            return id
        }
        self.classifierID = try special("[CLS]")
        self.separatorID = try special("[SEP]")
        self.unknownID = try special("[UNK]")
        self.paddingID = try special("[PAD]")
        self.vocabulary = table
        self.pieces = vocabulary
        self.maxCharactersPerWord = maxCharactersPerWord
        self.basic = BasicTokenizer(
            lowercases: lowercases,
            stripsAccents: stripsAccents ?? lowercases,
            splitsCJK: splitsCJK
        )
    }

    /// Loads `vocab.txt` and the casing options of `tokenizer_config.json` from a model
    /// directory (the options default to uncased when that file is absent).
    ///
    /// - Throws: `.missingFile` for `vocab.txt`, `.invalidFile` for unreadable files.
    public convenience init(directory: String) throws(EmbeddingError) {
        let vocabularyPath = directory + "/vocab.txt"
        let text = try readText(vocabularyPath)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        var lowercases = true
        var stripsAccents: Bool? = nil
        var splitsCJK = true
        let configPath = directory + "/tokenizer_config.json"
        if FileManager.default.fileExists(atPath: configPath) {
            let config = try readJSON(configPath)
            lowercases = config["do_lower_case"]?.boolValue ?? true
            stripsAccents = config["strip_accents"]?.boolValue
            splitsCJK = config["tokenize_chinese_chars"]?.boolValue ?? true
        }
        try self.init(
            vocabulary: lines,
            lowercases: lowercases,
            stripsAccents: stripsAccents,
            splitsCJK: splitsCJK
        )
    }

    /// Number of vocabulary entries.
    public var vocabularySize: Int { pieces.count }

    /// The id of a vocabulary entry, if present.
    public func id(for piece: String) -> Int32? { vocabulary[piece] }

    /// The vocabulary entry for an id.
    public func piece(for id: Int32) -> String? {
        pieces.indices.contains(Int(id)) ? pieces[Int(id)] : nil
    }

    /// The word-piece ids of `text`, without special tokens.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for word in basic.words(text) {
            wordPieces(word) { id, _, _ in ids.append(id) }
        }
        return ids
    }

    /// The word pieces of `text` as strings (`["un", "##aff", "##able"]`).
    public func tokenize(_ text: String) -> [String] {
        encode(text).map { pieces[Int($0)] }
    }

    /// How many word pieces `text` has, without special tokens (a model's input holds
    /// `maxLength - 2` of them for a single text).
    public func countTokens(_ text: String) -> Int { encode(text).count }

    /// Each word piece of `text` with the range of original characters it came from, so a
    /// caller can cut text into chunks of at most N model tokens at piece boundaries.
    public func wordPieceSpans(_ text: String) -> [TokenSpan] {
        let scalars = text.unicodeScalars
        var indices = Array(scalars.indices)
        indices.append(scalars.endIndex)
        var spans: [TokenSpan] = []
        for word in basic.words(text) {
            wordPieces(word) { id, first, last in
                let lower = indices[Int(word.origins[first])]
                let upper = indices[Int(word.origins[last]) + 1]
                spans.append(TokenSpan(id: id, range: lower..<upper))
            }
        }
        return spans
    }

    /// `[CLS] text [SEP]`, keeping the first `maxLength - 2` word pieces.
    ///
    /// - Precondition: `maxLength >= 2`.
    public func encodeSingle(_ text: String, maxLength: Int) -> TokenizedInput {
        precondition(
            maxLength >= 2,
            "encodeSingle: maxLength \(maxLength) leaves no room for [CLS] [SEP]"
        )
        let body = encode(text)
        let kept = body.prefix(maxLength - 2)
        let ids = [classifierID] + kept + [separatorID]
        return TokenizedInput(
            ids: ids,
            typeIDs: Array(repeating: 0, count: ids.count),
            truncated: kept.count < body.count
        )
    }

    /// `[CLS] first [SEP] second [SEP]` with Hugging Face's `longest_first` truncation: while
    /// too long, drop the last piece of the longer text (of the second on a tie).
    ///
    /// - Precondition: `maxLength >= 3`.
    public func encodePair(_ first: String, _ second: String, maxLength: Int) -> TokenizedInput {
        precondition(
            maxLength >= 3,
            "encodePair: maxLength \(maxLength) leaves no room for specials"
        )
        var a = encode(first)[...]
        var b = encode(second)[...]
        let budget = maxLength - 3
        let truncated = a.count + b.count > budget
        while a.count + b.count > budget {
            if a.count > b.count { a = a.dropLast() } else { b = b.dropLast() }
        }
        let ids = [classifierID] + a + [separatorID] + b + [separatorID]
        let typeIDs =
            Array(repeating: Int32(0), count: a.count + 2)
            + Array(repeating: Int32(1), count: b.count + 1)
        return TokenizedInput(ids: ids, typeIDs: typeIDs, truncated: truncated)
    }

    /// Greedy longest-match-first split of one word; calls `emit(id, firstScalar, lastScalar)`
    /// with the word-relative code point positions each piece covers.
    private func wordPieces(_ word: BasicTokenizer.Word, _ emit: (Int32, Int, Int) -> Void) {
        let scalars = word.scalars
        let count = scalars.count
        if count > maxCharactersPerWord {
            emit(unknownID, 0, count - 1)
            return
        }
        // Most words are whole vocabulary entries: try that before building substrings.
        if let id = vocabulary[String(String.UnicodeScalarView(scalars))] {
            emit(id, 0, count - 1)
            return
        }
        var found: [(id: Int32, start: Int, end: Int)] = []
        var start = 0
        while start < count {
            var end = count
            var match: Int32? = nil
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: scalars[start..<end])
                if let id = vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let id = match else {
                emit(unknownID, 0, count - 1)  // no split exists: the whole word is unknown
                return
            }
            found.append((id, start, end))
            start = end
        }
        for piece in found { emit(piece.id, piece.start, piece.end - 1) }
    }
}

/// The UTF-8 contents of a file.
///
/// - Throws: `.missingFile` when absent, `.invalidFile` when unreadable or not UTF-8.
func readText(_ path: String) throws(EmbeddingError) -> String {
    guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw .invalidFile(path: path, reason: "cannot be read")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw .invalidFile(path: path, reason: "is not UTF-8")
    }
    return text
}

/// A JSON file parsed with VecCore's parser.
///
/// - Throws: `.missingFile`, or `.invalidFile` naming the parse error.
func readJSON(_ path: String) throws(EmbeddingError) -> JSONValue {
    guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw .invalidFile(path: path, reason: "cannot be read")
    }
    do { return try JSONValue.parse(Array(data)) } catch {
        throw .invalidFile(path: path, reason: "\(error)")
    }
}
