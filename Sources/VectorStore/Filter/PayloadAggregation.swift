// Pure helpers over payloads for `facet` and `order_by`; the storage layer chooses the points
// (those a filter matches) and feeds their payloads in.

/// A value `facet` counts: a string, an integer or a bool, as Qdrant's `FacetValue`.
public enum FacetValue: Sendable, Hashable, Comparable {
    case bool(Bool)
    case integer(Int64)
    case string(String)

    /// The wire form.
    public var json: JSONValue {
        switch self {
        case .bool(let flag): return .bool(flag)
        case .integer(let number): return .int(number)
        case .string(let text): return .string(text)
        }
    }

    /// Bools before integers before strings, each in natural order (ties in a facet are
    /// broken by value; Qdrant never mixes types in one facet, so the cross-type order is ours).
    public static func < (lhs: FacetValue, rhs: FacetValue) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let a), .bool(let b)): return !a && b
        case (.integer(let a), .integer(let b)): return a < b
        case (.string(let a), .string(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.bool, _): return true
        case (.integer, .string): return true
        default: return false
        }
    }
}

/// Counts the distinct values of one key over a stream of payloads, for `facet`.
public struct FacetCounter: Sendable {
    public let path: PayloadPath
    /// Whether UUID strings are counted in their canonical spelling (for a `uuid` index).
    public let normalizesUUIDs: Bool
    public private(set) var counts: [FacetValue: Int] = [:]

    /// - Throws: `StoreError.invalidArgument(field: "key", …)` for an invalid key.
    public init(key: String, normalizesUUIDs: Bool = false) throws {
        do {
            self.path = try PayloadPath(key)
        } catch {
            throw StoreError.invalidArgument(field: "key", message: "\(error)")
        }
        self.normalizesUUIDs = normalizesUUIDs
    }

    /// Counts each distinct value the payload holds at the key once.
    public mutating func add(_ payload: [String: JSONValue]) {
        var seen = Set<FacetValue>()
        for value in path.flattenedValues(in: payload) {
            guard let facetValue = facetValue(value) else { continue }
            if seen.insert(facetValue).inserted { counts[facetValue, default: 0] += 1 }
        }
    }

    /// The `limit` most frequent values, most first, ties by value ascending.
    public func hits(limit: Int) -> [(value: FacetValue, count: Int)] {
        let ordered = counts.sorted { lhs, rhs in
            lhs.value != rhs.value ? lhs.value > rhs.value : lhs.key < rhs.key
        }
        return ordered.prefix(Swift.max(0, limit)).map { (value: $0.key, count: $0.value) }
    }

    private func facetValue(_ value: JSONValue) -> FacetValue? {
        switch value {
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .integer(number)
        case .string(let text):
            if normalizesUUIDs, let uuid = PointID(uuidString: text) {
                return .string(uuid.description)
            }
            return .string(text)
        default: return nil
        }
    }
}

/// A value `order_by` sorts on (Qdrant's `OrderValue`): integers stay exact, floats are
/// doubles, datetimes are integer microseconds since the epoch.
public enum OrderValue: Sendable, Hashable, Comparable {
    case integer(Int64)
    case double(Double)

    /// Reads `start_from`: a number or an RFC 3339 datetime string.
    ///
    /// - Throws: `StoreError.invalidArgument(field: "order_by.start_from", …)`.
    public init(startFrom json: JSONValue) throws {
        switch json {
        case .int(let number):
            self = .integer(number)
        case .double(let number):
            self = .double(number)
        case .unsigned(let number):
            self = .double(Double(number))
        case .string(let text):
            guard let micros = PayloadDatetime.microseconds(from: text) else {
                throw StoreError.invalidArgument(
                    field: "order_by.start_from",
                    message: "'\(text)' is not a number or an RFC 3339 datetime"
                )
            }
            self = .integer(micros)
        default:
            throw StoreError.invalidArgument(
                field: "order_by.start_from",
                message: "must be a number or an RFC 3339 datetime, got \(json.typeName)"
            )
        }
    }

    /// The wire form (`order_value`).
    public var json: JSONValue {
        switch self {
        case .integer(let number): return .int(number)
        case .double(let number): return .double(number)
        }
    }

    /// The values a point holds at `path` that `order_by` can sort on, one per value: numbers
    /// (not bools) and datetime strings; a point with several is listed once per value.
    public static func values(at path: PayloadPath, in payload: [String: JSONValue]) -> [OrderValue]
    {
        path.flattenedValues(in: payload).compactMap { value in
            switch value {
            case .int(let number): return .integer(number)
            case .unsigned(let number): return .double(Double(number))
            case .double(let number): return .double(number)
            case .string(let text): return PayloadDatetime.microseconds(from: text).map(integer)
            default: return nil
            }
        }
    }

    /// Numeric order across both cases; an integer and a double that are equal compare by
    /// case so that the order is total.
    public static func < (lhs: OrderValue, rhs: OrderValue) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): return a < b
        case (.double(let a), .double(let b)): return a < b
        case (.integer(let a), .double(let b)):
            return Double(a) <= b
        case (.double(let a), .integer(let b)):
            return a < Double(b)
        }
    }
}
