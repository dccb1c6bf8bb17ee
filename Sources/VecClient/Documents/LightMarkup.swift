import Foundation

/// Titles of Markdown and reStructuredText files. Their text is chunked as written: the markup
/// is sparse enough that the embedding model reads it fine, and keeping it keeps code intact.
enum LightMarkup {
    /// The first ATX (`# Title`) or setext (`Title` over `===`) level-1 or level-2 heading.
    static func markdownTitle(_ text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                let heading = trimmed.drop { $0 == "#" }
                    .trimmingCharacters(in: .whitespaces)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "#"))
                    .trimmingCharacters(in: .whitespaces)
                if !heading.isEmpty { return heading }
            }
            if index + 1 < lines.count, !trimmed.isEmpty,
                isUnderline(lines[index + 1], using: ["=", "-"], minimumLength: 1)
            {
                return trimmed
            }
        }
        return nil
    }

    /// The first section title: a text line underlined (optionally overlined) with one
    /// repeated punctuation character at least as long as the title.
    static func restructuredTextTitle(_ text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let adornments: Set<Character> = [
            "=", "-", "~", "^", "\"", "*", "+", "#", "`", "'", ":", ".",
        ]
        for index in 0..<max(0, lines.count - 1) {
            let title = lines[index].trimmingCharacters(in: .whitespaces)
            guard !title.isEmpty, !title.allSatisfy({ adornments.contains($0) }) else { continue }
            if isUnderline(lines[index + 1], using: adornments, minimumLength: title.count) {
                return title
            }
        }
        return nil
    }

    private static func isUnderline(
        _ line: Substring,
        using characters: Set<Character>,
        minimumLength: Int
    ) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.first, characters.contains(first) else { return false }
        return trimmed.count >= minimumLength && trimmed.allSatisfy { $0 == first }
    }
}
