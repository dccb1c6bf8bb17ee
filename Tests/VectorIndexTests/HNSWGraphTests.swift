import XCTest
@testable import VectorIndex

final class HNSWGraphTests: XCTestCase {
    func testRecallAtTenReachesFloorAgainstExactSearch() throws {
        let start = Date()
        let vectors = randomVectors(count: 5_000, dimension: 32, seed: 1)
        let graph = try makeGraph(vectors)
        print("build", Date().timeIntervalSince(start))
        let queries = randomVectors(count: 200, dimension: 32, seed: 2)
        let approximate = try queries.map { try graph.search(query: $0, k: 10, ef: 64) }
        let exact = try queries.map { try graph.exactSearch(query: $0, k: 10) }
        print("total", Date().timeIntervalSince(start))
        XCTAssertGreaterThanOrEqual(recall(approximate: approximate, exact: exact), 0.95)
        print(recall(approximate: approximate, exact: exact))
        try graph.checkInvariants()
    }
}
