/// The readable text of an HTML page and its title.
public struct ExtractedText: Sendable, Equatable {
    /// From `<title>`, else the first `<h1>`; `nil` when the page has neither.
    public var title: String?
    /// Body text: whitespace collapsed, one blank line between blocks, newlines kept in `<pre>`.
    public var text: String
}

/// Turns documentation HTML into text for embedding.
///
/// A small forgiving scanner, not a conforming HTML parser: it knows tags, attributes,
/// comments and raw-text elements, and tracks nesting only for the element it is dropping.
/// That is enough for generated documentation (Sphinx, DocBook XSL), whose markup is
/// well-formed; on broken markup it degrades to keeping more text, never less.
public enum HTMLTextExtractor {
    /// Elements whose whole content is chrome, never page content.
    static let droppedElements: Set<String> = [
        "script", "style", "nav", "header", "footer", "noscript", "svg", "form", "button",
        "template", "iframe", "object", "select", "canvas",
    ]

    /// Classes of navigation blocks: Sphinx sidebars and relation bars, the Python theme's
    /// mobile menu and permalink marks, PostgreSQL's DocBook header and footer tables.
    static let droppedClasses: Set<String> = [
        "sphinxsidebar", "sphinxsidebarwrapper", "related", "footer", "navheader", "navfooter",
        "mobile-nav", "menu-wrapper", "headerlink", "breadcrumbs", "navigation",
    ]

    /// ARIA landmark roles of chrome.
    static let droppedRoles: Set<String> = ["navigation", "banner", "contentinfo", "search"]

