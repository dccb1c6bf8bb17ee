// A collection's payload indexes and the planner over them. The planner never decides a
// result: `candidateSlots` only narrows which points the caller checks with `matches`, and
// `estimateCardinality` only guides the choice between an index scan, a filtered graph search
// and a full scan.

/// Bounds on how many points a filter matches, as Qdrant's `CardinalityEstimation`.
public struct CardinalityEstimation: Sendable, Equatable {
    public var min: Int
    public var expected: Int
    public var max: Int

    public init(min: Int, expected: Int, max: Int) {
        self.min = min
        self.expected = expected
        self.max = max
    }

    /// Nothing known: anywhere from none to all, half expected.
    static func unknown(_ total: Int) -> CardinalityEstimation {
        CardinalityEstimation(min: 0, expected: total / 2, max: total)
    }

    static func exactly(_ count: Int) -> CardinalityEstimation {
        CardinalityEstimation(min: count, expected: count, max: count)
    }
}

/// The payload indexes of one collection, keyed by canonical payload key.
///
/// A value type: the storage layer keeps one per collection behind its own lock, creates and
/// drops indexes at any time, and feeds every point in with `add(slot:payload:)` (and every
/// change as `remove` of the old payload then `add` of the new one).
public struct PayloadIndexSet: Sendable {
    public private(set) var indexes: [String: PayloadIndex] = [:]
    /// Text index tokenizers by key, for `Filter.matches(…tokenizers:)`.
    public private(set) var tokenizers: [String: TextTokenizer] = [:]

    public init() {}

    /// The schema of each indexed key (`payload_schema`).
    public var schemas: [String: PayloadFieldSchema] { indexes.mapValues(\.schema) }

    /// Creates an empty index on `field`, replacing one with another schema.
    ///
    /// - Returns: true when the caller must now feed every existing point to
    ///   `add(slot:payload:field:)`; false when an identical index already existed.
    /// - Throws: `StoreError.invalidArgument(field: "field_name", …)` for an invalid key.
    @discardableResult
    public mutating func createIndex(field: String, schema: PayloadFieldSchema) throws -> Bool {
        let path = try PayloadIndexSet.path(field)
        let key = path.description
        if indexes[key]?.schema == schema { return false }
        indexes[key] = PayloadIndex(path: path, schema: schema)
        tokenizers[key] = schema.kind == .text ? schema.tokenizer : nil
        return true
    }

    /// Drops the index on `field`; false when there was none.
    @discardableResult
    public mutating func dropIndex(field: String) -> Bool {
        guard let key = try? PayloadIndexSet.path(field).description,
            indexes.removeValue(forKey: key) != nil
        else { return false }
        tokenizers[key] = nil
        return true
    }

    /// The index on `field`, if any (any spelling of the key).
    public func index(field: String) -> PayloadIndex? {
        (try? PayloadIndexSet.path(field).description).flatMap { indexes[$0] }
    }

    /// Adds a point to every index.
    public mutating func add(slot: UInt32, payload: [String: JSONValue]) {
        for key in indexes.keys { indexes[key]!.add(slot: slot, payload: payload) }
    }

    /// Adds a point to the index on `field` only (to fill a newly created index).
    public mutating func add(slot: UInt32, payload: [String: JSONValue], field: String) {
        guard let key = try? PayloadIndexSet.path(field).description, indexes[key] != nil else {
            return
        }
        indexes[key]!.add(slot: slot, payload: payload)
    }

    /// Removes a point from every index; `payload` must be the one it was added with.
    public mutating func remove(slot: UInt32, payload: [String: JSONValue]) {
        for key in indexes.keys { indexes[key]!.remove(slot: slot, payload: payload) }
    }

    /// `Filter.matches` with this collection's text tokenizers.
    public func matches(
        _ filter: Filter,
        id: PointID,
        payload: [String: JSONValue],
        vectorNames: Set<String>
    ) -> Bool {
        filter.matches(id: id, payload: payload, vectorNames: vectorNames, tokenizers: tokenizers)
    }

    /// The payload keys `filter` tests that have no index, sorted (for strict mode's
    /// `unindexed_filtering_*`, which refuses such filters on large collections).
    public func unindexedKeys(in filter: Filter) -> [String] {
        var keys = Set<String>()
        PayloadIndexSet.collectKeys(filter, prefix: nil, into: &keys)
        return keys.filter { indexes[$0] == nil }.sorted()
    }

