import Dispatch
import XCTest
@testable import VectorIndex

final class HNSWGraphTests: XCTestCase {
    // MARK: - Recall

    func testRecallAtTenReachesFloorAgainstExactSearch() throws {
        let graph = try makeGraph(randomVectors(count: 5_000, dimension: 32, seed: 1))
        let queries = randomVectors(count: 200, dimension: 32, seed: 2)
        XCTAssertGreaterThanOrEqual(try searchRecall(graph, queries: queries), 0.95)
        try graph.checkInvariants()
    }

    func testEveryDistanceReachesRecallFloorAndReportsExactScores() throws {
        for distance in Distance.allCases {
            let graph = try makeGraph(
                randomVectors(count: 2_000, dimension: 16, seed: 5), distance: distance)
            let queries = randomVectors(count: 100, dimension: 16, seed: 6)
            let approximate = try queries.map { try graph.search(query: $0, k: 10, ef: 64) }
            XCTAssertGreaterThanOrEqual(
                try recall(of: approximate, in: graph, queries: queries, k: 10), 0.95,
                "\(distance)")
            // Scores are the distance's own, best first.
            let hit = approximate[0][0]
            let expected = distance.score(queries[0], graph.vector(at: hit.slot)!)
            XCTAssertEqual(hit.score, expected, accuracy: 1e-4, "\(distance)")
            let scores = approximate[0].map(\.score)
            XCTAssertEqual(scores, scores.sorted(by: distance.higherScoreIsBetter ? (>) : (<)))
        }
    }

    func testSearchWithEfCoveringTheGraphIsExact() throws {
        let graph = try makeGraph(randomVectors(count: 300, dimension: 8, seed: 9))
        for query in randomVectors(count: 20, dimension: 8, seed: 10) {
            XCTAssertEqual(
                try graph.search(query: query, k: 5, ef: 300).map(\.slot),
                try graph.exactSearch(query: query, k: 5).map(\.slot))
        }
    }

    // MARK: - Deletes and updates

    /// Case B10 at full size: 20,000 random 32-d Cosine points, half deleted, 2,000 queries.
    func testB10DeletingHalfStillReturnsLimitLiveResults() throws {
        let vectors = randomVectors(count: 20_000, dimension: 32, seed: 21)
        let graph = try makeGraph(vectors, distance: .cosine, efConstruction: 100)
        var generator = SeededGenerator(seed: 22)
        let shuffled = Array(0..<20_000).shuffled(using: &generator)
        let deleted = Set(shuffled.prefix(10_000).map(Slot.init))
        for slot in deleted { XCTAssertTrue(graph.delete(slot: slot)) }
        XCTAssertEqual(graph.count, 10_000)
        try graph.checkInvariants()

        let queries = randomVectors(count: 2_000, dimension: 32, seed: 23)
        var approximate: [[ScoredSlot]] = []
        var short = 0
        var leaked = 0
        for query in queries {
            let hits = try graph.search(query: query, k: 100, ef: 100)
            if hits.count != 100 { short += 1 }
            leaked += hits.filter { deleted.contains($0.slot) }.count
            approximate.append(hits)
        }
        XCTAssertEqual(short, 0, "queries with fewer than 100 results")
        XCTAssertEqual(leaked, 0, "deleted slots returned")
        XCTAssertGreaterThanOrEqual(
            try recall(of: approximate, in: graph, queries: queries, k: 100), 0.95)
    }

    func testB11DeleteAndReinsertSameSlotsFindsReinsertedPointWithScoreOne() throws {
        let points: [Slot: [Float]] = [1: [0.1, 0.7], 2: [-10.1, -0.7], 3: [5.1, 7]]
        for order in [[2, 1, 3], [1, 2, 3], [3, 2, 1], [1, 3, 2], [2, 3, 1], [3, 1, 2]] {
            let graph = try HNSWGraph(
                dimension: 2, distance: .cosine, parameters: .init(levelSeed: 1))
            for slot in points.keys.sorted() { try graph.insert(slot: slot, vector: points[slot]!) }
            for slot in order { XCTAssertTrue(graph.delete(slot: Slot(slot))) }
            for slot in points.keys.sorted() { try graph.insert(slot: slot, vector: points[slot]!) }

            let hits = try graph.search(query: [-10.1, -0.7], k: 1)
            XCTAssertEqual(hits.map(\.slot), [2], "deletion order \(order)")
            XCTAssertEqual(hits.first?.score ?? 0, 1, accuracy: 1e-6)
            XCTAssertLessThanOrEqual(hits.first?.score ?? 2, 1)
            try graph.checkInvariants()
        }

        let graph = try HNSWGraph(dimension: 2, distance: .cosine)
        for slot in points.keys.sorted() { try graph.insert(slot: slot, vector: points[slot]!) }
        for cycle in 0..<5 {
            graph.delete(slot: 2)
            try graph.insert(slot: 2, vector: [-10.1, Float(cycle)])
        }
        XCTAssertEqual(graph.vector(at: 2)!, Distance.cosine.normalizedIfNeeded([-10.1, 4]))
        XCTAssertEqual(graph.count, 3)
        XCTAssertEqual(try graph.search(query: [-10.1, 4], k: 1).map(\.slot), [2])
        try graph.checkInvariants()
    }

