// Evaluating a filter against one point, with Qdrant's semantics for the tricky cases:
// arrays match when any element does; a missing key matches no value test; `except` drops null
// but keeps values of another type; `is_empty` holds for missing, null and `[]`.

extension Filter {
    /// Whether a point with this id, payload and set of vector names matches.
    ///
    /// Full-text conditions use the default tokenizer; use
    /// `matches(id:payload:vectorNames:tokenizers:)` (or `PayloadIndexSet.matches`) when the
    /// collection has text indexes.
    public func matches(id: PointID, payload: [String: JSONValue], vectorNames: Set<String>) -> Bool
    {
        matches(id: id, payload: payload, vectorNames: vectorNames, tokenizers: [:])
    }

    /// Whether a point matches, tokenizing full-text conditions on a key with the tokenizer of
    /// that key's text index.
    ///
    /// - Parameter tokenizers: text index tokenizers by index key (`FieldCondition.indexKey`).
    public func matches(
        id: PointID,
        payload: [String: JSONValue],
        vectorNames: Set<String>,
        tokenizers: [String: TextTokenizer]
    ) -> Bool {
        let context = EvaluationContext(id: id, vectorNames: vectorNames, tokenizers: tokenizers)
        return evaluate(payload, context)
    }

    func evaluate(_ payload: [String: JSONValue], _ context: EvaluationContext) -> Bool {
        if let must {
            for condition in must where !condition.evaluate(payload, context) { return false }
        }
        if let mustNot {
            for condition in mustNot where condition.evaluate(payload, context) { return false }
        }
        // An empty `should` lists no alternatives, which Qdrant reads as no constraint.
        if let should, !should.isEmpty {
            guard should.contains(where: { $0.evaluate(payload, context) }) else { return false }
        }
        if let minShould {
            var matched = 0
            for condition in minShould.conditions where condition.evaluate(payload, context) {
                matched += 1
                if matched >= minShould.minCount { break }
            }
            guard matched >= minShould.minCount else { return false }
        }
        return true
    }
}

extension Filter {
    /// The top-level payload keys this filter can look at: a point's payload may be read with
    /// only these members without changing whether it matches.
    public var payloadRoots: Set<String> {
        var roots = Set<String>()
        collectRoots(into: &roots)
        return roots
    }

    private func collectRoots(into roots: inout Set<String>) {
        let clauses = [must, should, mustNot, minShould?.conditions]
        for condition in clauses.compactMap({ $0 }).joined() {
            switch condition {
            case .field(let field): field.key.root.map { roots.insert($0) }
            case .isEmpty(let path), .isNull(let path): path.root.map { roots.insert($0) }
            // Inner conditions are relative to the elements, which live under the path's root.
            case .nested(let nested): nested.path.root.map { roots.insert($0) }
            case .filter(let inner): inner.collectRoots(into: &roots)
            case .hasID, .hasVector, .slice: continue
            }
        }
    }
}

extension PayloadPath {
    /// The top-level key the path starts with (`nil` for a path that selects nothing).
    var root: String? {
        guard case .key(let first) = segments[0] else { return nil }
        return first
    }
}

/// What a condition may look at besides the payload.
struct EvaluationContext {
    /// `nil` inside `nested`, where id conditions never hold.
    var id: PointID?
    var vectorNames: Set<String>
    var tokenizers: [String: TextTokenizer]

    /// The context for one array element of a `nested` condition.
    var nested: EvaluationContext {
        EvaluationContext(id: nil, vectorNames: [], tokenizers: tokenizers)
    }
}

extension Condition {
    func evaluate(_ payload: [String: JSONValue], _ context: EvaluationContext) -> Bool {
        switch self {
        case .field(let condition):
            return condition.evaluate(payload, context)
        case .isEmpty(let path):
            return PayloadChecks.isEmpty(path, payload)
        case .isNull(let path):
            return PayloadChecks.isNull(path, payload)
        case .hasID(let ids):
            return context.id.map { ids.contains($0) } ?? false
        case .hasVector(let name):
            return context.vectorNames.contains(name)
        case .slice(let total, let index):
            return context.id.map { SipHash24.slice(of: $0, total: total) == index } ?? false
        case .nested(let nested):
            let inner = context.nested
            return nested.path.anyValue(in: payload) { element in
                guard case .object(let members) = element else { return false }
                return nested.filter.evaluate(members, inner)
            }
        case .filter(let filter):
            return filter.evaluate(payload, context)
        }
    }
}

/// The key-level checks shared by conditions and the planner.
enum PayloadChecks {
    /// No value at all, or only nulls and empty arrays.
    static func isEmpty(_ path: PayloadPath, _ payload: [String: JSONValue]) -> Bool {
        !path.anyValue(in: payload) { value in
            switch value {
            case .null: return false
            case .array(let elements): return !elements.isEmpty
            default: return true
            }
        }
    }