    private static func collectKeys(
        _ filter: Filter,
        prefix: PayloadPath?,
        into keys: inout Set<String>
    ) {
        let clauses = [filter.must, filter.should, filter.mustNot, filter.minShould?.conditions]
        for condition in clauses.compactMap({ $0 }).joined() {
            switch condition {
            case .field(let field):
                keys.insert(field.indexKey)
            case .isEmpty(let path), .isNull(let path):
                keys.insert((prefix.map { $0.appending(path) } ?? path).description)
            case .nested(let nested):
                let full = prefix.map { $0.appending(nested.path) } ?? nested.path
                collectKeys(nested.filter, prefix: full, into: &keys)
            case .filter(let inner):
                collectKeys(inner, prefix: prefix, into: &keys)
            case .hasID, .hasVector, .slice:
                continue
            }
        }
    }

    private static func path(_ field: String) throws -> PayloadPath {
        do {
            return try PayloadPath(field)
        } catch {
            throw StoreError.invalidArgument(field: "field_name", message: "\(error)")
        }
    }
}

// MARK: - Planning

extension PayloadIndexSet {
    /// Slots that may match `filter`, from the indexes alone: every matching point is in the
    /// set, but not every member matches. `nil` when the indexes cannot narrow the filter.
    ///
    /// - Parameter slotForID: maps a point id to its slot, to answer `has_id`; ids without a
    ///   slot (unknown or deleted points) are skipped.
    public func candidateSlots(
        for filter: Filter,
        slotForID: ((PointID) -> UInt32?)? = nil
    ) -> SlotSet? {
        candidates(filter, slotForID)?.slots
    }

    /// The candidates for `filter` from the indexes alone, and whether the indexes decide the
    /// filter completely (`isExact`: every candidate matches, so no payload need be read).
    /// `nil` when the indexes cannot narrow the filter.
    ///
    /// - Parameter slotForID: as in `candidateSlots(for:slotForID:)`.
    public func indexAnswer(
        for filter: Filter,
        slotForID: ((PointID) -> UInt32?)? = nil
    ) -> IndexAnswer? {
        candidates(filter, slotForID)
    }

    /// Estimated number of points `filter` matches among `totalPoints`.
    public func estimateCardinality(
        of filter: Filter,
        totalPoints: Int,
        slotForID: ((PointID) -> UInt32?)? = nil
    ) -> CardinalityEstimation {
        estimate(filter, total: totalPoints, slotForID)
    }

    /// - Parameter perPoint: false inside `nested`, where conditions hold per array element:
    ///   the index answers for the full key are then per point, which still bounds what `must`
    ///   and `should` accept, but subtracting a `must_not` answer would drop points another
    ///   element of which matches.
    private func candidates(
        _ filter: Filter,
        _ slotForID: ((PointID) -> UInt32?)?,
        perPoint: Bool = true
    )
        -> IndexAnswer?
    {
        var result: IndexAnswer?
        // A condition no index answers still narrows nothing, but then the candidates are no
        // longer known to match: the caller must check them.
        var decided = true
        for condition in filter.must ?? [] {
            if let answer = candidates(condition, slotForID, perPoint: perPoint) {
                result = intersect(result, answer)
            } else {
                decided = false
            }
        }
        if let should = filter.should, !should.isEmpty {
            if let answer = unionOfAll(should, slotForID, perPoint: perPoint) {
                result = intersect(result, answer)
            } else {
                decided = false
            }
        }
        if let minShould = filter.minShould {
            decided = false
            if let answer = unionOfAll(minShould.conditions, slotForID, perPoint: perPoint) {
                // Needing k of them is stricter than needing one: still a superset.
                result = intersect(result, answer)
            }
        }
        for condition in filter.mustNot ?? [] {
            // An exact answer is subtracted; any other leaves the check to the caller.
            if perPoint, result != nil, let excluded = candidates(condition, slotForID),
                excluded.isExact
            {
                result!.slots.subtract(excluded.slots)
            } else {
                decided = false
            }
        }
        if !decided { result?.isExact = false }
        return result
    }

    private func candidates(
        _ condition: Condition,
        _ slotForID: ((PointID) -> UInt32?)?,
        perPoint: Bool = true
    )
        -> IndexAnswer?
    {
        switch condition {
        case .field(let field):
            return indexes[field.indexKey]?.answer(field)
        case .filter(let filter):
            return candidates(filter, slotForID, perPoint: perPoint)
        case .nested(let nested):
            // Any element's match implies the point holds matching values under the full key
            // names, which is what the inner conditions' index keys are.
            return candidates(nested.filter, nil, perPoint: false).map {
                IndexAnswer(slots: $0.slots, isExact: false)
            }
        case .hasID(let ids):
            guard let slotForID else { return nil }
            return IndexAnswer(slots: SlotSet(ids.compactMap(slotForID)), isExact: true)
        case .isEmpty, .isNull, .hasVector, .slice:
            return nil
        }
    }