    func testUpdateReplacesVectorAndTheNodeIsFoundAtItsNewPlace() throws {
        let graph = try makeGraph(randomVectors(count: 1_000, dimension: 16, seed: 31))
        let moved = randomVectors(count: 200, dimension: 16, seed: 32)
        for (i, vector) in moved.enumerated() {
            let changed = try graph.insert(slot: Slot(i * 5), vector: vector)
            XCTAssertTrue(changed.contains(Slot(i * 5)))
        }
        XCTAssertEqual(graph.count, 1_000)
        for (i, vector) in moved.enumerated() {
            let hit = try graph.search(query: vector, k: 1, ef: 64).first
            XCTAssertEqual(hit?.slot, Slot(i * 5))
            XCTAssertEqual(hit?.score ?? -1, 0, accuracy: 1e-5)
        }
        let queries = randomVectors(count: 100, dimension: 16, seed: 33)
        XCTAssertGreaterThanOrEqual(try searchRecall(graph, queries: queries), 0.95)
        try graph.checkInvariants()
    }

    func testDeletingTheEntryPointPromotesALiveNode() throws {
        let graph = try makeGraph(randomVectors(count: 500, dimension: 8, seed: 41))
        for _ in 0..<20 {
            let entry = try XCTUnwrap(graph.metadata.entryPoint)
            XCTAssertTrue(graph.delete(slot: entry))
            let replacement = try XCTUnwrap(graph.metadata.entryPoint)
            XCTAssertTrue(graph.contains(replacement))
            try graph.checkInvariants()
        }
        let query = randomVectors(count: 1, dimension: 8, seed: 42)[0]
        XCTAssertEqual(try graph.search(query: query, k: 10).count, 10)
    }

    func testDeletingEveryNodeLeavesAnEmptyButUsableGraph() throws {
        let graph = try makeGraph(randomVectors(count: 200, dimension: 4, seed: 51))
        for slot in 0..<200 { graph.delete(slot: Slot(slot)) }
        XCTAssertFalse(graph.delete(slot: 0), "a second delete changes nothing")
        XCTAssertEqual(graph.count, 0)
        XCTAssertEqual(try graph.search(query: [1, 0, 0, 0], k: 5), [])
        try graph.checkInvariants()

        try graph.insert(slot: 500, vector: [1, 0, 0, 0])
        XCTAssertEqual(try graph.search(query: [1, 0, 0, 0], k: 5).map(\.slot), [500])
        try graph.checkInvariants()
    }

    func testCompactFreesDeletedSlotsRepairsListsAndKeepsRecall() throws {
        let vectors = randomVectors(count: 3_000, dimension: 16, seed: 61)
        let graph = try makeGraph(vectors)
        let deleted = (0..<3_000).filter { $0 % 3 == 0 }.map(Slot.init)
        deleted.forEach { graph.delete(slot: $0) }

        let result = graph.compact()
        XCTAssertEqual(result.freedSlots, deleted)
        XCTAssertFalse(result.changedSlots.isEmpty)
        XCTAssertTrue(result.changedSlots.isDisjoint(with: deleted))
        try graph.checkInvariants()
        for slot in deleted { XCTAssertNil(graph.nodeRecord(at: slot)) }
        for slot in 0..<3_000 where slot % 3 != 0 {
            let record = try XCTUnwrap(graph.nodeRecord(at: Slot(slot)))
            XCTAssertTrue(record.neighbors.joined().allSatisfy { $0 % 3 != 0 })
        }

        let queries = randomVectors(count: 100, dimension: 16, seed: 62)
        XCTAssertGreaterThanOrEqual(try searchRecall(graph, queries: queries), 0.95)

        // Freed slots take new points.
        for slot in deleted.prefix(100) { try graph.insert(slot: slot, vector: vectors[Int(slot)]) }
        XCTAssertEqual(graph.count, 2_100)
        XCTAssertEqual(try graph.search(query: vectors[0], k: 1).first?.slot, 0)
        try graph.checkInvariants()
    }

