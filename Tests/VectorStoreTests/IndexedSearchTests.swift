import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

/// Search through the HNSW graph and the payload indexes, as the collection plans it.
final class IndexedSearchTests: XCTestCase {
    /// A config whose graph is used from the first point (threshold 0 KB).
    private func graphConfig(size: Int, distance: Distance = .cosine) -> CollectionConfig {
        CollectionConfig(
            vectors: [defaultVectorName: VectorParams(size: size, distance: distance)],
            hnsw: HNSWConfig(m: 16, efConstruct: 64, fullScanThreshold: 0)
        )
    }

    private func filled(
        _ fixture: TemporaryStore,
        count: Int,
        dimension: Int,
        config: CollectionConfig
    ) throws -> (TenantSession, [[Float]]) {
        let session = try fixture.session()
        try session.createCollection("c", config: config)
        var generator = SeededGenerator(seed: 5)
        let vectors = (0..<count).map { _ in generator.vector(dimension: dimension) }
        for start in stride(from: 0, to: count, by: 250) {
            let points = (start..<min(start + 250, count)).map {
                point(
                    UInt64($0),
                    vectors[$0],
                    ["group": .string($0 % 10 == 0 ? "rare" : "common"), "n": .int(Int64($0))]
                )
            }
            try session.upsert("c", points: points, durability: .buffered)
        }
        return (session, vectors)
    }

    func testGraphSearchRecallAgainstExactAndSameAnswersAfterRestart() throws {
        let fixture = try TemporaryStore()
        let (session, _) = try filled(
            fixture,
            count: 1500,
            dimension: 12,
            config: graphConfig(size: 12)
        )
        var generator = SeededGenerator(seed: 11)
        let queries = (0..<20).map { _ in generator.vector(dimension: 12) }
        var found = 0
        var before: [[ScoredPoint]] = []
        for query in queries {
            let approximate = try session.search(
                "c",
                request: SearchRequest(vector: query, limit: 10, ef: 64)
            )
            let exact = try session.search(
                "c",
                request: SearchRequest(vector: query, limit: 10, exact: true)
            )
            found += Set(approximate.map(\.id)).intersection(exact.map(\.id)).count
            before.append(approximate)
        }
        XCTAssertGreaterThanOrEqual(Double(found) / 200, 0.9, "recall@10")
        XCTAssertEqual(try session.collectionInfo("c").indexedVectorsCount, 1500)
        try fixture.reopen()
        let reopened = try fixture.session(create: false)
        for (query, expected) in zip(queries, before) {
            let after = try reopened.search(
                "c",
                request: SearchRequest(vector: query, limit: 10, ef: 64)
            )
            XCTAssertEqual(
                after.map(\.id),
                expected.map(\.id),
                "the restored graph answers as before"
            )
        }
    }

