/// Splits text into model tokens with their positions, which is all chunking needs.
///
/// The real implementation is the embedding model's WordPiece tokenizer (in `Embedder`, wired
/// in by `vecd`); `ApproximateTokenizer` stands in where the model is not at hand.
public protocol TokenCounter: Sendable {
    /// A short stable name of the tokenization. It is part of each file's change hash, so that
    /// switching tokenizers re-chunks files instead of skipping them as unchanged.
    var identity: String { get }

    /// The ranges of `text` that the model's tokens come from, in order, non-overlapping and
    /// never empty. Whitespace and control characters belong to no token.
    func tokenSpans(_ text: String) -> [Range<String.Index>]
}

/// A model-free approximation of BERT's pre-tokenization and WordPiece split: every
/// punctuation or symbol character is a token, as is every CJK ideograph, and a run of
/// letters and digits is a token per `maximumPieceLength` characters.
///
/// WordPiece splits rare or long words into several pieces; counting long runs as several
/// tokens keeps chunks near (and mostly below) the model's real token count.
public struct ApproximateTokenizer: TokenCounter {
    /// Characters per piece of a long word; most English words are one WordPiece token, and
    /// words over 8 characters are usually two or more.
    public static let maximumPieceLength = 8

    public var identity: String { "approx-\(Self.maximumPieceLength)" }

    public init() {}

    public func tokenSpans(_ text: String) -> [Range<String.Index>] {
        var spans: [Range<String.Index>] = []
        let scalars = text.unicodeScalars
        var runStart: String.Index?
        var runLength = 0
        var index = scalars.startIndex

        func closeRun(at end: String.Index) {
            if let start = runStart { spans.append(start..<end) }
            runStart = nil
            runLength = 0
        }

        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            switch Self.kind(of: scalar) {
            case .separator:
                closeRun(at: index)
            case .single:
                closeRun(at: index)
                spans.append(index..<next)
            case .word:
                if runLength == Self.maximumPieceLength { closeRun(at: index) }
                if runStart == nil { runStart = index }
                runLength += 1
            }
            index = next
        }
        closeRun(at: scalars.endIndex)
        return spans
    }

    enum Kind { case separator, single, word }

    static func kind(of scalar: Unicode.Scalar) -> Kind {
        if scalar.isASCII {
            switch scalar.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return .word
            case 0x21...0x7E: return .single
            default: return .separator  // space and ASCII controls
            }
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator,
            .surrogate, .privateUse, .unassigned:
            return .separator
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .word  // accents stay with their letter
        default:
            break
        }
        if properties.isWhitespace { return .separator }
        if isCJK(scalar) { return .single }
        return properties.isAlphabetic || properties.numericType != nil ? .word : .single
    }

    /// The CJK ranges BERT's basic tokenizer splits into one token per character.
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

/// A `TokenCounter` made from a function, so a caller can plug in a tokenizer this module
/// cannot depend on (the embedding model's WordPiece tokenizer lives in `Embedder`).
public struct FunctionTokenCounter: TokenCounter {
    public let identity: String
    private let spans: @Sendable (String) -> [Range<String.Index>]

    /// - Parameters:
    ///   - identity: names the tokenization (model and vocabulary) for change detection.
    ///   - spans: the token ranges of a text, with the contract of `tokenSpans(_:)`.
    public init(identity: String, spans: @escaping @Sendable (String) -> [Range<String.Index>]) {
        self.identity = identity
        self.spans = spans
    }

    public func tokenSpans(_ text: String) -> [Range<String.Index>] { spans(text) }
}
