import XCTest
@testable import VectorIndex

/// Updates move nodes: the neighbourhood they leave must be repaired, or recall decays with
/// every round of updates (without the repair this test measured 0.766 against 0.869).
final class HNSWGraphUpdateTests: XCTestCase {
    static let count = 4_000
    static let dimension = 24

    /// Recall@10 at a small `ef`, where a damaged graph shows: at a large `ef` the search
    /// covers enough of the graph to hide broken links.
    private func recallAtSmallEf(_ graph: HNSWGraph) throws -> Double {
        let queries = randomVectors(count: 300, dimension: Self.dimension, seed: 903)
        return try searchRecall(graph, queries: queries, k: 10, ef: 16)
    }

    func testRepeatedUpdatesOfHalfTheVectorsKeepRecallOfAFreshBuild() throws {
        var vectors = randomVectors(count: Self.count, dimension: Self.dimension, seed: 901)
        let graph = try makeGraph(vectors)
        var generator = SeededGenerator(seed: 902)
        for round in 0..<4 {
            let moved = (0..<Self.count).filter { _ in Bool.random(using: &generator) }
            let targets = randomVectors(
                count: moved.count, dimension: Self.dimension, seed: 910 + UInt64(round))
            for (slot, vector) in zip(moved, targets) {
                vectors[slot] = vector
                try graph.insert(slot: Slot(slot), vector: vector)
            }
            try graph.checkInvariants()
        }
        let updated = try recallAtSmallEf(graph)
        let fresh = try recallAtSmallEf(makeGraph(vectors))
        XCTAssertGreaterThanOrEqual(updated, fresh - 0.02, "updated \(updated), fresh \(fresh)")
    }

    func testUpdatesReportEveryRepairedListAndOnlyChangedOnes() throws {
        let graph = try makeGraph(randomVectors(count: 600, dimension: 8, seed: 921), m: 4)
        let targets = randomVectors(count: 200, dimension: 8, seed: 922)
        var repairedSomething = false
        for (i, vector) in targets.enumerated() {
            let slot = Slot(i * 3)
            let before = (0..<graph.slotCount).map { graph.nodeRecord(at: Slot($0)) }
            let reported = try graph.insert(slot: slot, vector: vector)
            let after = (0..<graph.slotCount).map { graph.nodeRecord(at: Slot($0)) }
            let changed = Set((0..<after.count).filter { before[$0] != after[$0] }.map(Slot.init))
            XCTAssertTrue(changed.isSubset(of: reported), "update \(i) missed some")
            XCTAssertTrue(reported.subtracting([slot]).isSubset(of: changed))
            // A repaired list is one that named the slot and no longer does, or was re-chosen.
            repairedSomething = repairedSomething || changed.contains {
                $0 != slot && before[Int($0)]!.neighbors.joined().contains(slot)
                    && !after[Int($0)]!.neighbors.joined().contains(slot)
            }
        }
        XCTAssertTrue(repairedSomething, "some old neighbour dropped a moved node")
        try graph.checkInvariants()
    }
}
