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
            .rrf(k: 2, weights: nil))
        XCTAssertEqual(fused.map(\.id), [.number(1), .number(3), .number(2), .number(4)])
        XCTAssertEqual(fused[0].score, Float(1.0 / 3 + 1.0 / 4), accuracy: 1e-6)
    }

    func testRRFWeightsFavourAList() {
        let fused = QueryExecutor.fuse([list([(1, 1)]), list([(2, 1)])],
                                       .rrf(k: 2, weights: [1, 3]))
        XCTAssertEqual(fused.map(\.id), [.number(2), .number(1)])
    }

    func testDistributionBasedFusionNormalisesEachList() {
        // The second list's scale is 1000× the first; normalised, both count the same.
        let fused = QueryExecutor.fuse(
            [list([(1, 0.9), (2, 0.1)]), list([(2, 900), (1, 100)])], .dbsf)
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
