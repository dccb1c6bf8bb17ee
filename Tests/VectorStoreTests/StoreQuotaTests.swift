import Foundation
import TestSupport
import XCTest

@testable import VectorStore

/// Quotas (issue 7): a write that would pass `max_points`, `max_bytes` or `max_collections`
/// is refused whole, names the quota, and writes nothing.
final class StoreQuotaTests: XCTestCase {
    private func limit(_ fixture: TemporaryStore, _ edit: (inout TenantLimits) -> Void) throws {
        var limits = try fixture.store.tenant("acme").limits
        edit(&limits)
        _ = try fixture.store.updateTenantLimits("acme", limits: limits)
    }

    private func assertQuota(_ name: String, _ body: () throws -> Void,
                             line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            guard case StoreError.quotaExceeded(let quota, _, _) = error else {
                return XCTFail("expected quotaExceeded, got \(error)", line: line)
            }
            XCTAssertEqual(quota, name, line: line)
            XCTAssertTrue("\(error)".contains(name), "\(error)", line: line)
        }
    }

    func testMaxPointsRefusesTheWholeUpsertAcrossCollections() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("a", config: singleVectorConfig(size: 2))
        try session.createCollection("b", config: singleVectorConfig(size: 2))
        try limit(fixture) { $0.maxPoints = 3 }
        try session.upsert("a", points: [point(1, [1, 0]), point(2, [0, 1])], durability: .synced)

        assertQuota("max_points") {
            try session.upsert("b", points: [point(1, [1, 0]), point(2, [0, 1])],
                               durability: .synced)
        }
        XCTAssertEqual(try session.count("b", filter: nil, exact: true), 0, "nothing written")
        XCTAssertEqual(try session.search("b", request: SearchRequest(vector: [1, 0])).count, 0)

        // Replacing existing points adds none: allowed at the quota.
        try session.upsert("a", points: [point(1, [1, 1]), point(2, [1, 1]), point(3, [1, 0])],
                           durability: .synced)
        XCTAssertEqual(try session.usage().points, 3)
        assertQuota("max_points") {
            try session.upsert("b", points: [point(9, [1, 0])], durability: .synced)
        }
        // Deleting always works, and frees room.
        try session.delete("a", selection: .ids([.number(3)]), durability: .synced)
        try session.upsert("b", points: [point(9, [1, 0])], durability: .synced)
        XCTAssertEqual(try session.usage().points, 3)
    }

    func testMaxBytesCountsLogicalBytesAndRefusesGrowingPayloads() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("a", config: singleVectorConfig(size: 4))
        try session.upsert("a", points: [point(1, [1, 2, 3, 4], ["k": "v"])], durability: .synced)
        let one = try session.usage().bytes
        XCTAssertGreaterThan(one, 16, "at least the 4 floats")
        XCTAssertLessThan(one, 200)

        try limit(fixture) { $0.maxBytes = one * 2 + 10 }
        try session.upsert("a", points: [point(2, [1, 2, 3, 4], ["k": "v"])], durability: .synced)
        XCTAssertEqual(try session.usage().bytes, 2 * one, "same-sized points, same bytes")
        assertQuota("max_bytes") {
            try session.upsert("a", points: [point(3, [1, 2, 3, 4])], durability: .synced)
        }
        assertQuota("max_bytes") {
            let big = String(repeating: "x", count: 64)
            try session.setPayload("a", payload: ["big": .string(big)],
                                   selection: .ids([.number(1)]), key: nil, durability: .synced)
        }
        XCTAssertEqual(try session.retrieve("a", ids: [.number(1)], payload: .all,
                                            vectors: .none).first?.payload, ["k": "v"])
        // Shrinking is always allowed and gives the bytes back.
        try session.clearPayload("a", selection: .ids([.number(1)]), durability: .synced)
        XCTAssertLessThan(try session.usage().bytes, 2 * one)
        try session.delete("a", selection: .ids([.number(1), .number(2)]), durability: .synced)
        XCTAssertEqual(try session.usage().bytes, 0)
    }

    func testMaxCollectionsAndLimitsApplyToTheNextWriteAndSurviveReopen() throws {
        let fixture = try TemporaryStore()
        var bytes = 0
        do {
            let session = try fixture.session()
            try limit(fixture) { $0.maxCollections = 1 }
            try session.createCollection("a", config: singleVectorConfig(size: 2))
            assertQuota("max_collections") {
                try session.createCollection("b", config: singleVectorConfig(size: 2))
            }
            XCTAssertEqual(try session.collectionNames(), ["a"])
            try session.upsert("a", points: [point(1, [1, 0])], durability: .synced)
            bytes = try session.usage().bytes
        }
        try fixture.reopen()
        let session = try fixture.session(create: false)
        XCTAssertEqual(try session.usage().bytes, bytes, "byte counters are persisted")
        assertQuota("max_collections") {
            try session.createCollection("b", config: singleVectorConfig(size: 2))
        }
        try limit(fixture) { $0.maxCollections = nil }
        try session.createCollection("b", config: singleVectorConfig(size: 2))
    }

    func testConcurrentWritersToTwoCollectionsNeverPassTheQuotaTogether() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        for name in ["a", "b"] {
            try session.createCollection(name, config: singleVectorConfig(size: 2))
        }
        try limit(fixture) { $0.maxPoints = 50 }
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            let collection = index % 2 == 0 ? "a" : "b"
            _ = try? session.upsert(collection, points: [point(UInt64(index), [1, 0])],
                                    durability: .buffered)
        }
        XCTAssertEqual(try session.usage().points, 50)
    }

    func testUsageRecordsRoundTripThroughTheRegistry() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.store.createTenant("acme")
        for hour: Int64 in [0, 47, 0x2F2F] {
            try fixture.store.putUsage(.init(tenant: "acme", hour: hour, counters: ["q": 1]))
        }
        try fixture.store.putUsage(.init(tenant: "acme-2", hour: 5, counters: ["q": 2]))
        try fixture.reopen()
        let records = try fixture.store.usageRecords()
        XCTAssertEqual(records.filter { $0.tenant == "acme" }.map(\.hour), [0, 47, 0x2F2F],
                       "hours in order, an hour holding `/` bytes included")
        XCTAssertEqual(records.first { $0.tenant == "acme-2" }?.counters, ["q": 2])
        try fixture.store.deleteUsage(tenant: "acme", hours: [47])
        XCTAssertEqual(try fixture.store.usageRecords().count, 3)
        try fixture.store.deleteTenant("acme")
        XCTAssertEqual(try fixture.store.usageRecords().map(\.tenant), ["acme-2"])
    }
}

