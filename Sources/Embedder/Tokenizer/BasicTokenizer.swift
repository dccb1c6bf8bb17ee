import Foundation

/// BERT's "basic" tokenizer: cleans text, splits it into words on whitespace and punctuation,
/// lowercases and strips accents, and remembers where each character came from.
///
/// It follows the reference (`BasicTokenizer` in the original BERT, `BertNormalizer` +
/// `BertPreTokenizer` in Hugging Face `tokenizers`) code point by code point, not grapheme by
/// grapheme, because that is the unit the vocabularies were built on:
/// 1. drop U+0000, U+FFFD and every control (`Cc`) or format (`Cf`) character, except that
///    `\t`, `\n` and `\r` are whitespace (bugs in other ports fused "note\nbook", B01);
/// 2. whitespace (those three, `Zs`, and the line/paragraph separators that Python's
///    `str.split` and Rust's `char::is_whitespace` also split on) ends a word;
/// 3. CJK ideographs become words of their own;
/// 4. lowercase (full Unicode mapping), then NFD, then drop every nonspacing mark (`Mn`)
///    whatever its block, so the kana voicing marks U+3099/U+309A go too (B02);
/// 5. every punctuation character (ASCII symbols plus all `P*` categories, B01's en dash)
///    becomes a word of its own.
struct BasicTokenizer: Sendable {
    /// One word: its code points after normalisation, and for each the index of the code
    /// point in the original text it came from (a decomposed "é" gives two with one origin).
    struct Word {
        var scalars: [Unicode.Scalar]
        var origins: [Int32]
    }

    var lowercases: Bool
    var stripsAccents: Bool
    var splitsCJK: Bool

    /// The words of `text`, in order.
    func words(_ text: String) -> [Word] {
        var state = WordBuilder()
        var decompositions: [Unicode.Scalar: [Unicode.Scalar]] = [:]
        var origin: Int32 = 0
        for scalar in text.unicodeScalars {
            defer { origin += 1 }
            if scalar.value < 0x80 {
                appendASCII(scalar, origin: origin, to: &state)
                continue
            }
            let category = scalar.properties.generalCategory
            if scalar.value == 0xFFFD || category == .control || category == .format { continue }
            if Self.isWhitespace(category) {
                state.endWord()
            } else if splitsCJK && Self.isCJK(scalar.value) {
                state.appendSingle(scalar, origin: origin)
            } else {
                let pieces = normalized(scalar, cache: &decompositions)
                for piece in pieces { appendNormalized(piece, origin: origin, to: &state) }
            }
        }
        state.endWord()
        return state.words
    }

    /// The fast path: ASCII needs no table lookups and no decomposition.
    @inline(__always)
    private func appendASCII(_ scalar: Unicode.Scalar, origin: Int32, to state: inout WordBuilder) {
        let value = scalar.value
        switch value {
        case 0x20, 0x09, 0x0A, 0x0D:
            state.endWord()
        case 0..<0x20, 0x7F:
            return  // control: dropped
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
            state.appendSingle(scalar, origin: origin)
        case 0x41...0x5A where lowercases:
            state.append(Unicode.Scalar(value + 0x20)!, origin: origin)
        default:
            state.append(scalar, origin: origin)
        }
    }

    /// A non-ASCII code point after lowercasing and accent stripping (may be empty or several).
    ///
    /// Lowercasing is per code point, like Hugging Face's tokenizer (so a word-final capital
    /// sigma becomes σ, not ς, in both).
    private func normalized(
        _ scalar: Unicode.Scalar,
        cache: inout [Unicode.Scalar: [Unicode.Scalar]]
    ) -> [Unicode.Scalar] {
        if let known = cache[scalar] { return known }
        var text = lowercases ? scalar.properties.lowercaseMapping : String(scalar)
        if stripsAccents {
            // NFD splits a precomposed letter into base + marks; the marks are then dropped.
            text = text.decomposedStringWithCanonicalMapping
        }
        let result = Array(text.unicodeScalars).filter {
            !(stripsAccents && $0.properties.generalCategory == .nonspacingMark)
        }
        cache[scalar] = result
        return result
    }

    /// Routes one normalised code point: whitespace ends a word, punctuation stands alone.
    @inline(__always)
    private func appendNormalized(
        _ scalar: Unicode.Scalar,
        origin: Int32,
        to state: inout WordBuilder
    ) {
        if scalar.value < 0x80 {
            appendASCII(scalar, origin: origin, to: &state)
            return
        }
        let category = scalar.properties.generalCategory
        if Self.isWhitespace(category) {
            state.endWord()
        } else if Self.isPunctuation(category) {
            state.appendSingle(scalar, origin: origin)
        } else {
            state.append(scalar, origin: origin)
        }
    }

    /// `Zs`, `Zl`, `Zp` (the ASCII whitespace is handled on the fast path).
    @inline(__always)
    static func isWhitespace(_ category: Unicode.GeneralCategory) -> Bool {
        category == .spaceSeparator || category == .lineSeparator
            || category == .paragraphSeparator
    }

    /// Any `P*` category.
    @inline(__always)
    static func isPunctuation(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT splits out (not kana or hangul, which the
    /// vocabulary covers as ordinary word pieces).
    @inline(__always)
    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}

/// Accumulates code points into words.
private struct WordBuilder {
    var words: [BasicTokenizer.Word] = []
    var scalars: [Unicode.Scalar] = []
    var origins: [Int32] = []

    @inline(__always)
    mutating func append(_ scalar: Unicode.Scalar, origin: Int32) {
        scalars.append(scalar)
        origins.append(origin)
    }

    /// Ends the current word, emits `scalar` as a word of its own.
    mutating func appendSingle(_ scalar: Unicode.Scalar, origin: Int32) {
        endWord()
        words.append(BasicTokenizer.Word(scalars: [scalar], origins: [origin]))
    }

    mutating func endWord() {
        guard !scalars.isEmpty else { return }
        words.append(BasicTokenizer.Word(scalars: scalars, origins: origins))
        scalars.removeAll(keepingCapacity: true)
        origins.removeAll(keepingCapacity: true)
    }
}
