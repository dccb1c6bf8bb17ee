import VectorStore
import XCTest

@testable import VecService

final class FusionTests: XCTestCase {
    private func list(_ pairs: [(UInt64, Float)]) -> [ScoredPoint] {
        pairs.map { ScoredPoint(id: .number($0.0), score: $0.1) }
    }

    func testReciprocalRankFusionRewardsAgreement() {
        let fused = QueryExecutor.fuse(
            [list([(1, 0.9), (2, 0.8), (3, 0.7)]), list([(3, 5), (1, 4), (4, 3)])],
            .rrf(k: 2, weights: nil)
        )
        XCTAssertEqual(fused.map(\.id), [.number(1), .number(3), .number(2), .number(4)])
        XCTAssertEqual(fused[0].score, Float(1.0 / 3 + 1.0 / 4), accuracy: 1e-6)
    }

    func testRRFWeightsFavourAList() {
        let fused = QueryExecutor.fuse(
            [list([(1, 1)]), list([(2, 1)])],
            .rrf(k: 2, weights: [1, 3])
        )
        XCTAssertEqual(fused.map(\.id), [.number(2), .number(1)])
    }

    func testDistributionBasedFusionNormalisesEachList() {
        // The second list's scale is 1000× the first; normalised, both count the same.
        let fused = QueryExecutor.fuse(
            [list([(1, 0.9), (2, 0.1)]), list([(2, 900), (1, 100)])],
            .dbsf
        )
        XCTAssertEqual(fused.count, 2)
        XCTAssertEqual(fused[0].score, fused[1].score, accuracy: 1e-6)
    }

    func testHasIDIsAddedToTheFilterKeepingItsConditions() {
        let filter: JSONValue = ["must": ["key": "a", "match": ["value": 1]], "should": []]
        let combined = QueryExecutor.adding(hasID: [.number(4)], to: filter, negated: false)
        XCTAssertEqual(combined["must"], [["key": "a", "match": ["value": 1]], ["has_id": [4]]])
        XCTAssertEqual(combined["should"], [])
        let excluded = QueryExecutor.adding(hasID: [.number(9)], to: nil, negated: true)
        XCTAssertEqual(excluded, ["must_not": [["has_id": [9]]]])
    }
}

final class GroupingTests: XCTestCase {
    private func hit(_ id: UInt64, _ score: Float, _ group: JSONValue) -> ScoredPoint {
        ScoredPoint(id: .number(id), score: score, payload: ["g": group])
    }

    func testGroupsKeepBestHitOrderAndRespectSizeAndLimit() {
        let hits = [
            hit(1, 0.9, "a"), hit(2, 0.8, "b"), hit(3, 0.7, "a"), hit(4, 0.6, "a"),
            hit(5, 0.5, "c"), hit(6, 0.4, ["b", "d"]), hit(7, 0.3, 1.5),
        ]
        let groups = GroupRoutes.group(hits, by: "g", size: 2, limit: 3)
        XCTAssertEqual(groups.map(\.id), ["a", "b", "c"])
        XCTAssertEqual(groups[0].hits.map(\.id), [.number(1), .number(3)])
        XCTAssertEqual(
            groups[1].hits.map(\.id),
            [.number(2), .number(6)],
            "arrays join each group"
        )
        XCTAssertFalse(GroupRoutes.isFull(groups, size: 2, limit: 3))
        XCTAssertEqual(GroupRoutes.values(at: "g", in: ["g": 1.5]), [], "floats name no group")
    }
}
