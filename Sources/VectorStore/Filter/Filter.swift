// A Qdrant filter as a typed tree. Parsing lives in Filter+Parsing.swift, evaluation in
// Filter+Evaluation.swift, the index-backed planner in PayloadIndexSet.swift.

/// A parsed Qdrant filter: `must` (all), `should` (any), `must_not` (none) and `min_should`.
///
/// An absent clause places no constraint. An empty `should` places none either, as in Qdrant;
/// an empty `min_should.conditions` matches nothing (its `min_count` is at least 1).
public struct Filter: Sendable, Equatable {
    public var must: [Condition]?
    public var should: [Condition]?
    public var mustNot: [Condition]?
    public var minShould: MinShould?

    /// Builds a filter from parsed clauses; `nil` means the clause is absent.
    public init(
        must: [Condition]? = nil,
        should: [Condition]? = nil,
        mustNot: [Condition]? = nil,
        minShould: MinShould? = nil
    ) {
        self.must = must
        self.should = should
        self.mustNot = mustNot
        self.minShould = minShould
    }

    /// Parses a filter; unknown keys are refused with `StoreError.invalidFilter` naming the key.
    ///
    /// - Throws: `StoreError.invalidFilter` naming the unknown key, the field of the wrong
    ///   type or the invalid value.
    public init(json: JSONValue) throws {
        var parser = FilterParser()
        self = try parser.filter(json, at: "filter")
    }
}

/// At least `minCount` of `conditions` must match.
public struct MinShould: Sendable, Equatable {
    public var conditions: [Condition]
    /// At least 1.
    public var minCount: Int

    public init(conditions: [Condition], minCount: Int) {
        self.conditions = conditions
        self.minCount = minCount
    }
}

/// One condition of a filter clause.
public indirect enum Condition: Sendable, Equatable {
    /// A test on the values at a payload key.
    case field(FieldCondition)
    /// `{"is_empty": {"key": k}}`: the key is missing, null, `[]`, or only such values.
    case isEmpty(PayloadPath)
    /// `{"is_null": {"key": k}}`: some value at the key is null or an array holding a null.
    case isNull(PayloadPath)
    /// `{"has_id": [...]}`: the point's id is one of these.
    case hasID(Set<PointID>)
    /// `{"has_vector": name}`: the point holds a vector of that name.
    case hasVector(String)
    /// `{"slice": {total, index}}`: SipHash-2-4 of the id modulo `total` equals `index`.
    case slice(total: UInt32, index: UInt32)
    /// `{"nested": {key, filter}}`: some object element of the array at `key` matches.
    case nested(NestedCondition)
    /// A filter used as a condition.
    case filter(Filter)
}

/// `nested`: the filter is applied to each object element of the array at `path` on its own,
/// so that all its conditions must hold for the same element.
public struct NestedCondition: Sendable, Equatable {
    /// The array's key; `[]` is implied whether written or not.
    public var path: PayloadPath
    public var filter: Filter

    public init(path: PayloadPath, filter: Filter) {
        self.path = path
        self.filter = filter
    }
}

/// A condition on the values at one payload key (Qdrant's `FieldCondition`).
///
/// Exactly which of the optional tests is present decides the meaning; when several are given
/// the first of `valuesCount`, `isEmpty`, `isNull` wins, otherwise any of `match`, `range` and
/// the geo tests may hold.
///
/// A class so that evaluating a filter does not copy (and retain) every test of every
/// condition for every point; it is immutable, hence `Sendable`.
public final class FieldCondition: Sendable, Equatable {
    /// The key relative to the payload the condition is evaluated on (an array element inside
    /// `nested`).
    public let key: PayloadPath
    /// The key from the top of the point's payload (the `nested` prefix included): the name a
    /// payload index for this condition would have.
    public let indexKey: String
    public let match: MatchCondition?
    public let range: RangeCondition?
    public let geoBoundingBox: GeoBoundingBox?
    public let geoRadius: GeoRadius?
    public let geoPolygon: GeoPolygon?
    public let valuesCount: ValuesCount?
    public let isEmpty: Bool?
    public let isNull: Bool?

