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

/// Splits documents into overlapping windows of model tokens.
///
/// Window `k` starts at token `k × (size − overlap)` and holds `size` tokens (the last one
/// fewer); the step is at least one token, so any input, however long and unbroken, ends.
/// Text between tokens (whitespace) is kept inside a chunk and dropped at its edges.
public struct Chunker: Sendable {
    public let tokenizer: any TokenCounter
    public let options: ChunkingOptions

    public init(tokenizer: any TokenCounter, options: ChunkingOptions) {
        self.tokenizer = tokenizer
        self.options = options
    }

    /// Tokenizer and settings in one string, for change detection.
    public var identity: String { "\(tokenizer.identity)/\(options.tokens)/\(options.overlap)" }

    /// The chunks of `text`; none for text without tokens (empty, blank, control characters).
    public func chunks(of text: String) -> [Chunk] {
        let spans = tokenizer.tokenSpans(text)
        var chunks: [Chunk] = []
        var start = 0
        let step = options.tokens - options.overlap
        while start < spans.count {
            let end = min(start + options.tokens, spans.count)
            let piece = String(text[spans[start].lowerBound..<spans[end - 1].upperBound])
            // A tokenizer could report a span of invisible characters; an empty chunk would be
            // stored as a point whose text embeds to nothing useful (case B28), so skip it.
            if piece.contains(where: { !$0.isWhitespace }) {
                chunks.append(Chunk(index: chunks.count, text: piece, tokens: start..<end))
            }
            if end == spans.count { break }
            start += step
        }
        return chunks
    }
}
