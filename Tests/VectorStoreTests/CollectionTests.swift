import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

final class CollectionTests: XCTestCase {
    private func namedConfig() -> CollectionConfig {
        CollectionConfig(
            vectors: [
                "text": VectorParams(size: 3, distance: .dot),
                "image": VectorParams(size: 2, distance: .euclid, hnsw: HNSWConfig(m: 8)),
            ],
            usesNamedVectors: true,
            hnsw: HNSWConfig(m: 32, efConstruct: 64, extra: ["on_disk": false]),
            onDiskPayload: false,
            embeddingModel: "bge-small",
            extra: [
                "optimizers_config": ["indexing_threshold": 20000],
                "wal_config": ["wal_capacity_mb": 32],
            ]
        )
    }

    func testConfigPointsAndPayloadIndexesPersistAcrossRestart() throws {
        let fixture = try TemporaryStore()
        do {
            let session = try fixture.session()
            try session.createCollection("docs", config: namedConfig())
            try session.upsert(
                "docs",
                points: [
                    Point(
                        id: .number(1),
                        vectors: ["text": [1, 2, 3], "image": [1, 1]],
                        payload: ["k": "v"]
                    )
                ],
                durability: .synced
            )
            try session.createPayloadIndex(
                "docs",
                field: "k",
                schema: PayloadFieldSchema(kind: .keyword, parameters: ["is_tenant": true]),
                durability: .synced
            )
            try session.createPayloadIndex(
                "docs",
                field: "n",
                schema: PayloadFieldSchema(kind: .integer),
                durability: .synced
            )
            try session.deletePayloadIndex("docs", field: "n", durability: .synced)
        }
        try fixture.reopen()
        let session = try fixture.session(create: false)
        let info = try session.collectionInfo("docs")
        XCTAssertEqual(info.config, namedConfig())
        XCTAssertEqual(info.pointsCount, 1)
        XCTAssertEqual(info.payloadSchema.keys.sorted(), ["k"])
        XCTAssertEqual(
            info.payloadSchema["k"]?.schema,
            PayloadFieldSchema(kind: .keyword, parameters: ["is_tenant": true])
        )
        XCTAssertEqual(info.payloadSchema["k"]?.points, 1)
        let record = try session.retrieve("docs", ids: [.number(1)], payload: .all, vectors: .all)
        XCTAssertEqual(
            record.first?.vectors?["text"],
            [1, 2, 3],
            "Dot vectors are stored as given"
        )
        XCTAssertEqual(record.first?.payload, ["k": "v"])
    }