    /// A condition on `key`; `indexKey` defaults to the key's canonical spelling.
    public init(
        key: PayloadPath,
        indexKey: String? = nil,
        match: MatchCondition? = nil,
        range: RangeCondition? = nil,
        geoBoundingBox: GeoBoundingBox? = nil,
        geoRadius: GeoRadius? = nil,
        geoPolygon: GeoPolygon? = nil,
        valuesCount: ValuesCount? = nil,
        isEmpty: Bool? = nil,
        isNull: Bool? = nil
    ) {
        self.key = key
        self.indexKey = indexKey ?? key.description
        self.match = match
        self.range = range
        self.geoBoundingBox = geoBoundingBox
        self.geoRadius = geoRadius
        self.geoPolygon = geoPolygon
        self.valuesCount = valuesCount
        self.isEmpty = isEmpty
        self.isNull = isNull
    }

    var hasAnyTest: Bool {
        match != nil || range != nil || geoBoundingBox != nil || geoRadius != nil
            || geoPolygon != nil || valuesCount != nil || isEmpty != nil || isNull != nil
    }

    public static func == (lhs: FieldCondition, rhs: FieldCondition) -> Bool {
        lhs.key == rhs.key && lhs.indexKey == rhs.indexKey && lhs.match == rhs.match
            && lhs.range == rhs.range && lhs.geoBoundingBox == rhs.geoBoundingBox
            && lhs.geoRadius == rhs.geoRadius && lhs.geoPolygon == rhs.geoPolygon
            && lhs.valuesCount == rhs.valuesCount && lhs.isEmpty == rhs.isEmpty
            && lhs.isNull == rhs.isNull
    }
}

/// The `match` forms.
public enum MatchCondition: Sendable, Equatable {
    /// `{"value": "s"}`: equal to the string.
    case keyword(String)
    /// `{"value": 3}`: equal to the integer (a float payload value never is).
    case integer(Int64)
    /// `{"value": true}`.
    case bool(Bool)
    /// `{"any": ["a", "b"]}`; an empty list matches nothing.
    case anyKeyword(Set<String>)
    /// `{"any": [1, 2]}`.
    case anyInteger(Set<Int64>)
    /// `{"except": ["a"]}`: a value that is not one of these. Values of another type (a bool,
    /// a number) are kept, null is not; an empty list keeps every non-null value.
    case exceptKeyword(Set<String>)
    /// `{"except": [1]}`: as `exceptKeyword`, with a string value kept.
    case exceptInteger(Set<Int64>)
    /// `{"text": ...}`: every query token is a token of the value.
    case text(TextQuery)
    /// `{"text_any": ...}`: some query token is a token of the value.
    case textAny(TextQuery)
    /// `{"phrase": ...}`: the query tokens appear consecutively in the value.
    case phrase(TextQuery)
    /// `{"prefix": ...}`: the string starts with these bytes (case-sensitive).
    case prefix(String)
}

/// The text of a full-text `match`, tokenized once with the default tokenizer.
public struct TextQuery: Sendable, Equatable {
    public var text: String
    /// `text` under `TextTokenizer.default`, for fields without a text index.
    public var defaultTokens: [String]

    public init(_ text: String) {
        self.text = text
        self.defaultTokens = TextTokenizer.default.queryTokens(text)
    }
}

/// `range` on numbers or on RFC 3339 datetimes.
public enum RangeCondition: Sendable, Equatable {
    case number(Bounds<Double>)
    /// Bounds in microseconds since the Unix epoch, UTC.
    case datetime(Bounds<Int64>)
}

/// `gt`/`gte`/`lt`/`lte` bounds; an absent bound does not constrain.
public struct Bounds<Value: Comparable & Sendable>: Sendable, Equatable {
    public var gt: Value?
    public var gte: Value?
    public var lt: Value?
    public var lte: Value?

    public init(gt: Value? = nil, gte: Value? = nil, lt: Value? = nil, lte: Value? = nil) {
        self.gt = gt
        self.gte = gte
        self.lt = lt
        self.lte = lte
    }

    /// Whether `value` lies within every present bound.
    @inline(__always)
    public func contains(_ value: Value) -> Bool {
        if let gt, !(value > gt) { return false }
        if let gte, !(value >= gte) { return false }
        if let lt, !(value < lt) { return false }
        if let lte, !(value <= lte) { return false }
        return true
    }
}

/// `values_count`: bounds on how many values a key holds (an array's length, 1 for a scalar,
/// 0 for null).
public struct ValuesCount: Sendable, Equatable {
    public var bounds: Bounds<Int>

    public init(bounds: Bounds<Int>) {
        self.bounds = bounds
    }
}
