import Foundation

/// Splits text into tokens for full-text `match` conditions and text indexes.
///
/// Conditions on a field without a text index use `TextTokenizer.default` (Qdrant's `word`
/// tokenizer, lowercased, as Qdrant 1.19.1 does for unindexed fields). A field with a text index
/// uses the index's tokenizer for both the index and the check, so creating or dropping the
/// index never changes which points a condition accepts unless its parameters differ from the
/// defaults, which is then the point of the index.
public struct TextTokenizer: Sendable, Equatable {
    /// How text is cut into words.
    public enum Kind: String, Sendable, CaseIterable {
        /// Runs of letters and digits.
        case word
        /// Runs of non-whitespace.
        case whitespace
        /// Words, each indexed under all its prefixes; queries match a word's prefix.
        case prefix
        /// Qdrant segments CJK and other scripts with a language-aware library.
        // TODO(filter): segment CJK text per word; until then it behaves as `word`, which only
        // matters for scripts without spaces between words.
        case multilingual
    }

    public var kind: Kind
    public var lowercase: Bool
    public var asciiFolding: Bool
    /// Tokens shorter than this (in characters) are dropped.
    public var minTokenLength: Int?
    /// Tokens longer than this are dropped.
    public var maxTokenLength: Int?
    /// Tokens dropped after case folding.
    public var stopwords: Set<String>

    /// Qdrant's defaults: `word`, lowercase, nothing dropped.
    public static let `default` = TextTokenizer()

    public init(
        kind: Kind = .word,
        lowercase: Bool = true,
        asciiFolding: Bool = false,
        minTokenLength: Int? = nil,
        maxTokenLength: Int? = nil,
        stopwords: Set<String> = []
    ) {
        self.kind = kind
        self.lowercase = lowercase
        self.asciiFolding = asciiFolding
        self.minTokenLength = minTokenLength
        self.maxTokenLength = maxTokenLength
        self.stopwords = stopwords
    }

    /// The tokens of a stored value, as a text index records them (for `prefix`, every
    /// prefix of every word within the length limits).
    public func documentTokens(_ text: String) -> [String] {
        let words = self.words(text)
        guard kind == .prefix else { return words }
        var tokens: [String] = []
        for word in words {
            let characters = Array(word)
            let shortest = max(1, minTokenLength ?? 1)
            let longest = min(characters.count, maxTokenLength ?? characters.count)
            guard shortest <= longest else { continue }
            for length in shortest...longest { tokens.append(String(characters[0..<length])) }
        }
        return tokens
    }

    /// The tokens of a query, in order (phrases need the order). For `prefix`, words shorter
    /// than the minimum are dropped and longer ones cut to the maximum, so that each query
    /// token is one a stored word can have been indexed under.
    public func queryTokens(_ text: String) -> [String] {
        let words = self.words(text)
        guard kind == .prefix else { return words }
        return words.compactMap { word in
            guard word.count >= (minTokenLength ?? 1) else { return nil }
            guard let maxTokenLength, word.count > maxTokenLength else { return word }
            return String(word.prefix(maxTokenLength))
        }
    }

    /// The normalised words of a text, in order.
    func words(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            guard !current.isEmpty else { return }
            let token = normalize(String(current))
            current = String.UnicodeScalarView()
            guard let token else { return }
            tokens.append(token)
        }
        for scalar in text.unicodeScalars {
            if isTokenScalar(scalar) {
                current.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }

    private func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch kind {
        case .whitespace:
            return !scalar.properties.isWhitespace
        case .word, .prefix, .multilingual:
            return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
        }
    }

    private func normalize(_ raw: String) -> String? {
        var token = raw
        if lowercase { token = token.lowercased() }
        if asciiFolding { token = token.folding(options: .diacriticInsensitive, locale: nil) }
        // The prefix tokenizer applies the length limits to the prefixes, not the words.
        if kind != .prefix {
            let length = token.count
            if let minTokenLength, length < minTokenLength { return nil }
            if let maxTokenLength, length > maxTokenLength { return nil }
        }
        if stopwords.contains(token) { return nil }
        return token
    }

    // MARK: - Matching one string

    /// `match.text`: every query token is among the value's tokens; an empty query never
    /// matches.
    func matchesAll(_ query: [String], in value: String) -> Bool {
        guard !query.isEmpty else { return false }
        let tokens = Set(documentTokens(value))
        return query.allSatisfy { tokens.contains($0) }
    }

    /// `match.text_any`: some query token is among the value's tokens.
    func matchesAny(_ query: [String], in value: String) -> Bool {
        guard !query.isEmpty else { return false }
        let tokens = Set(documentTokens(value))
        return query.contains { tokens.contains($0) }
    }

    /// `match.phrase`: the query tokens appear consecutively in the value's words (for
    /// `prefix`, as prefixes of consecutive words).
    func matchesPhrase(_ query: [String], in value: String) -> Bool {
        guard !query.isEmpty else { return false }
        let words = self.words(value)
        guard words.count >= query.count else { return false }
        let sameWord: (String, String) -> Bool =
            kind == .prefix ? { $0.hasPrefix($1) } : { $0 == $1 }
        for start in 0...(words.count - query.count)
        where zip(words[start...], query).allSatisfy(sameWord) {
            return true
        }
        return false
    }
}
