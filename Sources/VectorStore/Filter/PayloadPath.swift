/// A parsed payload key: `country.cities[].population`, `tags[0]`, `"odd key".x`.
///
/// The grammar follows Qdrant's JSON path: a first key, then any number of `.key`, `."quoted
/// key"`, `[n]` (one array element) and `[]` (every array element). A bare key is letters,
/// digits, `_` and `-`; anything else must be quoted. Paths are split once, when a filter or
/// index is created, so evaluation never touches the text again.
public struct PayloadPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Segment: Sendable, Hashable {
        case key(String)
        case index(Int)
        /// `[]`: every element of an array.
        case wildcard
    }

    /// The steps; the first is always a `.key`.
    public let segments: [Segment]

    /// Parses a key.
    ///
    /// - Throws: `PayloadPathError` naming the text when it is empty or not a valid path.
    public init(_ text: String) throws(PayloadPathError) {
        var parser = PathParser(text: Array(text.unicodeScalars))
        guard let segments = parser.parse(), !segments.isEmpty else {
            throw PayloadPathError(text: text)
        }
        self.segments = segments
    }

    init(segments: [Segment]) {
        precondition(!segments.isEmpty, "a payload path needs at least one key")
        self.segments = segments
    }

    /// The canonical spelling: `a.b[].c`, with keys quoted only where they must be.
    public var description: String {
        var text = ""
        for (position, segment) in segments.enumerated() {
            switch segment {
            case .key(let key):
                if position > 0 { text += "." }
                text += PayloadPath.needsQuoting(key) ? "\"\(key)\"" : key
            case .index(let index):
                text += "[\(index)]"
            case .wildcard:
                text += "[]"
            }
        }
        return text
    }

    /// This path with `[]` appended unless it already ends in one (how `nested` reads its key).
    var arrayElements: PayloadPath {
        if segments.last == .wildcard { return self }
        return PayloadPath(segments: segments + [.wildcard])
    }

    /// `self` followed by `suffix`, as the key of a condition inside a `nested` filter.
    func appending(_ suffix: PayloadPath) -> PayloadPath {
        PayloadPath(segments: segments + suffix.segments)
    }

    static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            || scalar == "_" || scalar == "-"
    }

    static func needsQuoting(_ key: String) -> Bool {
        key.isEmpty || !key.unicodeScalars.allSatisfy(isBareKeyScalar)
    }
}

/// A payload key that is not a valid path.
public struct PayloadPathError: Error, CustomStringConvertible, Sendable {
    public var text: String

    public var description: String { "invalid payload key `\(text)`: not a valid JSON path" }
}

// MARK: - Reading values

extension PayloadPath {
    /// Calls `body` with every value the path selects, stopping early when it returns true.
    ///
    /// An intermediate array is only entered through `[n]` or `[]`; a leaf array is passed as
    /// one value (conditions look inside it themselves), as Qdrant does.
    ///
    /// - Returns: true when `body` returned true for some value.
    @inline(__always)
    func anyValue(in payload: [String: JSONValue], _ body: (JSONValue) -> Bool) -> Bool {
        guard case .key(let first) = segments[0], let root = payload[first] else { return false }
        return PayloadPath.walk(root, segments, 1, body)
    }

    /// Every value the path selects, leaf arrays kept whole.
    public func values(in payload: [String: JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        _ = anyValue(in: payload) { value in
            result.append(value)
            return false
        }
        return result
    }

    /// Every value the path selects with leaf arrays opened one level: what `match`, `range`
    /// and the payload indexes look at.
    public func flattenedValues(in payload: [String: JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        _ = anyValue(in: payload) { value in
            if case .array(let elements) = value {
                result.append(contentsOf: elements)
            } else {
                result.append(value)
            }
            return false
        }
        return result
    }

    private static func walk(
        _ value: JSONValue,
        _ segments: [Segment],
        _ position: Int,
        _ body: (JSONValue) -> Bool
    ) -> Bool {
        if position == segments.count { return body(value) }
        switch (segments[position], value) {
        case (.key(let key), .object(let members)):
            guard let child = members[key] else { return false }
            return walk(child, segments, position + 1, body)
        case (.index(let index), .array(let elements)):
            guard index < elements.count else { return false }
            return walk(elements[index], segments, position + 1, body)
        case (.wildcard, .array(let elements)):
            for element in elements where walk(element, segments, position + 1, body) {
                return true
            }
            return false
        default:
            return false
        }
    }
}

// MARK: - Parsing

private struct PathParser {
    let text: [Unicode.Scalar]
    var position = 0

    mutating func parse() -> [PayloadPath.Segment]? {
        guard let first = parseKey() else { return nil }
        var segments: [PayloadPath.Segment] = [.key(first)]
        while position < text.count {
            switch text[position] {
            case ".":
                position += 1
                guard let key = parseKey() else { return nil }
                segments.append(.key(key))
            case "[":
                guard let segment = parseBracket() else { return nil }
                segments.append(segment)
            default:
                return nil
            }
        }
        return segments
    }

    private mutating func parseKey() -> String? {
        if position < text.count && text[position] == "\"" {
            position += 1
            let start = position
            while position < text.count && text[position] != "\"" {
                guard text[position] != "\\" else { return nil }
                position += 1
            }
            guard position < text.count else { return nil }
            let key = String(String.UnicodeScalarView(text[start..<position]))
            position += 1
            return key
        }
        let start = position
        while position < text.count && PayloadPath.isBareKeyScalar(text[position]) {
            position += 1
        }
        guard position > start else { return nil }
        return String(String.UnicodeScalarView(text[start..<position]))
    }

    private mutating func parseBracket() -> PayloadPath.Segment? {
        position += 1
        if position < text.count && text[position] == "]" {
            position += 1
            return .wildcard
        }
        var index = 0
        let start = position
        while position < text.count, ("0"..."9").contains(text[position]) {
            let digit = Int(text[position].value - 48)
            let (product, overflow) = index.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            guard product <= Int.max - digit else { return nil }
            index = product + digit
            position += 1
        }
        guard position > start, position < text.count, text[position] == "]" else { return nil }
        position += 1
        return .index(index)
    }
}
