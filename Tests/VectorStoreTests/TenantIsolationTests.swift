import Foundation
import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

/// A tenant's reads and scans never return another tenant's keys, whatever the names.
final class TenantIsolationTests: XCTestCase {
    /// Tenant names that are prefixes of each other, differ in case or only by `-`/`_`.
    private let tenantNames = ["a", "ab", "a-b", "a_b", "A", "a-0123456789abcdef"]

    func testScansAndReadsOfEachTenantSeeOnlyItsOwnPoints() throws {
        let fixture = try TemporaryStore()
        for (index, tenant) in tenantNames.enumerated() {
            let session = try fixture.session(tenant: tenant)
            // The same collection names in every tenant, including prefix-related ones.
            for collection in ["c", "c1", "c/".dropLast() + "x"] {
                try session.createCollection(
                    String(collection),
                    config: singleVectorConfig(size: 2)
                )
                let points = (0..<5).map {
                    point(UInt64($0), [Float(index), 1], ["owner": .string(tenant)])
                }
                try session.upsert(String(collection), points: points, durability: .buffered)
            }
        }
        try fixture.reopen()
        for tenant in tenantNames {
            let session = try fixture.session(tenant: tenant, create: false)
            XCTAssertEqual(try session.collectionNames(), ["c", "c1", "cx"])
            for collection in ["c", "c1", "cx"] {
                let page = try session.scroll(collection, request: ScrollRequest(limit: 100))
                XCTAssertEqual(page.points.count, 5)
                XCTAssertTrue(page.points.allSatisfy { $0.payload?["owner"] == .string(tenant) })
                let hits = try session.search(
                    collection,
                    request: SearchRequest(vector: [1, 1], limit: 100, payload: .all)
                )
                XCTAssertEqual(hits.count, 5)
                XCTAssertTrue(hits.allSatisfy { $0.payload?["owner"] == .string(tenant) })
                XCTAssertEqual(try session.count(collection, filter: nil, exact: true), 5)
            }
        }
    }

    func testTenantsLiveInSeparateDirectories() throws {
        let fixture = try TemporaryStore()
        for tenant in ["a", "ab"] {
            let session = try fixture.session(tenant: tenant)
            try session.createCollection("c", config: singleVectorConfig(size: 2))
        }
        let directories = try FileManager.default.contentsOfDirectory(
            atPath: fixture.directory + "/tenants"
        )
        XCTAssertEqual(directories.count, 2)
        XCTAssertEqual(Set(directories.map { String($0.dropLast(17)) }), ["a", "ab"])
    }

    func testPathLikeTenantNamesNeverReachTheFileSystem() throws {
        let fixture = try TemporaryStore()
        for name in ["../x", "..", "/abs", "a/../../b"] {
            XCTAssertThrowsError(try fixture.store.createTenant(name))
            XCTAssertThrowsError(
                try fixture.store.session(for: AccessScope(tenant: name, canWrite: true))
            )
            XCTAssertThrowsError(try fixture.store.deleteTenant(name))
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
        XCTAssertEqual(Set(entries), ["registry", "tenants", "trash"])
    }

    func testCollectionNamesThatArePrefixesKeepSeparatePoints() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        for name in ["x", "xx", "x\u{1}", "x y"] {
            try session.createCollection(name, config: singleVectorConfig(size: 2))
            try session.upsert(
                name,
                points: [point(1, [1, 0], ["in": .string(name)])],
                durability: .synced
            )
        }
        for name in ["x", "xx", "x\u{1}", "x y"] {
            let records = try session.retrieve(
                name,
                ids: [.number(1)],
                payload: .all,
                vectors: .none
            )
            XCTAssertEqual(records.first?.payload?["in"], .string(name))
        }
        XCTAssertTrue(try session.deleteCollection("x"))
        XCTAssertEqual(try session.count("xx", filter: nil, exact: true), 1)
        XCTAssertEqual(try session.count("x\u{1}", filter: nil, exact: true), 1)
    }
}
