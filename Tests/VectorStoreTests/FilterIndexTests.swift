import XCTest

@testable import VectorStore

final class FilterIndexTests: XCTestCase {
    // MARK: - B15 with indexes

    /// B15: creating a keyword index must not drop the bool-valued point from `except`.
    func testB15ExceptGivesTheSameIdsBeforeAndAfterKeywordIndex() throws {
        let points = [
            FilterTestPoint(1, #"{"tag": true}"#), FilterTestPoint(2, #"{"tag": "blue"}"#),
            FilterTestPoint(3, #"{"tag": "red"}"#), FilterTestPoint(4, "{}"),
        ]
        let filter = try parseFilter(#"{"must": [{"key": "tag", "match": {"except": ["red"]}}]}"#)
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, PayloadIndexSet()), [1, 2])
        let indexed = try makeIndexes(points, ["tag": #""keyword""#])
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, indexed), [1, 2])
    }

    /// B15 (second part): `except: []` on an integer-indexed field keeps both points.
    func testB15EmptyExceptGivesTheSameIdsBeforeAndAfterIntegerIndex() throws {
        let points = [FilterTestPoint(1, #"{"n": 1}"#), FilterTestPoint(2, #"{"n": 2}"#)]
        let filter = try parseFilter(#"{"must": [{"key": "n", "match": {"except": []}}]}"#)
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, PayloadIndexSet()), [1, 2])
        let indexed = try makeIndexes(points, ["n": #""integer""#])
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, indexed), [1, 2])
    }

    /// B14 (planner half): a 1%-selective keyword filter is answered exactly by the index, so
    /// the storage layer can see it is small and check those 100 points instead of searching
    /// the graph with a post-filter.
    func testB14RareKeywordFilterIsAnsweredExactlyByTheIndex() throws {
        let points = (0..<10_000).map {
            FilterTestPoint(UInt64($0), $0 % 100 == 0 ? #"{"g": "rare"}"# : #"{"g": "common"}"#)
        }
        let indexes = try makeIndexes(points, ["g": #""keyword""#])
        let filter = try parseFilter(#"{"must": [{"key": "g", "match": {"value": "rare"}}]}"#)
        XCTAssertEqual(
            indexes.estimateCardinality(of: filter, totalPoints: 10_000),
            CardinalityEstimation(min: 100, expected: 100, max: 100))
        let candidates = try XCTUnwrap(indexes.candidateSlots(for: filter))
        XCTAssertEqual(Array(candidates), (0..<100).map { UInt32($0 * 100) })
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, indexes).count, 100)
    }

    // MARK: - What each kind answers

    func testEachIndexKindNarrowsItsConditions() throws {
        let points = [
            FilterTestPoint(
                0,
                #"{"k": "a", "n": 1, "f": 1.5, "b": true, "d": "2024-01-01T00:00:00Z", "u": "550e8400-e29b-41d4-a716-446655440000", "t": "red fox", "g": {"lon": 1, "lat": 1}}"#
            ),
            FilterTestPoint(
                1,
                #"{"k": ["b", "ab"], "n": [2, 3], "f": 2, "b": false, "d": "2024-06-01T00:00:00+02:00", "u": "00000000-0000-0000-0000-000000000001", "t": "lazy dog", "g": {"lon": 50, "lat": 50}}"#
            ),
        ]
        let indexes = try makeIndexes(
            points,
            [
                "k": #""keyword""#, "n": #""integer""#, "f": #""float""#, "b": #""bool""#,
                "d": #""datetime""#, "u": #""uuid""#, "t": #""text""#, "g": #""geo""#,
            ]
        )
        let cases: [(String, [UInt32])] = [
            (#"{"key": "k", "match": {"value": "ab"}}"#, [1]),
            (#"{"key": "k", "match": {"any": ["a", "b"]}}"#, [0, 1]),
            (#"{"key": "k", "match": {"prefix": "a"}}"#, [0, 1]),
            (#"{"key": "n", "match": {"value": 3}}"#, [1]),
            (#"{"key": "n", "range": {"gt": 1}}"#, [1]),
            (#"{"key": "f", "range": {"lte": 1.5}}"#, [0]),
            (#"{"key": "b", "match": {"value": false}}"#, [1]),
            (#"{"key": "d", "range": {"gte": "2024-05-31T23:00:00+01:00"}}"#, [1]),
            (#"{"key": "u", "match": {"value": "550E8400E29B41D4A716446655440000"}}"#, [0]),
            (#"{"key": "t", "match": {"text": "Fox red"}}"#, [0]),
            (#"{"key": "t", "match": {"text_any": "dog cat"}}"#, [1]),
            (#"{"key": "g", "geo_radius": {"center": {"lon": 1, "lat": 1}, "radius": 100}}"#, [0]),
        ]
        for (condition, expected) in cases {
            let filter = try parseFilter(#"{"must": \#(condition)}"#)
            XCTAssertEqual(indexes.candidateSlots(for: filter).map(Array.init), expected, condition)
        }
        // Conditions an index cannot bound stay unnarrowed rather than wrong.
        for condition in [
            #"{"key": "k", "match": {"except": ["a"]}}"#, #"{"key": "k", "match": {"value": 1}}"#,
            #"{"key": "n", "match": {"value": "1"}}"#, #"{"key": "u", "match": {"value": "x"}}"#,
            #"{"key": "k", "is_empty": true}"#, #"{"key": "zzz", "match": {"value": 1}}"#,
        ] {
            XCTAssertNil(
                indexes.candidateSlots(for: try parseFilter(#"{"must": \#(condition)}"#)),
                condition
            )
        }
    }

    func testPlannerCombinesClausesAndHasID() throws {
        let points = (0..<10).map {
            FilterTestPoint(UInt64($0), #"{"k": "\#($0 % 3)", "n": \#($0)}"#)
        }
        let indexes = try makeIndexes(points, ["k": #""keyword""#, "n": #""integer""#])
        let slotForID: (PointID) -> UInt32? = {
            if case .number(let value) = $0, value < 10 { return UInt32(value) }
            return nil
        }
        func candidates(_ json: String) throws -> [UInt32]? {
            try indexes.candidateSlots(for: parseFilter(json), slotForID: slotForID).map(Array.init)
        }
        XCTAssertEqual(
            try candidates(
                #"{"must": [{"key": "k", "match": {"value": "0"}}, {"key": "n", "range": {"gt": 3}}]}"#
            ),
            [6, 9]
        )
        XCTAssertEqual(
            try candidates(
                #"{"should": [{"key": "k", "match": {"value": "1"}}, {"key": "n", "match": {"value": 0}}]}"#
            ),
            [0, 1, 4, 7]
        )
        XCTAssertNil(
            try candidates(
                #"{"should": [{"key": "k", "match": {"value": "1"}}, {"is_empty": {"key": "n"}}]}"#
            )
        )
        XCTAssertEqual(
            try candidates(
                #"{"must": [{"has_id": [2, 5, 77]}, {"must_not": {"key": "n", "match": {"value": 2}}}]}"#
            ),
            [2, 5]
        )
        XCTAssertEqual(
            try candidates(#"{"must": {"must": {"key": "n", "range": {"lt": 2}}}}"#),
            [0, 1]
        )
        XCTAssertEqual(
            try candidates(
                #"{"min_should": {"min_count": 2, "conditions": [{"key": "n", "match": {"value": 1}}, {"key": "n", "match": {"value": 2}}]}}"#
            ),
            [1, 2]
        )
        XCTAssertNil(try candidates(#"{"must_not": {"key": "n", "match": {"value": 2}}}"#))
    }

    func testNestedConditionsUseIndexesOnTheirFullKeys() throws {
        let points = [
            FilterTestPoint(0, #"{"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}]}"#),
            FilterTestPoint(1, #"{"items": [{"sku": "a", "qty": 5}]}"#),
            FilterTestPoint(2, #"{"items": [{"sku": "c", "qty": 5}]}"#),
        ]
        let indexes = try makeIndexes(points, ["items[].sku": #""keyword""#])
        let filter = try parseFilter(
            #"{"must": {"nested": {"key": "items", "filter": {"must": [{"key": "sku", "match": {"value": "a"}}, {"key": "qty", "range": {"gte": 5}}]}}}}"#
        )
        XCTAssertEqual(indexes.candidateSlots(for: filter).map(Array.init), [0, 1])
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, indexes), [1])
    }

    func testTextIndexTokenizerDecidesFullTextMatches() throws {
        let points = [
            FilterTestPoint(0, #"{"t": "Hello, World"}"#),
            FilterTestPoint(1, #"{"t": "hello world"}"#),
        ]
        let filter = try parseFilter(#"{"must": {"key": "t", "match": {"text": "Hello,"}}}"#)
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "t", "match": {"text": "Hello,"}}}"#),
            [0, 1]
        )
        let indexes = try makeIndexes(
            points,
            ["t": #"{"type": "text", "tokenizer": "whitespace", "lowercase": false}"#]
        )
        XCTAssertEqual(matchingIDsWithIndexes(points, filter, indexes), [0])
        let prefixes = try makeIndexes(points, ["t": #"{"type": "text", "tokenizer": "prefix"}"#])
        let partial = try parseFilter(#"{"must": {"key": "t", "match": {"text": "wor hel"}}}"#)
        XCTAssertEqual(matchingIDsWithIndexes(points, partial, prefixes), [0, 1])
    }

    func testUnindexedKeysListsEveryTestedKeyWithoutAnIndex() throws {
        let indexes = try makeIndexes([], ["a": #""keyword""#, "items[].sku": #""keyword""#])
        let filter = try parseFilter(
            """
            {"must": [{"key": "a", "match": {"value": "x"}}, {"is_empty": {"key": "b"}}],
             "should": {"must_not": {"key": "c.d", "range": {"gt": 1}}},
             "min_should": {"min_count": 1, "conditions": [{"has_id": [1]}]},
             "must_not": {"nested": {"key": "items", "filter": {"must": [
                {"key": "sku", "match": {"value": "s"}}, {"is_null": {"key": "qty"}}]}}}}
            """)
        XCTAssertEqual(indexes.unindexedKeys(in: filter), ["b", "c.d", "items[].qty"])
    }

    func testCardinalityEstimationBracketsExactCounts() throws {
        let points = (0..<100).map {
            FilterTestPoint(UInt64($0), #"{"k": "\#($0 % 4)", "n": \#($0)}"#)
        }
        let indexes = try makeIndexes(points, ["k": #""keyword""#, "n": #""integer""#])
        let exact = try indexes.estimateCardinality(
            of: parseFilter(#"{"must": {"key": "k", "match": {"value": "1"}}}"#),
            totalPoints: 100
        )
        XCTAssertEqual(exact, CardinalityEstimation(min: 25, expected: 25, max: 25))
        let both = try indexes.estimateCardinality(
            of: parseFilter(
                #"{"must": [{"key": "k", "match": {"value": "1"}}, {"key": "n", "range": {"lt": 50}}]}"#
            ),
            totalPoints: 100
        )
        XCTAssertEqual(both.max, 25)
        XCTAssertEqual(both.expected, 13)
        let unknown = try indexes.estimateCardinality(
            of: parseFilter(#"{"must": {"is_empty": {"key": "q"}}}"#),
            totalPoints: 100
        )
        XCTAssertEqual(unknown, CardinalityEstimation(min: 0, expected: 50, max: 100))
        let negated = try indexes.estimateCardinality(
            of: parseFilter(#"{"must_not": {"key": "k", "match": {"value": "1"}}}"#),
            totalPoints: 100
        )
        XCTAssertEqual(negated, CardinalityEstimation(min: 75, expected: 75, max: 75))
    }

    // MARK: - Index maintenance

    func testRemoveAndDropLeaveNoStaleCandidates() throws {
        var points = [
            FilterTestPoint(0, #"{"k": "a", "t": "x y"}"#), FilterTestPoint(1, #"{"k": "a"}"#),
        ]
        var indexes = try makeIndexes(points, ["k": #""keyword""#, "t": #""text""#])
        XCTAssertEqual(indexes.index(field: "k")?.indexedSlots.count, 2)
        XCTAssertEqual(indexes.index(field: "t")?.indexedSlots.count, 1)
        // Update point 1: remove its old payload, add the new one.
        indexes.remove(slot: 1, payload: points[1].payload)
        points[1] = FilterTestPoint(1, #"{"k": "b"}"#)
        indexes.add(slot: 1, payload: points[1].payload)
        let filter = try parseFilter(#"{"must": {"key": "k", "match": {"value": "a"}}}"#)
        XCTAssertEqual(indexes.candidateSlots(for: filter).map(Array.init), [0])
        XCTAssertTrue(indexes.dropIndex(field: "k"))
        XCTAssertFalse(indexes.dropIndex(field: "k"))
        XCTAssertNil(indexes.candidateSlots(for: filter))
        XCTAssertEqual(Array(indexes.schemas.keys), ["t"])
        // Re-creating an identical index is a no-op; another schema replaces it empty.
        XCTAssertFalse(
            try indexes.createIndex(field: "t", schema: PayloadFieldSchema(json: "text"))
        )
        XCTAssertTrue(
            try indexes.createIndex(field: "t", schema: PayloadFieldSchema(json: "keyword"))
        )
        XCTAssertEqual(indexes.index(field: "t")?.indexedSlots.count, 0)
    }

    func testSortedEntriesStayOrderedUnderChurn() {
        var entries = SortedEntries<Double>()
        var reference = Set<Int>()
        var random = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let key = Int(random.next() % 3_000)
            let slot = UInt32(key % 17)
            if random.next() % 3 == 0 {
                entries.remove(.init(key: Double(key), slot: slot))
                reference.remove(key)
            } else {
                entries.insert(.init(key: Double(key), slot: slot))
                reference.insert(key)
            }
        }
        entries.checkInvariants()
        XCTAssertEqual(entries.count, reference.count)
        var inRange: [Int] = []
        entries.forEach(in: Bounds(gt: 100, lte: 200)) { inRange.append(Int($0.key)) }
        XCTAssertEqual(inRange, reference.filter { $0 > 100 && $0 <= 200 }.sorted())
    }

    func testSlotSetOperations() {
        var a = SlotSet([1, 64, 65, 1000])
        let b = SlotSet([64, 1000, 5000])
        XCTAssertEqual(Array(a.intersection(b)), [64, 1000])
        XCTAssertEqual(Array(a.union(b)), [1, 64, 65, 1000, 5000])
        XCTAssertEqual(a.union(b).count, 5)
        XCTAssertTrue(a.remove(65))
        XCTAssertFalse(a.remove(65))
        XCTAssertEqual(a, SlotSet([1000, 64, 1]))
        XCTAssertFalse(a.contains(5000))
    }

    /// Sparse (array) and dense (bitset) forms, and every mix of them, against `Set`.
    func testSlotSetAgreesWithSetAcrossRepresentations() {
        var random = SplitMix64(seed: 3)
        for round in 0..<40 {
            // Small universes make dense sets, large ones sparse sets.
            let universe = round % 2 == 0 ? 300 : 1_000_000
            func randomSet() -> (SlotSet, Set<UInt32>) {
                var slots = SlotSet()
                var reference = Set<UInt32>()
                for _ in 0..<random.below(400) {
                    let slot = UInt32(random.below(universe))
                    XCTAssertEqual(slots.insert(slot), reference.insert(slot).inserted)
                }
                for _ in 0..<random.below(50) {
                    let slot = UInt32(random.below(universe))
                    XCTAssertEqual(slots.remove(slot), reference.remove(slot) != nil)
                }
                return (slots, reference)
            }
            let (a, setA) = randomSet()
            let (b, setB) = randomSet()
            XCTAssertEqual(Array(a), setA.sorted())
            XCTAssertEqual(a.count, setA.count)
            XCTAssertEqual(Array(a.union(b)), setA.union(setB).sorted())
            XCTAssertEqual(a.union(b).count, setA.union(setB).count)
            XCTAssertEqual(Array(a.intersection(b)), setA.intersection(setB).sorted())
            XCTAssertEqual(a.intersection(b).count, setA.intersection(setB).count)
            var difference = a
            difference.subtract(b)
            XCTAssertEqual(Array(difference), setA.subtracting(setB).sorted())
            XCTAssertEqual(difference.count, setA.subtracting(setB).count)
            let probe = UInt32(random.below(universe))
            XCTAssertEqual(a.contains(probe), setA.contains(probe))
        }
    }

    // MARK: - Property: indexes never change results

    /// Random payloads and random filters (fixed seed): for every filter, the ids found
    /// through the planner's candidates equal the ids found by checking every point without
    /// indexes, after inserts, updates and deletes; and the estimate brackets the count.
    func testIndexesNeverChangeResultsOnRandomFilters() throws {
        var random = SplitMix64(seed: 20_261_204)
        var points = (0..<400).map { RandomPayloads.point(UInt64($0), &random) }
        let schemaSets: [[String: String]] = [
            [
                "tag": #""keyword""#, "n": #""integer""#, "at": #""datetime""#, "loc": #""geo""#,
                "body": #""text""#, "uid": #""uuid""#, "flag": #""bool""#,
                "items[].sku": #""keyword""#, "items[].qty": #""integer""#,
            ],
            [
                "tag": #""uuid""#, "n": #""float""#, "uid": #""keyword""#, "body": #""keyword""#,
                "items[].qty": #""float""#, "flag": #""keyword""#, "at": #""keyword""#,
            ],
            [
                "body":
                    #"{"type": "text", "tokenizer": "prefix", "min_token_len": 2, "max_token_len": 4}"#,
                "tag": #"{"type": "text", "tokenizer": "whitespace", "lowercase": false}"#,
                "items[]": #""keyword""#, "loc": #""geo""#,
            ],
        ]
        for schemas in schemaSets {
            var indexes = try makeIndexes(points, schemas)
            try assertEquivalent(points, indexes, &random, filters: 300)
            // Churn: update a third of the points, then check again.
            for slot in stride(from: 0, to: points.count, by: 3) {
                indexes.remove(slot: UInt32(slot), payload: points[slot].payload)
                points[slot] = RandomPayloads.point(points[slot].id, &random)
                indexes.add(slot: UInt32(slot), payload: points[slot].payload)
            }
            try assertEquivalent(points, indexes, &random, filters: 300)
        }
    }

    private func assertEquivalent(
        _ points: [FilterTestPoint],
        _ indexes: PayloadIndexSet,
        _ random: inout SplitMix64,
        filters: Int
    ) throws {
        var narrowed = 0
        var exact = 0
        for _ in 0..<filters {
            let json = RandomPayloads.filter(&random, depth: 0)
            let filter = try parseFilter(json)
            // The reference is a full scan with the collection's text tokenizers; with default
            // tokenizers that must equal a scan with no index at all.
            let plain = points.filter {
                indexes.matches(
                    filter,
                    id: .number($0.id),
                    payload: $0.payload,
                    vectorNames: $0.vectors
                )
            }.map(\.id)
            if indexes.tokenizers.values.allSatisfy({ $0 == .default }) {
                XCTAssertEqual(try matchingIDs(points, json), plain, json)
            }
            XCTAssertEqual(matchingIDsWithIndexes(points, filter, indexes), plain, json)
            let estimate = indexes.estimateCardinality(
                of: filter,
                totalPoints: points.count,
                slotForID: {
                    if case .number(let n) = $0, n < 400 { return UInt32(n) } else { return nil }
                }
            )
            XCTAssertLessThanOrEqual(estimate.min, plain.count, json)
            XCTAssertGreaterThanOrEqual(estimate.max, plain.count, json)
            if let candidates = indexes.candidateSlots(for: filter), candidates.count < points.count
            {
                narrowed += 1
            }
            // An exact answer is trusted without reading payloads (search, count), so it must
            // name exactly the matching points.
            let slotByID = Dictionary(
                uniqueKeysWithValues: points.enumerated().map { (PointID.number($1.id), $0) }
            )
            if let answer = indexes.indexAnswer(
                for: filter,
                slotForID: { slotByID[$0].map(UInt32.init) }
            ), answer.isExact {
                exact += 1
                XCTAssertEqual(answer.slots.map { points[Int($0)].id }, plain, "exact: " + json)
            }
        }
        // The property is only meaningful if the indexes were actually used.
        XCTAssertGreaterThan(narrowed, filters / 5)
        XCTAssertGreaterThan(exact, filters / 60)
    }
}

/// A small deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Random payloads and filters over a fixed vocabulary, mixing types on purpose.
enum RandomPayloads {
    static let tags = ["red", "blue", "green", "Red", "550e8400-e29b-41d4-a716-446655440000"]
    static let words = ["good", "cheap", "Hardware", "fox", "dog", "lazy", "GOOD"]
    static let uuids = [
        "550e8400-e29b-41d4-a716-446655440000", "550E8400E29B41D4A716446655440000",
        "00000000-0000-0000-0000-000000000001", "not-a-uuid",
    ]
    static let dates = [
        "2024-01-01T00:00:00Z", "2024-01-01T01:30:00+02:00", "2024-06-15 12:00:00",
        "2024-06-15", "2023-12-31T23:59:59.999999-01:00", "garbage",
    ]

    static func point(_ id: UInt64, _ random: inout SplitMix64) -> FilterTestPoint {
        var members: [String] = []
        func maybe(_ key: String, _ value: String) {
            if random.below(5) > 0 { members.append("\"\(key)\": \(value)") }
        }
        maybe(
            "tag",
            scalarOrArray(&random) { r in
                r.pick(["\"\(r.pick(tags))\"", "true", "7", "null", "\"\(r.pick(tags))\""])
            }
        )
        maybe(
            "n",
            scalarOrArray(&random) { r in
                r.pick(["\(r.below(20))", "\(r.below(20)).5", "\"3\"", "null", "\(r.below(20))"])
            }
        )
        maybe("at", "\"\(random.pick(dates))\"")
        maybe(
            "loc",
            scalarOrArray(&random) { r in
                "{\"lon\": \(Double(r.below(40)) - 20), \"lat\": \(Double(r.below(40)) - 20)}"
            }
        )
        maybe(
            "body",
            "\"\((0..<random.below(4)).map { _ in random.pick(words) }.joined(separator: " "))\""
        )
        maybe("uid", "\"\(random.pick(uuids))\"")
        maybe("flag", random.pick(["true", "false", "\"true\"", "[true, false]"]))
        maybe(
            "items",
            "["
                + (0..<random.below(3)).map { _ in
                    "{\"sku\": \"\(random.pick(["a", "b", "c"]))\", \"qty\": \(random.below(5))}"
                }.joined(separator: ", ") + "]"
        )
        return FilterTestPoint(
            id,
            "{" + members.joined(separator: ", ") + "}",
            vectors: random.below(2) == 0 ? [""] : ["", "image"]
        )
    }

    private static func scalarOrArray(
        _ random: inout SplitMix64,
        _ make: (inout SplitMix64) -> String
    ) -> String {
        guard random.below(3) == 0 else { return make(&random) }
        return "[" + (0..<random.below(3)).map { _ in make(&random) }.joined(separator: ", ") + "]"
    }

    static func condition(_ random: inout SplitMix64, depth: Int) -> String {
        switch random.below(depth < 2 ? 24 : 21) {
        case 0: return #"{"key": "tag", "match": {"value": "\#(random.pick(tags))"}}"#
        case 1:
            return
                #"{"key": "tag", "match": {"any": ["\#(random.pick(tags))", "\#(random.pick(tags))"]}}"#
        case 2: return #"{"key": "tag", "match": {"except": ["\#(random.pick(tags))"]}}"#
        case 3: return #"{"key": "tag", "match": {"value": \#(random.pick(["true", "7"]))}}"#
        case 4: return #"{"key": "n", "match": {"value": \#(random.below(20))}}"#
        case 5:
            return #"{"key": "n", "match": {"any": [\#(random.below(20)), \#(random.below(20))]}}"#
        case 6:
            return
                #"{"key": "n", "range": {"gte": \#(random.below(20)), "lt": \#(random.below(25))}}"#
        case 7: return #"{"key": "n", "match": {"except": [\#(random.below(20))]}}"#
        case 8: return #"{"key": "at", "range": {"gt": "\#(random.pick(dates.dropLast()))"}}"#
        case 9:
            return
                #"{"key": "loc", "geo_radius": {"center": {"lon": \#(random.below(40) - 20), "lat": \#(random.below(40) - 20)}, "radius": \#(random.below(1_500_000))}}"#
        case 10:
            let west = random.below(40) - 20, south = random.below(40) - 20
            return
                #"{"key": "loc", "geo_bounding_box": {"top_left": {"lon": \#(west), "lat": \#(south + random.below(20))}, "bottom_right": {"lon": \#(west + random.below(20)), "lat": \#(south)}}}"#
        case 11:
            return
                #"{"key": "body", "match": {"text": "\#(random.pick(words)) \#(random.pick(words))"}}"#
        case 12: return #"{"key": "body", "match": {"text_any": "\#(random.pick(words)) zebra"}}"#
        case 13:
            return
                #"{"key": "body", "match": {"phrase": "\#(random.pick(words)) \#(random.pick(words))"}}"#
        case 14: return #"{"key": "uid", "match": {"value": "\#(random.pick(uuids))"}}"#
        case 15: return #"{"key": "flag", "match": {"value": \#(random.pick(["true", "false"]))}}"#
        case 16:
            return
                #"{"key": "items[].sku", "match": {"value": "\#(random.pick(["a", "b", "c"]))"}}"#
        case 17:
            return
                #"{"nested": {"key": "items", "filter": {"must": [{"key": "sku", "match": {"value": "\#(random.pick(["a", "b"]))"}}, {"key": "qty", "range": {"gte": \#(random.below(5))}}]}}}"#
        case 18:
            return
                #"{"has_id": [\#(random.below(400)), \#(random.below(400)), \#(random.below(400))]}"#
        case 19:
            return random.pick([
                #"{"is_empty": {"key": "tag"}}"#, #"{"is_null": {"key": "n"}}"#,
                #"{"has_vector": "image"}"#,
            ])
        case 20:
            return #"{"key": "tag", "match": {"prefix": "\#(random.pick(["r", "R", "bl", ""]))"}}"#
        default: return filter(&random, depth: depth + 1)
        }
    }

    static func filter(_ random: inout SplitMix64, depth: Int) -> String {
        func list(_ count: Int) -> String {
            "[" + (0..<count).map { _ in condition(&random, depth: depth) }.joined(separator: ", ")
                + "]"
        }
        var clauses: [String] = []
        if random.below(4) > 0 { clauses.append(#""must": \#(list(1 + random.below(3)))"#) }
        if random.below(3) == 0 { clauses.append(#""should": \#(list(random.below(3)))"#) }
        if random.below(4) == 0 { clauses.append(#""must_not": \#(list(1 + random.below(2)))"#) }
        if random.below(6) == 0 {
            clauses.append(
                #""min_should": {"min_count": \#(1 + random.below(2)), "conditions": \#(list(2 + random.below(2)))}"#
            )
        }
        return "{" + clauses.joined(separator: ", ") + "}"
    }
}