    private func unionOfAll(
        _ conditions: [Condition],
        _ slotForID: ((PointID) -> UInt32?)?,
        perPoint: Bool = true
    )
        -> IndexAnswer?
    {
        var result = IndexAnswer(slots: SlotSet(), isExact: true)
        for condition in conditions {
            guard let answer = candidates(condition, slotForID, perPoint: perPoint) else {
                return nil
            }
            result.slots.formUnion(answer.slots)
            result.isExact = result.isExact && answer.isExact
        }
        return result
    }

    private func intersect(_ current: IndexAnswer?, _ next: IndexAnswer) -> IndexAnswer {
        guard var current else { return next }
        current.slots.formIntersection(next.slots)
        current.isExact = current.isExact && next.isExact
        return current
    }

    // MARK: Estimation

    private func estimate(
        _ filter: Filter,
        total: Int,
        _ slotForID: ((PointID) -> UInt32?)?
    ) -> CardinalityEstimation {
        var parts = (filter.must ?? []).map { estimate($0, total: total, slotForID) }
        if let should = filter.should, !should.isEmpty {
            parts.append(combineShould(should.map { estimate($0, total: total, slotForID) }, total))
        }
        if let minShould = filter.minShould {
            var any = combineShould(
                minShould.conditions.map { estimate($0, total: total, slotForID) },
                total
            )
            if minShould.minCount > 1 { any.min = 0 }
            parts.append(any)
        }
        for condition in filter.mustNot ?? [] {
            let inner = estimate(condition, total: total, slotForID)
            parts.append(
                CardinalityEstimation(
                    min: total - inner.max,
                    expected: total - inner.expected,
                    max: total - inner.min
                )
            )
        }
        return combineMust(parts, total)
    }

    private func estimate(
        _ condition: Condition,
        total: Int,
        _ slotForID: ((PointID) -> UInt32?)?
    ) -> CardinalityEstimation {
        switch condition {
        case .filter(let filter):
            return estimate(filter, total: total, slotForID)
        case .nested(let nested):
            var inner = estimate(nested.filter, total: total, nil)
            inner.min = 0
            return inner
        case .hasID(let ids) where slotForID == nil:
            let count = Swift.min(ids.count, total)
            return CardinalityEstimation(min: 0, expected: count, max: count)
        case .slice(let slices, _):
            let share = total / Int(slices)
            return CardinalityEstimation(min: 0, expected: share, max: total)
        default:
            guard let answer = candidates(condition, slotForID) else { return .unknown(total) }
            let count = Swift.min(answer.slots.count, total)
            return answer.isExact
                ? .exactly(count)
                : CardinalityEstimation(min: 0, expected: count, max: count)
        }
    }

    /// All must hold: Qdrant's combination (independent conditions for the expectation).
    private func combineMust(
        _ parts: [CardinalityEstimation],
        _ total: Int
    )
        -> CardinalityEstimation
    {
        guard !parts.isEmpty, total > 0 else { return .exactly(total) }
        let sumOfMins = parts.reduce(0) { $0 + $1.min }
        let minimum = Swift.max(0, sumOfMins - (parts.count - 1) * total)
        let fraction = parts.reduce(1.0) { $0 * Double($1.expected) / Double(total) }
        let maximum = parts.map(\.max).min()!
        let expected = Swift.min(
            maximum,
            Swift.max(minimum, Int((fraction * Double(total)).rounded()))
        )
        return CardinalityEstimation(min: minimum, expected: expected, max: maximum)
    }

    /// Any may hold.
    private func combineShould(
        _ parts: [CardinalityEstimation],
        _ total: Int
    )
        -> CardinalityEstimation
    {
        guard !parts.isEmpty, total > 0 else { return .exactly(0) }
        let minimum = parts.map(\.min).max()!
        let missFraction = parts.reduce(1.0) { $0 * (1 - Double($1.expected) / Double(total)) }
        let maximum = Swift.min(total, parts.reduce(0) { $0 + $1.max })
        let expected = Swift.min(
            maximum,
            Swift.max(minimum, Int(((1 - missFraction) * Double(total)).rounded()))
        )
        return CardinalityEstimation(min: minimum, expected: expected, max: maximum)
    }
}
