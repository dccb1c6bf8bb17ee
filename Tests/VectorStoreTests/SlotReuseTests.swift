import Foundation
import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

/// Slots of deleted points are reused once every graph has reclaimed their nodes, so
/// slot-indexed memory follows the live points, not every id ever written.
final class SlotReuseTests: XCTestCase {
    static let dimension = 8
    static let live = 400
    static let batch = 100

    /// What the collection should hold: id -> vector and payload.
    private struct Model {
        var points: [UInt64: (vector: [Float], payload: [String: JSONValue])] = [:]
        var order: [UInt64] = []  // live ids, oldest first
        var nextID: UInt64 = 0
        var deleted: [UInt64] = []
    }

    private let config = CollectionConfig(
        vectors: [defaultVectorName: VectorParams(size: dimension, distance: .cosine)],
        hnsw: HNSWConfig(m: 16, efConstruct: 64, fullScanThreshold: 0)
    )
    private let rare = try! Filter(
        json: JSONValue.parse(#"{"must":[{"key":"group","match":{"value":"rare"}}]}"#))
    private let range = try! Filter(
        json: JSONValue.parse(#"{"must":[{"key":"n","range":{"gte":0,"lt":40}}]}"#))

    private func payload(_ id: UInt64, _ generator: inout SeededGenerator)
        -> [String: JSONValue]
    {
        let group = Int.random(in: 0..<10, using: &generator) == 0 ? "rare" : "common"
        return ["group": .string(group), "n": .int(Int64.random(in: 0..<100, using: &generator)),
                "id": .int(Int64(id))]
    }

    /// One round: `batch` new ids (some of them ids deleted long ago, case B11), vectors of a
    /// few live points moved, then the oldest `batch` live points deleted.
    private func churn(
        _ session: TenantSession, _ model: inout Model, _ generator: inout SeededGenerator,
        round: Int
    ) throws {
        var points: [Point] = []
        for index in 0..<Self.batch {
            let id: UInt64
            if round % 4 == 3, index < 10, !model.deleted.isEmpty {
                id = model.deleted.remove(at: Int.random(
                    in: 0..<model.deleted.count, using: &generator))
            } else {
                id = model.nextID
                model.nextID += 1
            }
            points.append(point(id, generator.vector(dimension: Self.dimension),
                                payload(id, &generator)))
        }
        for _ in 0..<20 where !model.order.isEmpty {
            let id = model.order[Int.random(in: 0..<model.order.count, using: &generator)]
            if points.contains(where: { $0.id == .number(id) }) { continue }
            points.append(point(id, generator.vector(dimension: Self.dimension),
                                model.points[id]!.payload))
        }
        try session.upsert("c", points: points, durability: .buffered)
        for point in points {
            guard case .number(let id) = point.id else { continue }
            if model.points[id] == nil { model.order.append(id) }
            model.points[id] = (point.vectors[defaultVectorName]!, point.payload)
        }
        guard model.order.count > Self.live else { return }
        let doomed = Array(model.order.prefix(model.order.count - Self.live))
        model.order.removeFirst(doomed.count)
        try session.delete(
            "c", selection: .ids(doomed.map { .number($0) }), durability: .buffered)
        for id in doomed { model.points[id] = nil }
        model.deleted += doomed
    }

    private func storedCollection<T>(
        _ session: TenantSession, _ body: (StoredCollection) throws -> T
    ) throws -> T {
        try session.handle.withDatabase { database in
            try body(XCTUnwrap(try session.handle.collection("c", in: database)))
        }
    }

    /// The slots the stored points hold are distinct, the slot map agrees, free slots are
    /// truly free, and slot-indexed memory stays within a small factor of the live points.
    /// Returns the high-water mark and the free list.
    @discardableResult
    private func checkSlots(_ session: TenantSession, _ model: Model) throws
        -> (highWater: UInt32, free: [UInt32])
    {
        try storedCollection(session) { collection in
            let state = try collection.loadedState()
            var held: [UInt32: PointID] = [:]
            try collection.forEachPoint { id, record in
                XCTAssertNil(held.updateValue(id, forKey: record.slot), "slot \(record.slot) twice")
                XCTAssertEqual(state.point(at: record.slot), id)
                return true
            }
            XCTAssertEqual(held.count, model.points.count)
            let highWater = collection.counters.nextSlot
            XCTAssertLessThanOrEqual(Int(highWater), 2 * Self.live, "slot high-water")
            for graph in state.graphs.values {
                XCTAssertLessThanOrEqual(graph.slotCount, Int(highWater))
                try graph.checkInvariants()
            }
            for slot in state.freeSlots {
                XCTAssertNil(held[slot], "free slot \(slot) holds a point")
                XCTAssertTrue(state.isFree(slot))
            }
            return (highWater, state.freeSlots)
        }
    }

    /// Top-`k` ids by cosine over the model, optionally among ids passing `accept`.
    private func oracle(
        _ model: Model, _ query: [Float], k: Int,
        _ accept: ([String: JSONValue]) -> Bool = { _ in true }
    ) -> [PointID] {
        func unit(_ v: [Float]) -> [Float] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        let q = unit(query)
        let scored = model.points.filter { accept($0.value.payload) }.map { id, value in
            (id, zip(q, unit(value.vector)).reduce(Float(0)) { $0 + $1.0 * $1.1 })
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k)
            .map { .number($0.0) }
    }

    /// Searches (plain and filtered) against the oracle, counts and index coverage.
    private func checkSearches(_ session: TenantSession, _ model: Model, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        var found = 0
        var foundFiltered = 0
        var expectedFiltered = 0
        for _ in 0..<30 {
            let query = generator.vector(dimension: Self.dimension)
            let hits = try session.search(
                "c", request: SearchRequest(vector: query, limit: 10, ef: 64, payload: .all))
            for hit in hits {
                guard case .number(let id) = hit.id else { continue }
                XCTAssertEqual(hit.payload, model.points[id]?.payload, "hit \(id) is live")
            }
            found += Set(hits.map(\.id)).intersection(oracle(model, query, k: 10)).count
            let filtered = try session.search(
                "c",
                request: SearchRequest(vector: query, filter: rare, limit: 10, ef: 64,
                                       payload: .all))
            XCTAssertTrue(filtered.allSatisfy { $0.payload?["group"] == "rare" })
            let truth = oracle(model, query, k: 10) { $0["group"] == "rare" }
            foundFiltered += Set(filtered.map(\.id)).intersection(truth).count
            expectedFiltered += truth.count
        }
        XCTAssertGreaterThanOrEqual(Double(found) / 300, 0.95, "recall@10")
        XCTAssertGreaterThanOrEqual(
            Double(foundFiltered) / Double(expectedFiltered), 0.9, "filtered recall@10")

        let rareCount = model.points.values.filter { $0.payload["group"] == "rare" }.count
        let rangeCount = model.points.values.filter { $0.payload["n"]!.intValue! < 40 }.count
        XCTAssertEqual(try session.count("c", filter: nil, exact: true), model.points.count)
        XCTAssertEqual(try session.count("c", filter: rare, exact: true), rareCount)
        XCTAssertEqual(try session.count("c", filter: range, exact: true), rangeCount)
        let info = try session.collectionInfo("c")
        XCTAssertEqual(info.payloadSchema["group"]?.points, model.points.count)
        XCTAssertEqual(info.payloadSchema["n"]?.points, model.points.count)
        XCTAssertEqual(info.indexedVectorsCount, model.points.count)
        let all = try session.search(
            "c", request: SearchRequest(vector: [1, 0, 0, 0, 0, 0, 0, 0], filter: range,
                                        limit: 1000, payload: .all))
        XCTAssertEqual(all.count, rangeCount, "every point in range, none else")
    }

    func testB11ChurnOfTwentyTimesTheLiveIdsReusesSlotsAndSurvivesReopen() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("c", config: config)
        for (field, kind) in [("group", PayloadFieldSchema.Kind.keyword), ("n", .integer)] {
            try session.createPayloadIndex(
                "c", field: field, schema: PayloadFieldSchema(kind: kind), durability: .synced)
        }
        var model = Model()
        var generator = SeededGenerator(seed: 2026)
        var round = 0
        while model.nextID < UInt64(20 * Self.live) {
            try churn(session, &model, &generator, round: round)
            round += 1
            if round % 20 == 0 { try checkSlots(session, model) }
        }
        let before = try checkSlots(session, model)
        try checkSearches(session, model, seed: 7)

        try fixture.reopen()
        let reopened = try fixture.session(create: false)
        let after = try checkSlots(reopened, model)
        XCTAssertEqual(after.highWater, before.highWater)
        XCTAssertEqual(after.free, before.free, "the free list rebuilt on load is the same")
        try checkSearches(reopened, model, seed: 7)

        for _ in 0..<12 {
            try churn(reopened, &model, &generator, round: round)
            round += 1
        }
        try checkSlots(reopened, model)
        try checkSearches(reopened, model, seed: 8)
    }
}