/// The per-tenant HNSW counters behind `vecd_hnsw_searches_total` and
/// `vecd_hnsw_visited_nodes_total`.
final class StoreSearchStatisticsTests: XCTestCase {
    func testGraphSearchesAreCountedPerTenantAndExactScansAreNot() throws {
        let fixture = try TemporaryStore()
        var config = singleVectorConfig(size: 4)
        config.hnsw.fullScanThreshold = 0
        for tenant in ["walks", "scans"] {
            let session = try fixture.session(tenant: tenant)
            try session.createCollection("c", config: tenant == "walks" ? config
                                         : singleVectorConfig(size: 4))
            try session.upsert("c", points: (0..<300).map {
                point($0, [Float($0), 1, Float($0 % 7), 2])
            }, durability: .buffered)
            for _ in 0..<3 {
                _ = try session.search("c", request: SearchRequest(vector: [5, 1, 5, 2], limit: 5))
            }
        }
        let byTenant = Dictionary(uniqueKeysWithValues: fixture.store.searchStatisticsByTenant()
            .map { ($0.tenant, ($0.searches, $0.visitedNodes)) })
        XCTAssertEqual(byTenant["walks"]?.0, 3)
        XCTAssertGreaterThan(byTenant["walks"]?.1 ?? 0, 3 * 5, "each walk visits nodes")
        XCTAssertEqual(byTenant["scans"]?.0 ?? 0, 0, "below full_scan_threshold: exact scans")
    }

    func testMemoryUsageReportsEachKindWithoutOpeningTenants() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("c", config: singleVectorConfig(size: 4))
        try session.upsert("c", points: [point(1, [1, 2, 3, 4])], durability: .buffered)
        let memory = Dictionary(uniqueKeysWithValues: fixture.store.memoryUsage()
            .map { ($0.kind, $0.bytes) })
        XCTAssertEqual(Set(memory.keys), ["memtables", "table_readers", "block_cache"])
        XCTAssertGreaterThan(memory["memtables"] ?? 0, 0, "the point sits in a memtable")
    }
}
