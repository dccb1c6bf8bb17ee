import XCTest
@testable import VectorIndex

final class CandidateHeapTests: XCTestCase {
    private func randomCandidates(_ count: Int, seed: UInt64) -> [Candidate] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map {
            Candidate(rank: Float(Int.random(in: 0..<50, using: &generator)), slot: Slot($0))
        }
    }

    func testNearestFirstPopsInAscendingRank() {
        let heap = CandidateHeap<NearestFirst>(capacity: 4)  // forces growth
        let input = randomCandidates(500, seed: 1)
        input.forEach(heap.push)
        var popped: [Float] = []
        while !heap.isEmpty { popped.append(heap.pop().rank) }
        XCTAssertEqual(popped, input.map(\.rank).sorted())
    }

    func testFarthestFirstKeepsTheKSmallestWithReplaceTop() {
        let heap = CandidateHeap<FarthestFirst>()
        let input = randomCandidates(1_000, seed: 2)
        for candidate in input {
            if heap.count < 10 {
                heap.push(candidate)
            } else if candidate.rank < heap.top.rank {
                heap.replaceTop(with: candidate)
            }
        }
        let smallest = Array(input.map(\.rank).sorted().prefix(10))
        XCTAssertEqual(heap.drain().map(\.rank).sorted(), smallest)
        XCTAssertTrue(heap.isEmpty)
    }
}
