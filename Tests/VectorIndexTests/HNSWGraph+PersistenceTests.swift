import XCTest
@testable import VectorIndex

final class HNSWGraphPersistenceTests: XCTestCase {
    func testNodeRecordRoundTripsThroughBytes() throws {
        let record = HNSWNodeRecord(level: 2, neighbors: [[1, 2, 70_000], [], [4_000_000_000]],
                                    isDeleted: true)
        let bytes = record.serialized()
        XCTAssertEqual(bytes.count, 3 + (2 + 12) + 2 + (2 + 4))
        XCTAssertEqual(try HNSWNodeRecord(bytes: bytes), record)
    }

    func testMetadataRoundTripsThroughBytes() throws {
        let graph = try makeGraph(randomVectors(count: 50, dimension: 4, seed: 1), distance: .dot)
        let metadata = graph.metadata
        XCTAssertEqual(try HNSWGraphMetadata(bytes: metadata.serialized()), metadata)
        XCTAssertEqual(metadata.liveCount, 50)
        XCTAssertEqual(metadata.distance, .dot)
    }

    func testDecodingDamagedBytesThrowsCorruptRecord() {
        let bytes = HNSWNodeRecord(level: 0, neighbors: [[1, 2]], isDeleted: false).serialized()
        XCTAssertThrowsError(try HNSWNodeRecord(bytes: Array(bytes.dropLast()))) { error in
            XCTAssertEqual(
                "\(error)", "corrupt HNSW record: node record ends at byte 12, needs more")
        }
        XCTAssertThrowsError(try HNSWNodeRecord(bytes: bytes + [0])) { error in
            XCTAssertEqual("\(error)", "corrupt HNSW record: node record has 1 bytes after its end")
        }
        XCTAssertThrowsError(try HNSWNodeRecord(bytes: [9] + bytes.dropFirst())) { error in
            XCTAssertEqual(
                "\(error)", "corrupt HNSW record: node record version 9 is not supported")
        }
    }

    func testRestoredGraphSearchesIdentically() throws {
        let vectors = randomVectors(count: 2_000, dimension: 16, seed: 11)
        let original = try makeGraph(vectors, distance: .cosine)
        for slot in stride(from: 0, to: 2_000, by: 5) { original.delete(slot: Slot(slot)) }

        let restored = try HNSWGraph(
            dimension: 16, distance: .cosine, parameters: original.parameters)
        try restored.restore(
            metadata: HNSWGraphMetadata(bytes: original.metadata.serialized()),
            nodes: try persistedNodes(of: original).reversed())
        try restored.checkInvariants()
        XCTAssertEqual(restored.count, original.count)

        let odd: (Slot) -> Bool = { $0 % 2 == 1 }
        for query in randomVectors(count: 100, dimension: 16, seed: 12) {
            XCTAssertEqual(try restored.search(query: query, k: 10, ef: 40),
                           try original.search(query: query, k: 10, ef: 40))
            XCTAssertEqual(try restored.search(query: query, k: 5, filter: odd),
                           try original.search(query: query, k: 5, filter: odd))
        }
    }

    func testRestoreRejectsAListNamingAMissingSlot() throws {
        let original = try makeGraph(randomVectors(count: 100, dimension: 4, seed: 21))
        var nodes = try persistedNodes(of: original)
        let victim = nodes.removeLast().slot
        let graph = try HNSWGraph(dimension: 4, distance: .euclid, parameters: original.parameters)
        XCTAssertThrowsError(try graph.restore(metadata: original.metadata, nodes: nodes)) {
            guard case .corruptRecord(let reason)? = $0 as? IndexError else {
                return XCTFail("unexpected \($0)")
            }
            XCTAssertTrue(reason.contains("points at empty \(victim)"), reason)
        }
        XCTAssertEqual(graph.count, 0)
    }

    func testRestoreRejectsMetadataOfAnotherConfiguration() throws {
        let original = try makeGraph(randomVectors(count: 10, dimension: 4, seed: 31))
        let graph = try HNSWGraph(dimension: 4, distance: .dot, parameters: original.parameters)
        XCTAssertThrowsError(try graph.restore(metadata: original.metadata, nodes: [])) {
            XCTAssertEqual(
                "\($0)",
                "corrupt HNSW record: metadata is for Euclid dim 4 m 16/32, "
                    + "graph is Dot dim 4 m 16/32")
        }
    }

    /// Every node as a store would read it back: decoded records with their vectors.
    private func persistedNodes(of graph: HNSWGraph) throws -> [HNSWGraph.StoredNode] {
        try (0..<graph.slotCount).compactMap { index in
            let slot = Slot(index)
            guard let record = graph.nodeRecord(at: slot) else { return nil }
            return (slot, try HNSWNodeRecord(bytes: record.serialized()), graph.vector(at: slot)!)
        }
    }
}