    /// Elements without an end tag.
    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    ]

    static let paragraphElements: Set<String> = [
        "p", "div", "section", "article", "main", "aside", "h1", "h2", "h3", "h4", "h5", "h6",
        "pre", "blockquote", "ul", "ol", "dl", "table", "figure", "figcaption", "hr", "address",
        "details", "summary", "caption", "body", "center",
    ]
    static let lineElements: Set<String> = ["br", "li", "dt", "dd", "tr"]
    static let cellElements: Set<String> = ["td", "th"]

    /// Extracts title and text from an HTML document.
    public static func extract(_ html: String) -> ExtractedText {
        var scanner = Scanner(bytes: Array(html.utf8))
        return scanner.run()
    }

    /// One parsed start or end tag.
    struct Tag {
        var name: String
        var isEnd: Bool
        var isSelfClosing: Bool
        var classes: [Substring]
        var role: String?
        /// Index just past the closing `>`.
        var end: Int
    }

    struct Scanner {
        let bytes: [UInt8]
        var position = 0
        var body = TextBuilder()
        var title: String?
        var firstH1: TextBuilder?
        var isInFirstH1 = false
        var preDepth = 0
        /// The element being dropped and how deeply it is nested in itself.
        var dropping: (name: String, depth: Int)?

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> ExtractedText {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "<") {
                    handleMarkup()
                } else {
                    handleText()
                }
            }
            let heading = firstH1?.text
            let chosenTitle = [title, heading].compactMap { $0 }.first { !$0.isEmpty }
            return ExtractedText(title: chosenTitle, text: body.text)
        }

        private mutating func handleText() {
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "<") { position += 1 }
            guard dropping == nil else { return }
            let raw = String(decoding: bytes[start..<position], as: UTF8.self)
            let decoded = HTMLEntities.decodeAll(in: raw)
            body.append(decoded, keepsNewlines: preDepth > 0)
            if isInFirstH1 { firstH1?.append(decoded) }
        }

        private mutating func handleMarkup() {
            if startsWith("<!--") {
                position = indexAfter("-->", from: position + 4)
                return
            }
            if startsWith("<!") || startsWith("<?") {
                position = indexAfter(">", from: position + 2)
                return
            }
            guard let tag = parseTag(at: position) else {
                // A lone `<` in text ("a < b" written carelessly) is text.
                if dropping == nil { body.append("<") }
                position += 1
                return
            }
            position = tag.end
            if var current = dropping {
                if tag.name == current.name && !tag.isSelfClosing {
                    current.depth += tag.isEnd ? -1 : 1
                }
                dropping = current.depth > 0 ? current : nil
                return
            }
            handle(tag)
        }

        private mutating func handle(_ tag: Tag) {
            if !tag.isEnd && (tag.name == "script" || tag.name == "style") {
                position = endOfRawText(named: tag.name)
                return
            }
            if !tag.isEnd && tag.name == "title" {
                let contentStart = position
                let closing = startOfClosingTag(named: "title", from: position)
                let raw = String(decoding: bytes[contentStart..<closing], as: UTF8.self)
                var builder = TextBuilder()
                builder.append(HTMLEntities.decodeAll(in: raw))
                if title == nil { title = builder.text }
                position = endOfRawText(named: "title", from: contentStart)
                return
            }
            if !tag.isEnd && isDropped(tag) {
                if !tag.isSelfClosing && !HTMLTextExtractor.voidElements.contains(tag.name) {
                    dropping = (tag.name, 1)
                }
                return
            }
            applyLayout(of: tag)
        }

        private func isDropped(_ tag: Tag) -> Bool {
            if HTMLTextExtractor.droppedElements.contains(tag.name) { return true }
            if let role = tag.role, HTMLTextExtractor.droppedRoles.contains(role) { return true }
            return tag.classes.contains { HTMLTextExtractor.droppedClasses.contains(String($0)) }
        }

        private mutating func applyLayout(of tag: Tag) {
            let name = tag.name
            if HTMLTextExtractor.paragraphElements.contains(name) {
                body.requestBreak(.paragraph)
            } else if HTMLTextExtractor.lineElements.contains(name) {
                body.requestBreak(.line)
            } else if HTMLTextExtractor.cellElements.contains(name) {
                body.requestBreak(.space)
            }
            if name == "pre" && !tag.isSelfClosing {
                preDepth = max(0, preDepth + (tag.isEnd ? -1 : 1))
            }
            if name == "h1" {
                if !tag.isEnd && firstH1 == nil {
                    firstH1 = TextBuilder()
                    isInFirstH1 = true
                } else if tag.isEnd {
                    isInFirstH1 = false
                }
            }
        }

        // MARK: - Byte-level helpers

        private func startsWith(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            return literal.withUTF8Buffer { expected in
                for offset in 0..<count where bytes[position + offset] != expected[offset] {
                    return false
                }
                return true
            }
        }

        /// The index just past the first `needle` at or after `start`, or the end of input.
        private func indexAfter(_ needle: StaticString, from start: Int) -> Int {
            let pattern = needle.withUTF8Buffer { Array($0) }
            var index = start
            while index + pattern.count <= bytes.count {
                if bytes[index] == pattern[0]
                    && bytes[index..<index + pattern.count].elementsEqual(pattern)
                {
                    return index + pattern.count
                }
                index += 1
            }
            return bytes.count
        }

        /// Where `</name` starts (case-insensitive) at or after `start`, or the end of input.
        private func startOfClosingTag(named name: String, from start: Int) -> Int {
            let pattern = Array(("</" + name).utf8)
            var index = start
            while index + pattern.count <= bytes.count {
                if bytes[index] == UInt8(ascii: "<") {
                    var matches = true
                    for offset in 1..<pattern.count
                    where Self.lowercased(bytes[index + offset]) != pattern[offset] {
                        matches = false
                        break
                    }
                    if matches { return index }
                }
                index += 1
            }
            return bytes.count
        }

        /// Just past the end tag of a raw-text element whose content starts at `start`.
        private func endOfRawText(named name: String, from start: Int? = nil) -> Int {
            let closing = startOfClosingTag(named: name, from: start ?? position)
            guard closing < bytes.count else { return bytes.count }
            return indexAfter(">", from: closing)
        }

        static func lowercased(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: ":"),
                UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
        }

        /// Parses `<name attr=…>` or `</name>` at `start`; `nil` when `<` does not open a tag.
        func parseTag(at start: Int) -> Tag? {
            var index = start + 1
            let isEnd = index < bytes.count && bytes[index] == UInt8(ascii: "/")
            if isEnd { index += 1 }
            guard index < bytes.count, Self.isLetter(bytes[index]) else { return nil }
            let nameStart = index
            while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
            let name = String(
                decoding: bytes[nameStart..<index].map(Self.lowercased),
                as: UTF8.self
            )

            var tag = Tag(
                name: name,
                isEnd: isEnd,
                isSelfClosing: false,
                classes: [],
                role: nil,
                end: bytes.count
            )
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ">") {
                    tag.end = index + 1
                    return tag
                }
                if byte == UInt8(ascii: "/") {
                    tag.isSelfClosing =
                        index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ">")
                    index += 1
                    continue
                }
                if Self.isSpace(byte) {
                    index += 1
                    continue
                }
                index = parseAttribute(at: index, into: &tag)
            }
            return tag
        }

        private static func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }

        /// Reads one `name[=value]` and records `class` and `role`; returns the index after it.
        private func parseAttribute(at start: Int, into tag: inout Tag) -> Int {
            var index = start
            while index < bytes.count, !Self.isSpace(bytes[index]),
                bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ">"),
                bytes[index] != UInt8(ascii: "/")
            {
                index += 1
            }
            let name = String(decoding: bytes[start..<index].map(Self.lowercased), as: UTF8.self)
            if index == start { return index + 1 }  // a stray quote or `=`: step over it
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return index }
            index += 1
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { return index }

            let valueStart: Int
            let valueEnd: Int
            let quote = bytes[index]
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                valueStart = index + 1
                var end = valueStart
                while end < bytes.count, bytes[end] != quote { end += 1 }
                valueEnd = end
                index = min(end + 1, bytes.count)
            } else {
                valueStart = index
                while index < bytes.count, !Self.isSpace(bytes[index]),
                    bytes[index] != UInt8(ascii: ">")
                {
                    index += 1
                }
                valueEnd = index
            }
            if name == "class" || name == "role" {
                let value = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                if name == "class" {
                    tag.classes = value.split(whereSeparator: {
                        $0 == " " || $0 == "\t" || $0 == "\n"
                    })
                } else {
                    tag.role = value.lowercased()
                }
            }
            return index
        }
    }
}