    func testCollectionLifecycleAndNameRules() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        XCTAssertThrowsError(
            try session.createCollection("docs", config: singleVectorConfig(size: 2))
        ) {
            guard case StoreError.collectionExists("docs") = $0 else { return XCTFail("\($0)") }
        }
        for bad in ["", "a/b", "nul\u{0}", String(repeating: "x", count: 256)] {
            XCTAssertThrowsError(
                try session.createCollection(bad, config: singleVectorConfig(size: 2))
            ) {
                guard case StoreError.invalidArgument(let field, let message) = $0 else {
                    return XCTFail("\($0)")
                }
                XCTAssertEqual(field, "collection_name")
                XCTAssertTrue(message.contains("collection name"), message)
            }
        }
        XCTAssertThrowsError(
            try session.createCollection("zero", config: singleVectorConfig(size: 0))
        ) {
            guard case StoreError.invalidArgument(let field, _) = $0 else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual(field, "vectors.size")
        }
        XCTAssertTrue(try session.collectionExists("docs"))
        XCTAssertTrue(try session.deleteCollection("docs"))
        XCTAssertFalse(try session.deleteCollection("docs"))
        XCTAssertFalse(try session.collectionExists("docs"))
    }

    func testRecreatedCollectionStartsEmpty() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        try session.upsert(
            "docs",
            points: (0..<50).map { point($0, [1, Float($0)]) },
            durability: .synced
        )
        _ = try session.search("docs", request: SearchRequest(vector: [1, 0]))
        XCTAssertTrue(try session.deleteCollection("docs"))
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        XCTAssertEqual(try session.count("docs", filter: nil, exact: true), 0)
        XCTAssertEqual(try session.scroll("docs", request: ScrollRequest(limit: 100)).points, [])
        XCTAssertEqual(try session.search("docs", request: SearchRequest(vector: [1, 0])), [])
        try fixture.reopen()
        let reopened = try fixture.session(create: false)
        XCTAssertEqual(try reopened.scroll("docs", request: ScrollRequest(limit: 100)).points, [])
    }

    func testUpsertIsIdempotentAndReplaces() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2, distance: .dot))
        let points = [point(1, [1, 2], ["a": 1]), point(2, [3, 4])]
        try session.upsert("docs", points: points, durability: .synced)
        try session.upsert("docs", points: points, durability: .synced)
        XCTAssertEqual(try session.count("docs", filter: nil, exact: true), 2)
        try session.upsert("docs", points: [point(1, [5, 6], ["b": 2])], durability: .buffered)
        let records = try session.retrieve(
            "docs",
            ids: [.number(1), .number(9)],
            payload: .all,
            vectors: .all
        )
        XCTAssertEqual(
            records, [Record(id: .number(1), payload: ["b": 2], vectors: ["": [5, 6]], version: 3)])
        XCTAssertEqual(try session.count("docs", filter: nil, exact: true), 2)
    }

    func testARequestWithOneBadPointWritesNothing() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("multi", config: namedConfig())
        let good = Point(id: .number(1), vectors: ["text": [1, 2, 3]])
        let cases: [(Point, (StoreError) -> Bool)] = [
            (
                Point(id: .number(2), vectors: ["image": [1, 2, 3]]),
                {
                    if case .dimensionMismatch("image", 2, 3) = $0 {
                        return true
                    } else {
                        return false
                    }
                }
            ),
            (
                Point(id: .number(3), vectors: ["audio": [1]]),
                {
                    if case .vectorNameNotFound("audio") = $0 { return true } else { return false }
                }
            ),
            (
                Point(id: .number(4), vectors: ["text": [1, .nan, 3]]),
                {
                    if case .invalidArgument("vector", _) = $0 { return true } else { return false }
                }
            ),
        ]
        for (bad, isExpected) in cases {
            XCTAssertThrowsError(
                try session.upsert("multi", points: [good, bad], durability: .synced)
            ) {
                XCTAssertTrue(isExpected($0 as! StoreError), "\($0)")
            }
        }
        XCTAssertEqual(try session.count("multi", filter: nil, exact: true), 0)
        XCTAssertTrue(
            "\(StoreError.dimensionMismatch(vector: "image", expected: 2, actual: 3))".contains(
                "image"
            )
        )
    }

    func testUUIDAndNumberIDsScrollInIDOrderWithNextPageOffset() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        let uuid = PointID(uuidString: "550e8400-e29b-41d4-a716-446655440000")!
        var ids: [PointID] = (0..<25).map { .number(UInt64($0 * 7 % 25)) }
        ids.append(uuid)
        try session.upsert(
            "docs",
            points: ids.map { Point(id: $0, vectors: ["": [1, 1]]) },
            durability: .synced
        )
        var collected: [PointID] = []
        var offset: PointID?
        repeat {
            let page = try session.scroll(
                "docs",
                request: ScrollRequest(limit: 10, offset: offset, payload: .none)
            )
            XCTAssertLessThanOrEqual(page.points.count, 10)
            collected += page.points.map(\.id)
            offset = page.nextOffset
        } while offset != nil
        XCTAssertEqual(collected, ids.sorted())
        XCTAssertEqual(collected.last, uuid)
        let spelled = PointID(uuidString: "550E8400E29B41D4A716446655440000")!
        XCTAssertEqual(
            try session.retrieve("docs", ids: [spelled], payload: .none, vectors: .none).map(\.id),
            [uuid]
        )
    }

    func testPayloadSetOverwriteDeleteAndClear() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        try session.upsert(
            "docs",
            points: [
                point(1, [1, 0], ["a": 1, "meta": ["x": 1, "y": 2]]), point(2, [0, 1], ["a": 2]),
            ],
            durability: .synced
        )
        let one: PointSelection = .ids([.number(1)])
        func payload(_ id: UInt64) throws -> [String: JSONValue]? {
            try session.retrieve("docs", ids: [.number(id)], payload: .all, vectors: .none).first?
                .payload
        }
        try session.setPayload(
            "docs",
            payload: ["b": true],
            selection: one,
            key: nil,
            durability: .synced
        )
        XCTAssertEqual(try payload(1), ["a": 1, "b": true, "meta": ["x": 1, "y": 2]])
        try session.setPayload(
            "docs",
            payload: ["z": 3],
            selection: one,
            key: "meta.deep",
            durability: .synced
        )
        XCTAssertEqual(try payload(1)?["meta"], ["x": 1, "y": 2, "deep": ["z": 3]])
        try session.deletePayload(
            "docs",
            keys: ["meta.x", "a"],
            selection: one,
            durability: .synced
        )
        XCTAssertEqual(try payload(1), ["b": true, "meta": ["y": 2, "deep": ["z": 3]]])
        try session.overwritePayload(
            "docs",
            payload: ["only": "this"],
            selection: one,
            durability: .synced
        )
        XCTAssertEqual(try payload(1), ["only": "this"])
        // A listed point that does not exist refuses the whole edit, as Qdrant's 404 does.
        XCTAssertThrowsError(
            try session.clearPayload(
                "docs", selection: .ids([.number(1), .number(99)]), durability: .synced)
        ) { error in
            guard case StoreError.pointNotFound(.number(99)) = error else {
                return XCTFail("expected pointNotFound(99), got \(error)")
            }
        }
        XCTAssertEqual(try payload(1), ["only": "this"])
        try session.clearPayload(
            "docs",
            selection: .ids([.number(1), .number(2)]),
            durability: .synced
        )
        XCTAssertEqual(try payload(1), [:])
        XCTAssertEqual(try payload(2), [:])
        XCTAssertEqual(
            try session.count("docs", filter: nil, exact: true),
            2,
            "payload ops never add points"
        )
        let vectors = try session.retrieve("docs", ids: [.number(1)], payload: .none, vectors: .all)
        XCTAssertEqual(vectors.first?.vectors, ["": [1, 0]], "payload writes keep vectors")
    }

    func testPayloadAndVectorSelectors() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("multi", config: namedConfig())
        try session.upsert(
            "multi",
            points: [
                Point(
                    id: .number(1),
                    vectors: ["text": [1, 2, 3], "image": [3, 4]],
                    payload: ["a": 1, "b": ["c": 2, "d": 3]]
                )
            ],
            durability: .synced
        )
        func read(_ payload: PayloadSelector, _ vectors: VectorSelector) throws -> Record {
            try session.retrieve("multi", ids: [.number(1)], payload: payload, vectors: vectors)[0]
        }
        XCTAssertNil(try read(.none, .none).payload)
        XCTAssertNil(try read(.none, .none).vectors)
        XCTAssertEqual(try read(.include(["a", "b.c"]), .none).payload, ["a": 1, "b": ["c": 2]])
        XCTAssertEqual(try read(.exclude(["b.d"]), .none).payload, ["a": 1, "b": ["c": 2]])
        XCTAssertEqual(try read(.none, .named(["image"])).vectors, ["image": [3, 4]])
        XCTAssertEqual(try read(.none, .all).vectors?.keys.sorted(), ["image", "text"])
    }

    func testScrollOrderByPayloadFieldListsNumbersAndDatetimes() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        let prices: [UInt64: JSONValue] = [1: 30, 2: 10.5, 3: 20, 4: "n/a", 5: nil, 6: [5, 40]]
        try session.upsert(
            "docs",
            points: prices.map {
                point($0.key, [1, 0], $0.value.isNull ? [:] : ["price": $0.value])
            },
            durability: .synced
        )
        let ascending = try session.scroll(
            "docs",
            request: ScrollRequest(
                limit: 4,
                payload: .none,
                orderBy: (key: "price", descending: false)
            )
        )
        XCTAssertEqual(
            ascending.points.map(\.id),
            [.number(6), .number(2), .number(3), .number(1)]
        )
        XCTAssertNil(ascending.nextOffset)
        let descending = try session.scroll(
            "docs",
            request: ScrollRequest(
                limit: 10,
                payload: .none,
                orderBy: (key: "price", descending: true),
                orderStartFrom: .integer(25)
            )
        )
        // A point is listed once per value; text that is no datetime is not a sort value.
        XCTAssertEqual(descending.points.map(\.id), [.number(3), .number(2), .number(6)])
        try session.upsert(
            "docs",
            points: [
                point(7, [1, 0], ["at": "2024-01-02T00:00:00Z"]),
                point(8, [1, 0], ["at": "2023-05-01T10:00:00+02:00"]),
            ],
            durability: .synced
        )
        let dated = try session.scroll(
            "docs",
            request: ScrollRequest(
                limit: 5,
                payload: .none,
                orderBy: (key: "at", descending: false)
            )
        )
        XCTAssertEqual(dated.points.map(\.id), [.number(8), .number(7)])
    }

    func testFacetCountsEachValueOncePerPoint() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        try session.upsert(
            "docs",
            points: [
                point(1, [1, 0], ["tag": ["red", "red", "blue"]]),
                point(2, [1, 0], ["tag": "red"]),
                point(3, [1, 0], ["tag": "green"]), point(4, [1, 0], ["tag": 7]), point(5, [1, 0]),
            ],
            durability: .synced
        )
        let hits = try session.facet("docs", key: "tag", filter: nil, limit: 3, exact: true)
        XCTAssertEqual(hits.map(\.value), ["red", 7, "blue"])
        XCTAssertEqual(hits.map(\.count), [2, 1, 1])
    }
}
