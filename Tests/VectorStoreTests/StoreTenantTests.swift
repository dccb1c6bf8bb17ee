import Foundation
import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

final class StoreTenantTests: XCTestCase {
    func testCreatedTenantIsListedAndPersistsAcrossRestart() throws {
        let fixture = try TemporaryStore()
        var limits = TenantLimits()
        limits.maxPoints = 1000
        let created = try fixture.store.createTenant("acme", limits: limits)
        XCTAssertEqual(created.incarnation.count, 16)
        _ = try fixture.store.createTenant("beta")
        try fixture.reopen()
        XCTAssertEqual(try fixture.store.tenants().map(\.name), ["acme", "beta"])
        XCTAssertEqual(try fixture.store.tenant("acme"), created)
    }

    func testCreatingAnExistingTenantThrowsTenantExists() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.store.createTenant("acme")
        XCTAssertThrowsError(try fixture.store.createTenant("acme")) { error in
            guard case StoreError.tenantExists("acme") = error else { return XCTFail("\(error)") }
        }
    }

    func testInvalidTenantNamesAreRejectedNamingTheName() throws {
        let fixture = try TemporaryStore()
        for name in ["", "../x", "a/b", "a.b", "tab\t", "ü", String(repeating: "a", count: 65)] {
            XCTAssertThrowsError(try fixture.store.createTenant(name), name) { error in
                guard case StoreError.invalidArgument(let field, let message) = error else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(field, "tenant")
                XCTAssertTrue(message.contains("\"\(name)\""), message)
            }
        }
        XCTAssertNoThrow(try fixture.store.createTenant(String(repeating: "a", count: 64)))
        XCTAssertNoThrow(try fixture.store.createTenant("A-z_09"))
    }

    func testUnknownTenantSessionThrowsTenantNotFound() throws {
        let fixture = try TemporaryStore()
        for name in ["ghost", "../etc"] {
            XCTAssertThrowsError(
                try fixture.store.session(for: AccessScope(tenant: name, canWrite: true))
            ) {
                guard case StoreError.tenantNotFound(name) = $0 else { return XCTFail("\($0)") }
            }
        }
    }

    func testDeletedAndRecreatedTenantStartsEmptyWithNewIncarnation() throws {
        let fixture = try TemporaryStore()
        let first = try fixture.store.createTenant("acme")
        do {
            let session = try fixture.session()
            try session.createCollection("docs", config: singleVectorConfig(size: 2))
            try session.upsert("docs", points: [point(1, [1, 0])], durability: .synced)
        }
        try fixture.store.deleteTenant("acme")
        XCTAssertThrowsError(try fixture.store.tenant("acme"))
        let second = try fixture.store.createTenant("acme")
        XCTAssertNotEqual(first.incarnation, second.incarnation)
        let session = try fixture.session()
        XCTAssertEqual(try session.collectionNames(), [])
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        XCTAssertEqual(try session.count("docs", filter: nil, exact: true), 0)
        fixture.store.waitForBackgroundWork()
        let trash = try FileManager.default.contentsOfDirectory(
            atPath: fixture.directory + "/trash"
        )
        XCTAssertEqual(trash, [], "deleted tenant's files are removed")
        let live = try FileManager.default.contentsOfDirectory(
            atPath: fixture.directory + "/tenants"
        )
        XCTAssertEqual(live, ["acme-\(second.incarnation)"])
    }

    func testDeleteClosesTheTenantUnderALiveSession() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        try fixture.store.deleteTenant("acme")
        XCTAssertThrowsError(try session.collectionNames()) {
            guard case StoreError.tenantNotFound("acme") = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try fixture.store.deleteTenant("acme")) {
            guard case StoreError.tenantNotFound = $0 else { return XCTFail("\($0)") }
        }
    }

    func testDeleteTimeDoesNotGrowWithTenantSize() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session(tenant: "big")
        try session.createCollection("docs", config: singleVectorConfig(size: 2))
        // About 20 MB in table files and WAL: removing them file by file is not constant time.
        let blob = JSONValue.string(String(repeating: "x", count: 50_000))
        for batch in 0..<4 {
            let points = (0..<100).map {
                point(UInt64(batch * 100 + $0), [1, Float($0)], ["blob": blob])
            }
            try session.upsert("docs", points: points, durability: .buffered)
        }
        let start = Date()
        try fixture.store.deleteTenant("big")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 0.25, "delete took \(elapsed) s")
        XCTAssertThrowsError(try session.count("docs", filter: nil, exact: true))
    }

    func testOrphanDirectoryWithoutRegistryEntryIsSweptAtStart() throws {
        let fixture = try TemporaryStore()
        let orphan = fixture.directory + "/tenants/ghost-0123456789abcdef"
        try FileManager.default.createDirectory(atPath: orphan, withIntermediateDirectories: true)
        try fixture.reopen()
        fixture.store.waitForBackgroundWork()
        XCTAssertFalse(FileManager.default.fileExists(atPath: orphan))
    }

    func testUpdateTenantLimitsPersists() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.store.createTenant("acme")
        var limits = TenantLimits()
        limits.maxCollections = 3
        limits.readRequestsPerMinute = 60
        _ = try fixture.store.updateTenantLimits("acme", limits: limits)
        try fixture.reopen()
        XCTAssertEqual(try fixture.store.tenant("acme").limits, limits)
        XCTAssertThrowsError(try fixture.store.updateTenantLimits("ghost", limits: limits))
    }

    func testUsageCountsCollectionsPointsAndBytesOfTheWholeTenant() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        let empty = try session.usage()
        XCTAssertEqual([empty.collections, empty.points], [0, 0])
        for name in ["a", "b"] {
            try session.createCollection(name, config: singleVectorConfig(size: 8))
        }
        try session.upsert(
            "a",
            points: (0..<30).map { point($0, [1, 2, 3, 4, 5, 6, 7, 8]) },
            durability: .synced
        )
        try session.upsert("b", points: [point(1, [1, 0, 0, 0, 0, 0, 0, 0])], durability: .synced)
        try session.delete("a", selection: .ids([.number(0), .number(99)]), durability: .synced)
        let scoped = try fixture.store.session(
            for: AccessScope(tenant: "acme", canWrite: false, collections: ["b"])
        )
        let usage = try scoped.usage()
        XCTAssertEqual(usage.collections, 2)
        XCTAssertEqual(usage.points, 30)
        XCTAssertGreaterThan(usage.bytes, empty.bytes + 30 * 8 * 4)
    }

    // MARK: - Keys

    func testKeysAreFoundByHashListedPerTenantAndDeletedWithTheTenant() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.store.createTenant("acme")
        _ = try fixture.store.createTenant("acme2")
        let key = KeyRecord(
            id: "k1",
            tenant: "acme",
            hash: "aa",
            canWrite: false,
            collections: ["docs"],
            createdAt: 1
        )
        try fixture.store.putKey(key)
        try fixture.store.putKey(
            KeyRecord(
                id: "k1",
                tenant: "acme2",
                hash: "bb",
                canWrite: true,
                collections: nil,
                createdAt: 2
            )
        )
        XCTAssertThrowsError(
            try fixture.store.putKey(
                KeyRecord(
                    id: "x",
                    tenant: "ghost",
                    hash: "cc",
                    canWrite: true,
                    collections: nil,
                    createdAt: 0
                )
            )
        )
        try fixture.reopen()
        XCTAssertEqual(try fixture.store.key(hash: "aa"), key)
        XCTAssertEqual(try fixture.store.keys(tenant: "acme").map(\.hash), ["aa"])
        XCTAssertEqual(try fixture.store.keys(tenant: "acme2").map(\.hash), ["bb"])
        try fixture.store.deleteTenant("acme")
        XCTAssertNil(try fixture.store.key(hash: "aa"))
        XCTAssertEqual(try fixture.store.key(hash: "bb")?.tenant, "acme2")
    }

    func testDeleteKeyRemovesOnlyThatKey() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.store.createTenant("acme")
        for (id, hash) in [("k1", "h1"), ("k2", "h2")] {
            try fixture.store.putKey(
                KeyRecord(
                    id: id,
                    tenant: "acme",
                    hash: hash,
                    canWrite: true,
                    collections: nil,
                    createdAt: 0
                )
            )
        }
        XCTAssertTrue(try fixture.store.deleteKey(id: "k1", tenant: "acme"))
        XCTAssertFalse(try fixture.store.deleteKey(id: "k1", tenant: "acme"))
        XCTAssertNil(try fixture.store.key(hash: "h1"))
        XCTAssertNotNil(try fixture.store.key(hash: "h2"))
    }

    // MARK: - Handle pool

    func testIdleTenantsAreClosedPastMaxOpenTenants() throws {
        var options = Store.Options()
        options.maxOpenTenants = 3
        let fixture = try TemporaryStore(options: options)
        for index in 0..<6 {
            let session = try fixture.session(tenant: "t\(index)")
            try session.createCollection("c", config: singleVectorConfig(size: 2))
            try session.upsert("c", points: [point(UInt64(index), [1, 1])], durability: .synced)
        }
        XCTAssertLessThanOrEqual(fixture.store.openTenantCount, 3)
        // Evicted tenants reopen on demand with their data.
        for index in 0..<6 {
            let session = try fixture.session(tenant: "t\(index)", create: false)
            let records = try session.retrieve(
                "c",
                ids: [.number(UInt64(index))],
                payload: .all,
                vectors: .none
            )
            XCTAssertEqual(records.map(\.id), [.number(UInt64(index))])
        }
    }

    func testTenantsIdleForIdleCloseSecondsAreClosedAndReopenOnDemand() throws {
        var options = Store.Options()
        options.idleCloseSeconds = 0.2
        let fixture = try TemporaryStore(options: options)
        let held = try fixture.session(tenant: "held")
        try held.createCollection("c", config: singleVectorConfig(size: 2))
        do {
            let quiet = try fixture.session(tenant: "quiet")
            try quiet.createCollection("c", config: singleVectorConfig(size: 2))
            try quiet.upsert("c", points: [point(1, [1, 0])], durability: .synced)
        }
        XCTAssertEqual(fixture.store.openTenantCount, 2)
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertEqual(
            fixture.store.openTenantCount,
            1,
            "only the tenant with a session stays open"
        )
        let quiet = try fixture.session(tenant: "quiet", create: false)
        XCTAssertEqual(try quiet.count("c", filter: nil, exact: true), 1)
    }

    func testATenantWithALiveSessionIsNotEvicted() throws {
        var options = Store.Options()
        options.maxOpenTenants = 1
        let fixture = try TemporaryStore(options: options)
        let held = try fixture.session(tenant: "held")
        try held.createCollection("c", config: singleVectorConfig(size: 2))
        for index in 0..<3 {
            let other = try fixture.session(tenant: "other\(index)")
            try other.createCollection("c", config: singleVectorConfig(size: 2))
        }
        // Still usable: the lease kept it open through three evictions.
        try held.upsert("c", points: [point(1, [1, 0])], durability: .synced)
        XCTAssertEqual(try held.count("c", filter: nil, exact: true), 1)
    }
}
