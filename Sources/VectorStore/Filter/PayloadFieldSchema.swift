/// A payload index's type and parameters (Qdrant's `PayloadFieldSchema`).
///
/// The wire form is either the bare type name (`"keyword"`) or an object with `type` and the
/// type's parameters (`{"type": "text", "tokenizer": "word", "lowercase": true}`); `json` gives
/// back the form that was parsed, with null parameters dropped.
public struct PayloadFieldSchema: Sendable, Equatable {
    /// The index types Qdrant 1.19 offers.
    public enum Kind: String, Sendable, CaseIterable {
        case keyword, integer, float, bool, geo, datetime, text, uuid
    }

    public var kind: Kind
    /// Parameters given in the object form (`is_tenant`, `lookup`, `range`, `tokenizer`, …).
    public var parameters: [String: JSONValue]

    /// A schema from already checked parts; see `init(json:)` for the checked path.
    public init(kind: Kind, parameters: [String: JSONValue] = [:]) {
        self.kind = kind
        self.parameters = parameters
    }

    /// Parses `"keyword"` or `{"type": "keyword", ...}`.
    ///
    /// - Throws: `StoreError.invalidArgument(field: "field_schema", …)` naming an unknown type,
    ///   an unknown parameter or a parameter of the wrong type.
    public init(json: JSONValue) throws {
        switch json {
        case .string(let name):
            self.init(kind: try PayloadFieldSchema.kind(named: name), parameters: [:])
        case .object(let members):
            guard case .string(let name)? = members["type"] else {
                throw PayloadFieldSchema.invalid("`type` must be one of \(Self.kindList)")
            }
            let kind = try PayloadFieldSchema.kind(named: name)
            var parameters = members.filter { !$0.value.isNull }
            parameters["type"] = nil
            try PayloadFieldSchema.validate(parameters, for: kind)
            self.init(kind: kind, parameters: parameters)
        default:
            throw PayloadFieldSchema.invalid(
                "must be a type name or an object with `type`, got \(json.typeName)"
            )
        }
    }

    /// The wire form, as `payload_schema` reports it.
    public var json: JSONValue {
        guard !parameters.isEmpty else { return .string(kind.rawValue) }
        var members = parameters
        members["type"] = .string(kind.rawValue)
        return .object(members)
    }

    /// Qdrant's `PayloadIndexInfo` for `payload_schema` in collection info:
    /// `{"data_type": kind, "params": {type, ...}?, "points": n}`.
    public func indexInfoJSON(points: Int) -> JSONValue {
        var members: [String: JSONValue] = [
            "data_type": .string(kind.rawValue), "points": .int(Int64(points)),
        ]
        if !parameters.isEmpty { members["params"] = json }
        return .object(members)
    }

    /// `is_tenant` (keyword, uuid) or `is_principal` (integer, float, datetime).
    public var isTenant: Bool {
        parameters["is_tenant"]?.boolValue ?? parameters["is_principal"]?.boolValue ?? false
    }

    /// The tokenizer a text index uses; `TextTokenizer.default` for other kinds.
    public var tokenizer: TextTokenizer {
        guard kind == .text else { return .default }
        var tokenizer = TextTokenizer.default
        if let name = parameters["tokenizer"]?.stringValue,
            let tokenizerKind = TextTokenizer.Kind(
                rawValue: name
            )
        {
            tokenizer.kind = tokenizerKind
        }
        tokenizer.lowercase = parameters["lowercase"]?.boolValue ?? true
        tokenizer.asciiFolding = parameters["ascii_folding"]?.boolValue ?? false
        tokenizer.minTokenLength = parameters["min_token_len"]?.intValue.map { Int($0) }
        tokenizer.maxTokenLength = parameters["max_token_len"]?.intValue.map { Int($0) }
        // TODO(filter): Qdrant's built-in language stopword lists and snowball stemmers are not
        // bundled; only `custom` stopwords apply. Matters for text indexes created with
        // `stopwords: "english"` or a `stemmer`, whose matches are then stricter than Qdrant's.
        if case .object(let stopwords)? = parameters["stopwords"],
            case .array(let custom)? = stopwords["custom"]
        {
            let words = custom.compactMap(\.stringValue)
            tokenizer.stopwords = Set(tokenizer.lowercase ? words.map { $0.lowercased() } : words)
        }
        return tokenizer
    }

    // MARK: - Validation

    private static var kindList: String {
        Kind.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
    }

    private static func kind(named name: String) throws -> Kind {
        guard let kind = Kind(rawValue: name) else {
            throw invalid("unknown payload index type `\(name)`, expected one of \(kindList)")
        }
        return kind
    }

    private enum ParameterType {
        case bool, positiveInteger, memory, tokenizer, stopwords, stemmer
    }

    private static let common: [String: ParameterType] = [
        "on_disk": .bool, "memory": .memory, "enable_hnsw": .bool,
    ]

    private static func allowedParameters(for kind: Kind) -> [String: ParameterType] {
        let specific: [String: ParameterType]
        switch kind {
        case .keyword: specific = ["is_tenant": .bool, "prefix": .bool]
        case .integer: specific = ["lookup": .bool, "range": .bool, "is_principal": .bool]
        case .float, .datetime: specific = ["is_principal": .bool]
        case .uuid: specific = ["is_tenant": .bool]
        case .geo, .bool: specific = [:]
        case .text:
            specific = [
                "tokenizer": .tokenizer, "min_token_len": .positiveInteger,
                "max_token_len": .positiveInteger, "lowercase": .bool, "ascii_folding": .bool,
                "phrase_matching": .bool, "stopwords": .stopwords, "stemmer": .stemmer,
            ]
        }
        return common.merging(specific) { first, _ in first }
    }

    private static func validate(_ parameters: [String: JSONValue], for kind: Kind) throws {
        let allowed = allowedParameters(for: kind)
        for name in parameters.keys.sorted() {
            guard let type = allowed[name] else {
                throw invalid(
                    "unknown parameter `\(name)` for a \(kind.rawValue) index, expected one of "
                        + allowed.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")
                )
            }
            try check(parameters[name]!, as: type, name: name)
        }
        if kind == .integer, parameters["lookup"]?.boolValue == false,
            parameters["range"]?.boolValue == false
        {
            throw invalid("the `lookup` and `range` capabilities can't be both disabled")
        }
    }

    private static func check(_ value: JSONValue, as type: ParameterType, name: String) throws {
        let isValid: Bool
        switch type {
        case .bool:
            isValid = value.boolValue != nil
        case .positiveInteger:
            isValid = (value.intValue ?? -1) >= 0
        case .memory:
            isValid = ["cold", "cached", "pinned"].contains(value.stringValue ?? "")
        case .tokenizer:
            isValid = TextTokenizer.Kind(rawValue: value.stringValue ?? "") != nil
        case .stopwords:
            // A language name or `{languages: [...], custom: [...]}`.
            isValid =
                value.stringValue != nil
                || value.objectValue.map {
                    $0.keys.allSatisfy { ["languages", "custom"].contains($0) }
                        && $0.values.allSatisfy { $0.isNull || $0.arrayValue != nil }
                } ?? false
        case .stemmer:
            isValid = value.objectValue?["type"]?.stringValue != nil
        }
        guard isValid else {
            throw invalid("parameter `\(name)` has an invalid value \(value.jsonString)")
        }
    }

    private static func invalid(_ message: String) -> StoreError {
        StoreError.invalidArgument(field: "field_schema", message: message)
    }
}
