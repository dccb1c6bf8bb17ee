import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

final class SearchTests: XCTestCase {
    func testB29ZeroVectorsAreStoredAsGivenAndScoreZero() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("z", config: singleVectorConfig(size: 4, distance: .cosine))
        try session.upsert(
            "z",
            points: [point(1, [0, 0, 0, 0]), point(2, [1, 0, 0, 0])],
            durability: .synced
        )
        let first = try session.search(
            "z",
            request: SearchRequest(vector: [1, 0, 0, 0], limit: 2, vectors: .all)
        )
        XCTAssertEqual(first.map(\.id), [.number(2), .number(1)])
        XCTAssertEqual(first.map(\.score), [1, 0])
        XCTAssertEqual(first[1].vectors, ["": [0, 0, 0, 0]])
        let second = try session.search(
            "z",
            request: SearchRequest(vector: [0, 0, 0, 0], limit: 2)
        )
        XCTAssertEqual(second.map(\.score), [0, 0])
        XCTAssertTrue(second.allSatisfy { $0.score.isFinite })
    }

    func testCosineVectorsAreNormalisedOnWrite() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("c", config: singleVectorConfig(size: 2, distance: .cosine))
        try session.upsert("c", points: [point(1, [3, 4])], durability: .synced)
        let record = try session.retrieve("c", ids: [.number(1)], payload: .none, vectors: .all)
        let stored = try XCTUnwrap(record.first?.vectors?[""])
        XCTAssertEqual(stored[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(stored[1], 0.8, accuracy: 1e-6)
        let hit = try session.search("c", request: SearchRequest(vector: [6, 8], limit: 1))
        XCTAssertEqual(hit.first?.score ?? 0, 1, accuracy: 1e-6)
    }

    func testB11DeleteAndReAddFindsTheRightPoint() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("b11", config: singleVectorConfig(size: 2, distance: .cosine))
        let points = [point(1, [0.1, 0.7]), point(2, [-10.1, -0.7]), point(3, [5.1, 7])]
        try session.upsert("b11", points: points, durability: .synced)
        _ = try session.search("b11", request: SearchRequest(vector: [1, 1]))
        try session.delete(
            "b11",
            selection: .ids([.number(2), .number(1), .number(3)]),
            durability: .synced
        )
        try session.upsert("b11", points: points, durability: .synced)
        let hit = try session.search(
            "b11",
            request: SearchRequest(vector: [-10.1, -0.7], limit: 1)
        )
        XCTAssertEqual(hit.first?.id, .number(2))
        XCTAssertEqual(hit.first?.score ?? 0, 1, accuracy: 1e-5)
        for round in 0..<5 {
            try session.delete("b11", selection: .ids([.number(2)]), durability: .synced)
            try session.upsert(
                "b11",
                points: [point(2, [Float(round + 1), 1])],
                durability: .synced
            )
        }
        let record = try session.retrieve("b11", ids: [.number(2)], payload: .none, vectors: .all)
        let latest = Distance.cosine.normalizedIfNeeded([5, 1])
        XCTAssertEqual(record.first?.vectors?[""], latest)
        XCTAssertEqual(try session.count("b11", filter: nil, exact: true), 3)
    }

    func testB13DeleteRemovesEveryVersionBeforeAndAfterRestart() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("b13", config: singleVectorConfig(size: 8, distance: .cosine))
        var generator = SeededGenerator(seed: 13)
        let ids = (1...200).map { UInt64($0) }
        try session.upsert(
            "b13",
            points: ids.map { point($0, generator.vector(dimension: 8)) },
            durability: .synced
        )
        _ = try session.search(
            "b13",
            request: SearchRequest(vector: generator.vector(dimension: 8))
        )
        try session.upsert(
            "b13",
            points: ids.map { point($0, generator.vector(dimension: 8)) },
            durability: .synced
        )
        try session.delete("b13", selection: .ids(ids.map { .number($0) }), durability: .synced)
        func assertEmpty(_ session: TenantSession) throws {
            XCTAssertEqual(try session.count("b13", filter: nil, exact: true), 0)
            XCTAssertEqual(try session.scroll("b13", request: ScrollRequest(limit: 500)).points, [])
            let query = SearchRequest(vector: [1, 1, 1, 1, 1, 1, 1, 1], limit: 500, exact: true)
            XCTAssertEqual(try session.search("b13", request: query), [])
            XCTAssertEqual(
                try session.retrieve(
                    "b13",
                    ids: ids.map { .number($0) },
                    payload: .all,
                    vectors: .all
                ),
                []
            )
        }
        try assertEmpty(session)
        try fixture.reopen()
        try assertEmpty(try fixture.session(create: false))
    }

    func testExactSearchMatchesABruteForceOracleForEveryDistance() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        var generator = SeededGenerator(seed: 7)
        let vectors = (0..<300).map { _ in generator.vector(dimension: 16) }
        let query = generator.vector(dimension: 16)
        for distance in Distance.allCases {
            let name = distance.rawValue
            try session.createCollection(
                name,
                config: singleVectorConfig(size: 16, distance: distance)
            )
            try session.upsert(
                name,
                points: vectors.enumerated().map { point(UInt64($0.offset), $0.element) },
                durability: .buffered
            )
            let hits = try session.search(
                name,
                request: SearchRequest(vector: query, limit: 10, offset: 5)
            )
            let oracle = vectors.enumerated().map {
                ($0.offset, oracleScore(distance, query, $0.element))
            }
            .sorted { lhs, rhs in
                guard lhs.1 != rhs.1 else { return lhs.0 < rhs.0 }
                return distance.higherScoreIsBetter ? lhs.1 > rhs.1 : lhs.1 < rhs.1
            }
            XCTAssertEqual(hits.map(\.id), oracle[5..<15].map { .number(UInt64($0.0)) }, name)
            for (hit, expected) in zip(hits, oracle[5..<15]) {
                XCTAssertEqual(hit.score, expected.1, accuracy: 1e-4, name)
            }
        }
    }

    private func oracleScore(_ distance: Distance, _ a: [Float], _ b: [Float]) -> Float {
        switch distance {
        case .cosine:
            let norm = { (v: [Float]) in v.map { $0 * $0 }.reduce(0, +).squareRoot() }
            return zip(a, b).map(*).reduce(0, +) / (norm(a) * norm(b))
        case .dot: return zip(a, b).map(*).reduce(0, +)
        case .euclid: return zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        case .manhattan: return zip(a, b).map { abs($0 - $1) }.reduce(0, +)
        }
    }

    func testScoreThresholdVersionAndSelectors() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("e", config: singleVectorConfig(size: 2, distance: .euclid))
        try session.upsert(
            "e",
            points: [point(1, [0, 0], ["p": 1]), point(2, [3, 4])],
            durability: .synced
        )
        try session.upsert("e", points: [point(3, [1, 0])], durability: .synced)
        let hits = try session.search(
            "e",
            request: SearchRequest(vector: [0, 0], limit: 10, scoreThreshold: 1, payload: .all)
        )
        XCTAssertEqual(hits.map(\.id), [.number(1), .number(3)], "distance above threshold is cut")
        XCTAssertEqual(hits.map(\.score), [0, 1])
        XCTAssertEqual(hits[0].payload, ["p": 1])
        XCTAssertLessThan(hits[0].version, hits[1].version)
        XCTAssertThrowsError(try session.search("e", request: SearchRequest(vector: [1, 2, 3]))) {
            guard case StoreError.dimensionMismatch("", 2, 3) = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(
            try session.search("e", request: SearchRequest(vector: [1, 2], using: "nope"))
        ) {
            guard case StoreError.vectorNameNotFound("nope") = $0 else { return XCTFail("\($0)") }
        }
    }

    func testSearchSeesWritesMadeAfterTheVectorTableWasLoaded() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("c", config: singleVectorConfig(size: 2, distance: .dot))
        try session.upsert("c", points: [point(1, [1, 0])], durability: .synced)
        XCTAssertEqual(
            try session.search("c", request: SearchRequest(vector: [0, 1])).map(\.id),
            [.number(1)]
        )
        try session.upsert("c", points: [point(2, [0, 5])], durability: .synced)
        XCTAssertEqual(
            try session.search("c", request: SearchRequest(vector: [0, 1], limit: 1)).map(\.id),
            [.number(2)]
        )
        try session.upsert("c", points: [point(2, [0, -5])], durability: .synced)
        XCTAssertEqual(
            try session.search("c", request: SearchRequest(vector: [0, 1], limit: 1)).map(\.id),
            [.number(1)]
        )
        try session.delete("c", selection: .ids([.number(1)]), durability: .synced)
        XCTAssertEqual(
            try session.search("c", request: SearchRequest(vector: [0, 1])).map(\.id),
            [.number(2)]
        )
    }
}