    func testB14SelectiveFilterReturnsTheFullLimitFromAnIndexedField() throws {
        let fixture = try TemporaryStore()
        var config = graphConfig(size: 8)
        config.hnsw.fullScanThreshold = 1  // 32 points of 8-d: the rare 200 exceed it
        let (session, _) = try filled(fixture, count: 2000, dimension: 8, config: config)
        try session.createPayloadIndex(
            "c",
            field: "group",
            schema: PayloadFieldSchema(kind: .keyword),
            durability: .synced
        )
        let filter = try Filter(
            json: JSONValue.parse(#"{"must":[{"key":"group","match":{"value":"rare"}}]}"#)
        )
        let query = SeededGenerator(seed: 3).vectorCopy(dimension: 8)
        let hits = try session.search(
            "c",
            request: SearchRequest(vector: query, filter: filter, limit: 10, payload: .all)
        )
        XCTAssertEqual(hits.count, 10)
        XCTAssertTrue(hits.allSatisfy { $0.payload?["group"] == "rare" })
        let exact = try session.search(
            "c",
            request: SearchRequest(vector: query, filter: filter, limit: 10, exact: true)
        )
        XCTAssertGreaterThanOrEqual(Set(hits.map(\.id)).intersection(exact.map(\.id)).count, 9)
        let all = try session.search(
            "c",
            request: SearchRequest(vector: query, filter: filter, limit: 250)
        )
        XCTAssertEqual(all.count, 200, "every rare point, none else")
    }

    func testFilteredCountScrollFacetAndDeleteAgreeWithAndWithoutIndexAndAfterRestart() throws {
        let fixture = try TemporaryStore()
        let (session, _) = try filled(
            fixture,
            count: 300,
            dimension: 4,
            config: singleVectorConfig(size: 4)
        )
        let filter = try Filter(
            json: JSONValue.parse(#"{"must":[{"key":"n","range":{"gte":100,"lt":160}}]}"#)
        )
        let unindexed = try session.count("c", filter: filter, exact: true)
        XCTAssertEqual(unindexed, 60)
        try session.createPayloadIndex(
            "c",
            field: "n",
            schema: PayloadFieldSchema(kind: .integer),
            durability: .synced
        )
        XCTAssertEqual(try session.count("c", filter: filter, exact: true), 60)
        try fixture.reopen()
        let reopened = try fixture.session(create: false)
        XCTAssertEqual(try reopened.collectionInfo("c").payloadSchema["n"]?.points, 300)
        XCTAssertEqual(try reopened.count("c", filter: filter, exact: true), 60)
        let page = try reopened.scroll(
            "c",
            request: ScrollRequest(filter: filter, limit: 25, offset: .number(120))
        )
        XCTAssertEqual(page.points.map(\.id), (120..<145).map { .number(UInt64($0)) })
        XCTAssertEqual(page.nextOffset, .number(145))
        let facet = try reopened.facet("c", key: "group", filter: filter, limit: 5, exact: true)
        XCTAssertEqual(facet.map(\.value), ["common", "rare"])
        XCTAssertEqual(facet.map(\.count), [54, 6])
        try reopened.delete("c", selection: .filter(filter), durability: .synced)
        XCTAssertEqual(try reopened.count("c", filter: nil, exact: true), 240)
        XCTAssertEqual(try reopened.count("c", filter: filter, exact: true), 0)
        let hits = try reopened.search(
            "c",
            request: SearchRequest(vector: [1, 1, 1, 1], filter: filter, limit: 10)
        )
        XCTAssertEqual(hits, [])
    }

    /// Exact index answers are trusted without reading payloads (B14's speed fix), so they
    /// must agree with the payload check: an integer index must not count a float `3.0`, a
    /// string "3" or a missing key for `value: 3`; an unindexed `must` condition and a
    /// `must_not` must still be checked; updates and deletes must move points out.
    func testTrustedIndexAnswersAgreeWithThePayloadCheckThroughChurn() throws {
        let fixture = try TemporaryStore()
        var config = graphConfig(size: 4)
        config.hnsw.fullScanThreshold = 1  // 64 points of 4-d: bigger answers walk the graph
        let session = try fixture.session()
        try session.createCollection("c", config: config)
        var generator = SeededGenerator(seed: 11)
        let values: [JSONValue] = [.int(3), .double(3.0), .string("3"), .array([.int(3), .int(4)]),
                                   .int(4), .null]
        func payload(_ row: Int) -> [String: JSONValue] {
            var payload: [String: JSONValue] = ["other": .int(Int64(row % 2))]
            if row % 7 != 6 { payload["n"] = values[row % values.count] }
            return payload
        }
        let points = (0..<600).map {
            point(UInt64($0), generator.vector(dimension: 4), payload($0))
        }
        try session.upsert("c", points: points, durability: .buffered)
        let filters = [
            #"{"must":[{"key":"n","match":{"value":3}}]}"#,
            #"{"must":[{"key":"n","match":{"any":[3,4]}}]}"#,
            #"{"must":[{"key":"n","match":{"value":3}},{"key":"other","match":{"value":1}}]}"#,
            #"{"must":[{"key":"n","match":{"value":3}}],"must_not":[{"key":"n","match":{"value":4}}]}"#,
            #"{"should":[{"key":"n","match":{"value":4}},{"key":"n","range":{"gte":3,"lte":3}}]}"#,
            #"{"must":[{"key":"n","match":{"value":4}}],"must_not":[{"has_id":[4,10,16]}]}"#,
            #"{"must":[{"is_empty":{"key":"n"}}],"must_not":[{"key":"other","match":{"value":0}}]}"#,
        ].map { try! Filter(json: JSONValue.parse($0)) }
        let query: [Float] = [0.3, -0.2, 0.9, 0.1]
        func answers() throws -> [[PointID]] {
            try filters.flatMap { filter -> [[PointID]] in
                let count = try session.count("c", filter: filter, exact: true)
                let all = try session.search(
                    "c", request: SearchRequest(vector: query, filter: filter, limit: 1000))
                let top = try session.search(
                    "c",
                    request: SearchRequest(vector: query, filter: filter, limit: 5, exact: true))
                XCTAssertEqual(all.count, count)
                return [all.map(\.id).sorted(), top.map(\.id)]
            }
        }
        let unindexed = try answers()
        let holdingThree = (0..<600).filter { [0, 3].contains($0 % 6) && $0 % 7 != 6 }
        XCTAssertEqual(unindexed[0].count, holdingThree.count, "int 3 and [3, 4] only")
        for field in ["n", "other"] {
            try session.createPayloadIndex(
                "c", field: field, schema: PayloadFieldSchema(kind: .integer),
                durability: .synced)
        }
        XCTAssertEqual(try answers(), unindexed)
        // Churn: points that held 3 now hold 3.5, and a tenth are deleted.
        let moved = points.filter { $0.payload["n"] == .int(3) }.map {
            Point(
                id: $0.id, vectors: [defaultVectorName: generator.vector(dimension: 4)],
                payload: ["n": .double(3.5), "other": .int(1)])
        }
        try session.upsert("c", points: moved, durability: .buffered)
        try session.delete(
            "c", selection: .ids((0..<60).map { .number(UInt64($0 * 10)) }),
            durability: .buffered)
        let indexed = try answers()
        try session.deletePayloadIndex("c", field: "n", durability: .synced)
        try session.deletePayloadIndex("c", field: "other", durability: .synced)
        XCTAssertEqual(indexed, try answers())
        XCTAssertFalse(indexed[0].contains { moved.map(\.id).contains($0) })
    }

    func testB13DeleteByFilterRemovesEveryVersionThroughTheGraph() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("b13", config: graphConfig(size: 8))
        var generator = SeededGenerator(seed: 13)
        let ids = (1...200).map { UInt64($0) }
        for _ in 0..<2 {
            try session.upsert(
                "b13",
                points: ids.map { point($0, generator.vector(dimension: 8), ["kind": "doc"]) },
                durability: .synced
            )
        }
        let filter = try Filter(
            json: JSONValue.parse(#"{"must":[{"key":"kind","match":{"value":"doc"}}]}"#)
        )
        try session.delete("b13", selection: .filter(filter), durability: .synced)
        for reopen in [false, true] {
            if reopen { try fixture.reopen() }
            let current = try fixture.session(create: false)
            XCTAssertEqual(try current.count("b13", filter: nil, exact: true), 0)
            XCTAssertEqual(try current.scroll("b13", request: ScrollRequest(limit: 500)).points, [])
            XCTAssertEqual(
                try current.search(
                    "b13",
                    request: SearchRequest(vector: generator.vector(dimension: 8), limit: 50)
                ),
                []
            )
            XCTAssertEqual(
                try current.retrieve(
                    "b13",
                    ids: ids.map { .number($0) },
                    payload: .all,
                    vectors: .all
                ),
                []
            )
            XCTAssertEqual(try current.collectionInfo("b13").indexedVectorsCount, 0)
        }
    }

    func testChurnTriggersCompactionAndTheGraphStillRestores() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("c", config: graphConfig(size: 4, distance: .euclid))
        var generator = SeededGenerator(seed: 21)
        var live: [UInt64: [Float]] = [:]
        for round in 0..<6 {
            let points = (0..<100).map { index -> Point in
                let id = UInt64(round * 100 + index)
                let vector = generator.vector(dimension: 4)
                live[id] = vector
                return point(id, vector)
            }
            try session.upsert("c", points: points, durability: .buffered)
            let doomed = live.keys.sorted().prefix(80)
            try session.delete(
                "c",
                selection: .ids(doomed.map { .number($0) }),
                durability: .buffered
            )
            for id in doomed { live.removeValue(forKey: id) }
        }
        try fixture.reopen()
        let reopened = try fixture.session(create: false)
        XCTAssertEqual(try reopened.count("c", filter: nil, exact: true), live.count)
        let (id, vector) = live.first!
        let hit = try reopened.search("c", request: SearchRequest(vector: vector, limit: 1))
        XCTAssertEqual(hit.first?.id, .number(id))
        XCTAssertEqual(hit.first?.score ?? 1, 0, accuracy: 1e-6)
        let all = try reopened.search("c", request: SearchRequest(vector: vector, limit: 1000))
        XCTAssertEqual(Set(all.map(\.id)), Set(live.keys.map { PointID.number($0) }))
    }

    func testNamedVectorsHaveSeparateGraphsAndAPointMayDropOne() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        let config = CollectionConfig(
            vectors: [
                "a": VectorParams(size: 2, distance: .dot),
                "b": VectorParams(size: 3, distance: .euclid),
            ],
            usesNamedVectors: true,
            hnsw: HNSWConfig(fullScanThreshold: 0)
        )
        try session.createCollection("n", config: config)
        try session.upsert(
            "n",
            points: [
                Point(id: .number(1), vectors: ["a": [1, 0], "b": [0, 0, 0]]),
                Point(id: .number(2), vectors: ["a": [0, 1]]),
            ],
            durability: .synced
        )
        XCTAssertEqual(
            try session.search("n", request: SearchRequest(vector: [0, 0, 1], using: "b")).map(
                \.id
            ),
            [.number(1)]
        )
        try session.upsert(
            "n",
            points: [Point(id: .number(1), vectors: ["a": [2, 0]])],
            durability: .synced
        )
        XCTAssertEqual(
            try session.search("n", request: SearchRequest(vector: [0, 0, 1], using: "b")),
            []
        )
        try fixture.reopen()
        let reopened = try fixture.session(create: false)
        XCTAssertEqual(
            try reopened.search("n", request: SearchRequest(vector: [0, 0, 1], using: "b")),
            []
        )
        let record = try reopened.retrieve("n", ids: [.number(1)], payload: .none, vectors: .all)
        XCTAssertEqual(record.first?.vectors, ["a": [2, 0]])
        XCTAssertEqual(
            try reopened.search("n", request: SearchRequest(vector: [1, 0], using: "a", limit: 1))
                .first?.score,
            2
        )
    }
}

extension SeededGenerator {
    /// One vector from a copy of this generator (for `let` fixtures).
    func vectorCopy(dimension: Int) -> [Float] {
        var copy = self
        return copy.vector(dimension: dimension)
    }
}
