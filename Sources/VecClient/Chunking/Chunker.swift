/// Chunk size and overlap in model tokens, checked when made.
public struct ChunkingOptions: Sendable, Equatable {
    /// 256 tokens: all-MiniLM-L6-v2 was trained on sequences of at most 256 word pieces, so
    /// longer chunks would embed worse (and the server truncates at the model's limit).
    public static let defaultTokens = 256
    /// 32 tokens (one eighth) of overlap, so that a sentence cut at a chunk boundary is still
    /// whole in one of the two chunks.
    public static let defaultOverlap = 32

    public let tokens: Int
    public let overlap: Int

    /// - Throws: `ChunkingError` when `tokens` is not positive, `overlap` is negative, or
    ///   `overlap` is not smaller than `tokens` (chunking could then never move forward).
    public init(tokens: Int = defaultTokens, overlap: Int = defaultOverlap) throws(ChunkingError) {
        guard tokens > 0 else { throw .nonPositiveSize(tokens) }
        guard overlap >= 0 else { throw .negativeOverlap(overlap) }
        guard overlap < tokens else {
            throw .overlapNotSmallerThanSize(overlap: overlap, size: tokens)
        }
        self.tokens = tokens
        self.overlap = overlap
    }
}

/// Invalid chunking settings; each message names the flag and the value.
public enum ChunkingError: Error, CustomStringConvertible, Equatable {
    case nonPositiveSize(Int)
    case negativeOverlap(Int)
    case overlapNotSmallerThanSize(overlap: Int, size: Int)

    public var description: String {
        switch self {
        case .nonPositiveSize(let size):
            return "--chunk-tokens must be at least 1, got \(size)"
        case .negativeOverlap(let overlap):
            return "--chunk-overlap must not be negative, got \(overlap)"
        case .overlapNotSmallerThanSize(let overlap, let size):
            return "--chunk-overlap \(overlap) must be smaller than --chunk-tokens \(size)"
        }
    }
}

/// One piece of a document, as stored in a point's payload.
public struct Chunk: Sendable, Equatable {
    /// 0-based position in the document; with the source it names the point id.
    public var index: Int
    /// The document text from the chunk's first token to its last, exactly as in the document.
    public var text: String
    /// The tokens it covers, as indices into the document's token list.
    public var tokens: Range<Int>
}

/// Splits documents into overlapping windows of model tokens, cut where the text breaks.
///
/// A window holds at most `size` tokens. When the document goes on, the window ends at the
/// last paragraph break, else the last sentence end, else the last line break, found in its
/// final quarter (else it takes all `size` tokens). The next window starts at the first such
/// break among the last `overlap` tokens of the previous one (else exactly `overlap` back). So
/// chunks mostly begin and end on whole sentences, neighbours share at most `overlap` tokens,
/// no token is left out, and each window starts at least one token after the previous one:
/// any input, however long and unbroken, ends.
public struct Chunker: Sendable {
    public let tokenizer: any TokenCounter
    public let options: ChunkingOptions

    public init(tokenizer: any TokenCounter, options: ChunkingOptions) {
        self.tokenizer = tokenizer
        self.options = options
    }

    /// Tokenizer, settings and cutting rule in one string, for change detection.
    public var identity: String {
        "\(tokenizer.identity)/\(options.tokens)/\(options.overlap)/breaks"
    }

    /// The chunks of `text`; none for text without tokens (empty, blank, control characters).
    public func chunks(of text: String) -> [Chunk] {
        let spans = tokenizer.tokenSpans(text)
        let breaks = BreakFinder(text: text, spans: spans)
        var chunks: [Chunk] = []
        var start = 0
        while start < spans.count {
            var end = min(start + options.tokens, spans.count)
            if end < spans.count {
                // Only the last quarter is searched, so chunks stay near the size asked for;
                // it never reaches back past the overlap, so the next start still advances.
                let earliest = start + max(options.overlap + 1, options.tokens - options.tokens / 4)
                end = breaks.lastBreak(in: earliest...end) ?? end
            }
            let piece = String(text[spans[start].lowerBound..<spans[end - 1].upperBound])
            // A tokenizer could report a span of invisible characters; an empty chunk would be
            // stored as a point whose text embeds to nothing useful (case B28), so skip it.
            if piece.contains(where: { !$0.isWhitespace }) {
                chunks.append(Chunk(index: chunks.count, text: piece, tokens: start..<end))
            }
            if end == spans.count { break }
            let overlapStart = end - options.overlap
            start = breaks.firstBreak(in: overlapStart...end) ?? overlapStart
        }
        return chunks
    }
}

/// Where the text between two tokens is a paragraph break, follows a sentence end, or is a
/// line break.
struct BreakFinder {
    let text: String
    let spans: [Range<String.Index>]

    enum Strength: Int, Comparable {
        case none, line, sentence, paragraph
        static func < (lhs: Strength, rhs: Strength) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The break before token `index` (between token `index - 1` and it).
    func strength(before index: Int) -> Strength {
        guard index > 0, index < spans.count else { return .none }
        let gap = text[spans[index - 1].upperBound..<spans[index].lowerBound]
        guard !gap.isEmpty else { return .none }
        let newlines = gap.filter { $0 == "\n" }.count
        if newlines >= 2 { return .paragraph }
        let previous = text[spans[index - 1]]
        if [".", "!", "?", ":", ";"].contains(previous) { return .sentence }
        // A single newline ends a line of code or a list item: better than mid-line.
        return newlines == 1 ? .line : .none
    }

    /// The last token index in `range` with the strongest break before it, or `nil` if none.
    func lastBreak(in range: ClosedRange<Int>) -> Int? {
        best(in: range.reversed())
    }

    /// The first token index in `range` with the strongest break before it, or `nil` if none.
    func firstBreak(in range: ClosedRange<Int>) -> Int? {
        best(in: Array(range))
    }

    private func best(in candidates: [Int]) -> Int? {
        var found: (index: Int, strength: Strength)?
        for index in candidates {
            let strength = strength(before: index)
            if strength > (found?.strength ?? .none) { found = (index, strength) }
            if strength == .paragraph { break }
        }
        return found?.index
    }
}