    func testInsertReportsExactlyTheSlotsWhoseRecordsChanged() throws {
        let graph = try makeGraph(randomVectors(count: 300, dimension: 8, seed: 71), m: 4)
        let extra = randomVectors(count: 30, dimension: 8, seed: 72)
        for (i, vector) in extra.enumerated() {
            let before = (0..<graph.slotCount).map { graph.nodeRecord(at: Slot($0)) }
            let slot = Slot(i % 2 == 0 ? 300 + i : i)  // new slots and updates
            let reported = try graph.insert(slot: slot, vector: vector)
            let after = (0..<graph.slotCount).map { graph.nodeRecord(at: Slot($0)) }
            let changed = Set((0..<after.count).filter {
                ($0 < before.count ? before[$0] : nil) != after[$0]
            }.map(Slot.init))
            let missed = changed.subtracting(reported)
            XCTAssertTrue(missed.isEmpty, "insert \(i) missed \(missed)")
            XCTAssertTrue(reported.subtracting([slot]).isSubset(of: changed))
        }
    }

    func testInvariantsHoldThroughMixedMutations() throws {
        let vectors = randomVectors(count: 2_000, dimension: 8, seed: 81)
        let graph = try HNSWGraph(
            dimension: 8, distance: .euclid,
            parameters: .init(m: 6, efConstruction: 32, levelSeed: 2))
        var generator = SeededGenerator(seed: 82)
        var live = Set<Slot>()
        for step in 0..<3_000 {
            let slot = Slot(Int.random(in: 0..<800, using: &generator))
            if Bool.random(using: &generator) || live.isEmpty {
                try graph.insert(slot: slot, vector: vectors[step % vectors.count])
                live.insert(slot)
            } else if graph.delete(slot: slot) {
                live.remove(slot)
            }
            if step % 500 == 499 {
                try graph.checkInvariants()
                if step % 1_000 == 999 { graph.compact() }
                try graph.checkInvariants()
            }
        }
        XCTAssertEqual(graph.count, live.count)
        let hits = try graph.search(query: vectors[0], k: 50, ef: 100)
        XCTAssertTrue(hits.allSatisfy { live.contains($0.slot) })
        XCTAssertEqual(hits.count, min(50, live.count))
    }

    // MARK: - Filters

    func testFilteredSearchReturnsKMatchesAtOnePercentSelectivity() throws {
        let graph = try makeGraph(randomVectors(count: 5_000, dimension: 16, seed: 91))
        let isRare: (Slot) -> Bool = { $0 % 100 == 0 }
        let queries = randomVectors(count: 50, dimension: 16, seed: 92)
        var approximate: [[ScoredSlot]] = []
        for query in queries {
            let hits = try graph.search(query: query, k: 10, ef: 64, filter: isRare)
            XCTAssertEqual(hits.count, 10)
            XCTAssertTrue(hits.map(\.slot).allSatisfy(isRare))
            approximate.append(hits)
        }
        XCTAssertGreaterThanOrEqual(
            try recall(of: approximate, in: graph, queries: queries, k: 10, filter: isRare), 0.9)

        // Asking for more than match: every one of the 50 comes back (the graph is exhausted).
        let all = try graph.search(query: queries[0], k: 150, ef: 64, filter: isRare)
        XCTAssertEqual(Set(all.map(\.slot)), Set((0..<50).map { Slot($0 * 100) }))
    }

    func testFilterAndDeletesCombine() throws {
        let graph = try makeGraph(randomVectors(count: 1_000, dimension: 8, seed: 95))
        for slot in stride(from: 0, to: 1_000, by: 2) { graph.delete(slot: Slot(slot)) }
        let hits = try graph.search(
            query: [Float](repeating: 0, count: 8), k: 20, filter: { $0 % 4 < 2 })
        XCTAssertEqual(hits.count, 20)
        XCTAssertTrue(hits.allSatisfy { $0.slot % 4 == 1 })
    }

    // MARK: - Input and edge cases

    func testRejectsWrongDimensionNonFiniteComponentsAndReservedSlot() throws {
        let graph = try HNSWGraph(dimension: 3, distance: .dot)
        XCTAssertThrowsError(try graph.insert(slot: 0, vector: [1, 2])) { error in
            XCTAssertEqual(error as? IndexError, .dimensionMismatch(expected: 3, actual: 2))
            XCTAssertEqual("\(error)", "vector dimension error: expected dim: 3, got 2")
        }
        XCTAssertThrowsError(try graph.search(query: [1, .nan, 2], k: 1)) { error in
            XCTAssertEqual("\(error)", "vector component 1 is nan; only finite numbers are allowed")
        }
        XCTAssertThrowsError(try graph.insert(slot: .max, vector: [1, 2, 3])) { error in
            XCTAssertEqual(error as? IndexError, .slotOutOfRange(.max))
        }
        XCTAssertThrowsError(try HNSWGraph(dimension: 3, distance: .dot, parameters: .init(m: 1))) {
            XCTAssertEqual("\($0)", "HNSW parameter m = 1 is invalid; allowed: 2...512")
        }
        XCTAssertEqual(graph.count, 0)
        XCTAssertEqual(try graph.search(query: [1, 2, 3], k: 3), [])
    }

