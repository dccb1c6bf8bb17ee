/// Builds readable text from fragments: collapses whitespace runs to one space, and merges
/// requested line and paragraph breaks so that the result never starts or ends with blanks
/// and never holds more than one empty line in a row.
struct TextBuilder {
    /// A pending separator, ordered by strength: the strongest one asked for wins.
    enum Separator: Int, Comparable {
        case none, space, line, paragraph
        static func < (lhs: Separator, rhs: Separator) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private(set) var text = ""
    private var pending = Separator.none

    var isEmpty: Bool { text.isEmpty }

    /// Asks for at least `separator` before the next visible character.
    mutating func requestBreak(_ separator: Separator) {
        pending = max(pending, separator)
    }

    /// Appends text, turning each whitespace run into a space (or a line break when
    /// `keepsNewlines`, for `<pre>` blocks).
    mutating func append(_ fragment: String, keepsNewlines: Bool = false) {
        for scalar in fragment.unicodeScalars {
            switch scalar {
            case "\n" where keepsNewlines:
                requestBreak(.line)
            case " ", "\t", "\n", "\r", "\u{0C}", "\u{A0}":
                requestBreak(.space)
            default:
                flushSeparator()
                text.unicodeScalars.append(scalar)
            }
        }
    }

    private mutating func flushSeparator() {
        defer { pending = .none }
        guard !text.isEmpty else { return }
        switch pending {
        case .none: break
        case .space: text.append(" ")
        case .line: text.append("\n")
        case .paragraph: text.append("\n\n")
        }
    }
}