    /// Some value is null, or an array holding a null (one level deep, as Qdrant 1.19.1).
    static func isNull(_ path: PayloadPath, _ payload: [String: JSONValue]) -> Bool {
        path.anyValue(in: payload) { value in
            switch value {
            case .null: return true
            case .array(let elements): return elements.contains(where: \.isNull)
            default: return false
            }
        }
    }

    /// How many values one stored value counts for in `values_count`.
    static func valueCount(_ value: JSONValue) -> Int {
        switch value {
        case .null: return 0
        case .array(let elements): return elements.count
        default: return 1
        }
    }
}

extension FieldCondition {
    func evaluate(_ payload: [String: JSONValue], _ context: EvaluationContext) -> Bool {
        if let valuesCount {
            return key.anyValue(in: payload) {
                valuesCount.bounds.contains(PayloadChecks.valueCount($0))
            }
        }
        if let isEmpty { return PayloadChecks.isEmpty(key, payload) == isEmpty }
        if let isNull { return PayloadChecks.isNull(key, payload) == isNull }

        // Only full-text matches need a tokenizer; `nil` means the default one.
        let tokenizer = match?.isFullText == true ? context.tokenizers[indexKey] : nil
        return key.anyValue(in: payload) { value in
            // A leaf array matches when one of its elements does; deeper arrays are values.
            if case .array(let elements) = value {
                return elements.contains { self.test($0, tokenizer) }
            }
            return test(value, tokenizer)
        }
    }

    /// Whether one (non-array-opened) value passes any of the value tests.
    func test(_ value: JSONValue, _ tokenizer: TextTokenizer?) -> Bool {
        if let match, match.matches(value, tokenizer) { return true }
        if let range, range.matches(value) { return true }
        guard geoBoundingBox != nil || geoRadius != nil || geoPolygon != nil,
            let point = GeoPoint(payload: value)
        else { return false }
        if let geoBoundingBox, geoBoundingBox.contains(point) { return true }
        if let geoRadius, geoRadius.contains(point) { return true }
        if let geoPolygon, geoPolygon.contains(point) { return true }
        return false
    }
}

extension MatchCondition {
    var isFullText: Bool {
        switch self {
        case .text, .textAny, .phrase: return true
        default: return false
        }
    }

    /// Whether one stored value (already taken out of a leaf array) matches.
    ///
    /// - Parameter tokenizer: the key's text index tokenizer; `nil` for the default one.
    func matches(_ value: JSONValue, _ tokenizer: TextTokenizer? = nil) -> Bool {
        switch self {
        case .keyword(let expected):
            return value.stringValue == expected
        case .integer(let expected):
            if case .int(let stored) = value { return stored == expected }
            return false
        case .bool(let expected):
            return value.boolValue == expected
        case .anyKeyword(let set):
            return value.stringValue.map(set.contains) ?? false
        case .anyInteger(let set):
            if case .int(let stored) = value { return set.contains(stored) }
            return false
        case .exceptKeyword(let set):
            switch value {
            case .null: return false
            case .string(let stored): return !set.contains(stored)
            default: return true
            }
        case .exceptInteger(let set):
            switch value {
            case .null: return false
            case .int(let stored): return !set.contains(stored)
            default: return true
            }
        case .text(let query):
            guard case .string(let stored) = value else { return false }
            return (tokenizer ?? .default).matchesAll(tokens(query, tokenizer), in: stored)
        case .textAny(let query):
            guard case .string(let stored) = value else { return false }
            return (tokenizer ?? .default).matchesAny(tokens(query, tokenizer), in: stored)
        case .phrase(let query):
            guard case .string(let stored) = value else { return false }
            return (tokenizer ?? .default).matchesPhrase(tokens(query, tokenizer), in: stored)
        case .prefix(let prefix):
            guard case .string(let stored) = value else { return false }
            // Byte-wise, like keyword equality in Qdrant (no Unicode normalisation).
            return stored.utf8.starts(with: prefix.utf8)
        }
    }

    private func tokens(_ query: TextQuery, _ tokenizer: TextTokenizer?) -> [String] {
        guard let tokenizer, tokenizer != .default else { return query.defaultTokens }
        return tokenizer.queryTokens(query.text)
    }
}

extension RangeCondition {
    /// Whether one stored value lies in the range: a number (not a bool) for numeric bounds, a
    /// datetime string for datetime bounds.
    func matches(_ value: JSONValue) -> Bool {
        switch self {
        case .number(let bounds):
            guard let number = value.numberValue else { return false }
            return bounds.contains(number)
        case .datetime(let bounds):
            guard case .string(let text) = value,
                let micros = PayloadDatetime.microseconds(from: text)
            else { return false }
            return bounds.contains(micros)
        }
    }
}