    func testHugeKAndTinyEfReturnEveryLiveNode() throws {
        let graph = try makeGraph(randomVectors(count: 100, dimension: 4, seed: 111))
        graph.delete(slot: 7)
        let query: [Float] = [0.1, 0.2, 0.3, 0.4]
        XCTAssertEqual(try graph.exactSearch(query: query, k: .max).count, 99)
        XCTAssertEqual(try graph.search(query: query, k: 1_000_000, ef: 0).count, 99)
        XCTAssertEqual(try graph.search(query: query, k: 0), [])
    }

    func testB29ZeroVectorsScoreZeroUnderCosine() throws {
        let graph = try HNSWGraph(dimension: 4, distance: .cosine)
        try graph.insert(slot: 1, vector: [0, 0, 0, 0])
        try graph.insert(slot: 2, vector: [1, 0, 0, 0])
        XCTAssertEqual(try graph.search(query: [1, 0, 0, 0], k: 2), [
            ScoredSlot(slot: 2, score: 1), ScoredSlot(slot: 1, score: 0),
        ])
        XCTAssertEqual(try graph.search(query: [0, 0, 0, 0], k: 2).map(\.score), [0, 0])
        XCTAssertEqual(graph.vector(at: 1), [0, 0, 0, 0])
    }

    // MARK: - Concurrency

    func testConcurrentSearchesWhileInsertingDeletingAndCompactingReturnValidResults() throws {
        let vectors = randomVectors(count: 4_000, dimension: 16, seed: 101)
        let graph = try makeGraph(Array(vectors.prefix(1_000)))
        let queries = randomVectors(count: 50, dimension: 16, seed: 102)
        let failures = FailureLog()

        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker == 0 {
                for slot in 1_000..<4_000 {
                    do {
                        try graph.insert(slot: Slot(slot), vector: vectors[slot])
                        if slot % 7 == 0 { graph.delete(slot: Slot(slot - 500)) }
                        if slot % 1_000 == 0 { graph.compact() }
                    } catch { failures.add("insert \(slot): \(error)") }
                }
                return
            }
            for round in 0..<40 {
                let query = queries[(round + worker) % queries.count]
                do {
                    let hits = try graph.search(query: query, k: 10, ef: 32)
                    let slots = hits.map(\.slot)
                    if hits.count != 10 { failures.add("\(hits.count) hits") }
                    if Set(slots).count != slots.count { failures.add("duplicate slots") }
                    if slots.contains(where: { $0 >= 4_000 }) { failures.add("unknown slot") }
                    if hits.map(\.score) != hits.map(\.score).sorted() { failures.add("unsorted") }
                } catch { failures.add("search: \(error)") }
            }
        }
        XCTAssertEqual(failures.messages, [])
        XCTAssertEqual(graph.count, 4_000 - (1_000..<4_000).filter { $0 % 7 == 0 }.count)
        try graph.checkInvariants()
    }
}

/// Collects failures from worker threads (XCTest assertions are not thread-safe).
private final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func add(_ message: String) {
        lock.lock()
        stored.append(message)
        lock.unlock()
    }

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

final class SearchStatisticsTests: XCTestCase {
    func testSearchCountsItselfAndTheNodesItVisited() throws {
        let graph = try HNSWGraph(dimension: 4, distance: .euclid)
        for index in 0..<200 {
            let value = Float(index)
            _ = try graph.insert(slot: Slot(index), vector: [value, value / 2, 1, 0])
        }
        let statistics = SearchStatistics()
        _ = try graph.search(query: [10, 5, 1, 0], k: 5, ef: 32, statistics: statistics)
        _ = try graph.search(query: [90, 45, 1, 0], k: 5, ef: 32, statistics: statistics)
        _ = try graph.search(query: [90, 45, 1, 0], k: 5, ef: 32)
        let snapshot = statistics.snapshot
        XCTAssertEqual(snapshot.searches, 2)
        XCTAssertGreaterThanOrEqual(snapshot.visitedNodes, 2 * 32,
                                    "each search visits at least ef nodes of 200")
        XCTAssertLessThanOrEqual(snapshot.visitedNodes, 2 * 200)
    }
}
