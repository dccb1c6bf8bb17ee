import Foundation
import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

/// Tenant, collection and node snapshots at the store level (issue 7 "Backups", B25 style
/// persistence of what a restore brings back).
final class SnapshotTests: XCTestCase {
    private let dimension = 8

    /// A collection that searches through its HNSW graph, with a keyword and an integer
    /// payload index, 400 points.
    private func fill(_ session: TenantSession, collection: String = "docs") throws {
        let config = CollectionConfig(
            vectors: [defaultVectorName: VectorParams(size: dimension, distance: .cosine)],
            hnsw: HNSWConfig(m: 12, efConstruct: 48, fullScanThreshold: 0)
        )
        try session.createCollection(collection, config: config)
        try session.createPayloadIndex(
            collection,
            field: "group",
            schema: PayloadFieldSchema(kind: .keyword),
            durability: .synced
        )
        try session.createPayloadIndex(
            collection,
            field: "n",
            schema: PayloadFieldSchema(kind: .integer),
            durability: .synced
        )
        var generator = SeededGenerator(seed: 11)
        let points = (0..<400).map { index in
            point(
                UInt64(index),
                generator.vector(dimension: dimension),
                ["group": .string(index % 7 == 0 ? "rare" : "common"), "n": .int(Int64(index))]
            )
        }
        try session.upsert(collection, points: points, durability: .buffered)
    }

    /// Everything a comparison needs: every record with payload and vector, the config, the
    /// payload index schemas, and answers of a plain and a filtered search.
    private struct Contents: Equatable {
        var records: [Record]
        var config: String
        var schemas: [String: String]
        var search: [ScoredPoint]
        var filteredSearch: [ScoredPoint]
    }

    private func contents(_ session: TenantSession, _ collection: String = "docs") throws
        -> Contents
    {
        let page = try session.scroll(
            collection,
            request: ScrollRequest(limit: 10_000, payload: .all, vectors: .all)
        )
        let info = try session.collectionInfo(collection)
        var generator = SeededGenerator(seed: 99)
        let query = generator.vector(dimension: dimension)
        let filter = try Filter(json: ["must": [["key": "group", "match": ["value": "rare"]]]])
        return Contents(
            records: page.points,
            config: info.config.storageJSON.jsonString,
            schemas: info.payloadSchema.mapValues { $0.schema.storageJSON.jsonString },
            search: try session.search(
                collection,
                request: SearchRequest(vector: query, limit: 10, payload: .all)
            ),
            filteredSearch: try session.search(
                collection,
                request: SearchRequest(vector: query, filter: filter, limit: 5)
            )
        )
    }

    private func session(_ store: Store, _ tenant: String, canWrite: Bool = true) throws
        -> TenantSession
    {
        try store.session(for: AccessScope(tenant: tenant, canWrite: canWrite))
    }

    // MARK: - Tenant snapshots

    func testTenantSnapshotRestoredUnderNewNameGivesBackPointsIndexesGraphAndLimits() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        var limits = TenantLimits()
        limits.maxPoints = 5000
        _ = try store.createTenant("acme", limits: limits)
        try fill(try session(store, "acme"))
        let before = try contents(try session(store, "acme"))
        XCTAssertEqual(before.records.count, 400)

        let snapshot = try store.createTenantSnapshot("acme")
        XCTAssertEqual(try store.tenantSnapshots("acme").map(\.name), [snapshot.name])
        XCTAssertEqual(snapshot.checksum?.count, 64)
        let path = try store.tenantSnapshotPath("acme", name: snapshot.name)
        XCTAssertEqual(try SHA256Hasher.hexDigest(ofFile: path), snapshot.checksum)

        let restored = try store.restoreTenant("acme-copy", fromArchive: path)
        XCTAssertEqual(restored.limits, limits)
        XCTAssertEqual(try contents(try session(store, "acme-copy")), before)
        // The copy is independent of the original.
        _ = try session(store, "acme").deleteCollection("docs")
        XCTAssertEqual(try contents(try session(store, "acme-copy")), before)

        // B25 style: the restored tenant survives a restart.
        let reopened = try fixture.reopen()
        XCTAssertEqual(try contents(try session(reopened, "acme-copy")), before)
        XCTAssertEqual(try reopened.tenantSnapshots("acme").map(\.name), [snapshot.name])
    }

    func testTenantSnapshotRestoresIntoFreshNodeUnderSameName() throws {
        let source = try TemporaryStore()
        _ = try source.store.createTenant("acme")
        try fill(try session(source.store, "acme"))
        let before = try contents(try session(source.store, "acme"))
        let snapshot = try source.store.createTenantSnapshot("acme")
        let path = try source.store.tenantSnapshotPath("acme", name: snapshot.name)

        let fresh = try TemporaryStore()
        _ = try fresh.store.restoreTenant("acme", fromArchive: path)
        XCTAssertEqual(try contents(try session(fresh.store, "acme")), before)
        XCTAssertThrowsError(try fresh.store.restoreTenant("acme", fromArchive: path)) {
            guard case StoreError.tenantExists("acme") = $0 else {
                return XCTFail("expected tenantExists, got \($0)")
            }
        }
    }

    // MARK: - Refusals

    /// Flips one byte in the middle, cuts the file short, and feeds a collection snapshot
    /// to a tenant restore: each is a 400-class error, and nothing is registered or left.
    func testCorruptTruncatedOrWrongKindArchiveIsRefusedAndWritesNothing() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        _ = try store.createTenant("acme")
        try fill(try session(store, "acme"))
        let snapshot = try store.createTenantSnapshot("acme")
        let snapshotPath = try store.tenantSnapshotPath("acme", name: snapshot.name)
        let original = try Data(contentsOf: URL(fileURLWithPath: snapshotPath))
        let collectionSnapshot = try session(store, "acme").createCollectionSnapshot("docs")
        let collectionPath = try session(store, "acme")
            .collectionSnapshotPath("docs", name: collectionSnapshot.name)

        var flipped = original
        flipped[flipped.count / 2] ^= 0x5A
        let truncated = original.prefix(original.count - 3000)
        let headerOnly = original.prefix(700)
        let cases: [(String, Data?, String?)] = [
            ("flipped", flipped, "checksum"), ("truncated", truncated, "truncated"),
            ("header only", headerOnly, "truncated"), ("empty", Data(), "truncated"),
            ("collection kind", nil, "collection snapshot"),
        ]
        let tenantsBefore = try store.tenants().map(\.name)
        for (label, bytes, expected) in cases {
            var path = collectionPath
            if let bytes {
                path = fixture.directory + "/bad-\(label.filter(\.isLetter)).snapshot"
                try bytes.write(to: URL(fileURLWithPath: path))
            }
            XCTAssertThrowsError(try store.restoreTenant("victim", fromArchive: path), label) {
                guard case StoreError.invalidArgument(field: "snapshot", let message) = $0 else {
                    return XCTFail("\(label): expected invalidArgument, got \($0)")
                }
                if let expected {
                    XCTAssertTrue(message.contains(expected), "\(label): \(message)")
                }
            }
        }
        XCTAssertEqual(try store.tenants().map(\.name), tenantsBefore)
        let tenantDirectories = try FileManager.default.contentsOfDirectory(
            atPath: fixture.directory + "/tenants"
        )
        XCTAssertFalse(tenantDirectories.contains { $0.hasPrefix("victim") })
        let staging = (try? FileManager.default.contentsOfDirectory(
            atPath: fixture.directory + "/snapshots/.staging"
        )) ?? []
        XCTAssertEqual(staging, [], "staging is cleaned after each refusal")

        // The same for a collection recover: the target collection is not created.
        let corrupt = fixture.directory + "/bad-flipped.snapshot"
        let acme = try session(store, "acme")
        XCTAssertThrowsError(try acme.recoverCollection("new", fromArchive: corrupt))
        XCTAssertFalse(try session(store, "acme").collectionExists("new"))
    }

    // MARK: - Collection snapshots

    func testCollectionSnapshotRecoversIntoAnotherTenantAndReplacesExistingCollection() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        _ = try store.createTenant("acme")
        _ = try store.createTenant("beta")
        let acme = try session(store, "acme")
        try fill(acme)
        try fill(acme, collection: "other")
        let before = try contents(acme)
        let snapshot = try acme.createCollectionSnapshot("docs")
        XCTAssertEqual(try acme.collectionSnapshots("docs").map(\.name), [snapshot.name])
        XCTAssertEqual(try acme.collectionSnapshots("other"), [])
        let path = try acme.collectionSnapshotPath("docs", name: snapshot.name)

        // Into another tenant, under another name: only that collection comes along.
        let beta = try session(store, "beta")
        try beta.recoverCollection("copy", fromArchive: path)
        XCTAssertEqual(try contents(beta, "copy"), before)
        XCTAssertEqual(try beta.collectionNames(), ["copy"])

        // Over the existing collection: points written after the snapshot are gone, and
        // writes continue on the recovered collection.
        try acme.upsert("docs", points: [point(9999, Array(repeating: 1, count: 8))],
            durability: .synced)
        try acme.recoverCollection("docs", fromArchive: path)
        XCTAssertEqual(try contents(acme), before)
        try acme.upsert("docs", points: [point(5000, Array(repeating: 1, count: 8))],
            durability: .synced)
        XCTAssertEqual(try acme.count("docs", filter: nil, exact: true), 401)
        XCTAssertEqual(try contents(acme, "other").records.count, 400, "siblings untouched")

        let reopened = try fixture.reopen()
        XCTAssertEqual(try session(reopened, "beta").count("copy", filter: nil, exact: true), 400)
        XCTAssertEqual(try session(reopened, "acme").count("docs", filter: nil, exact: true), 401)
    }

    func testRecoverCountsPointsAndBytesFromTheRecordsNotTheArchivesCounters() throws {
        // An uploaded archive is the caller's bytes: one whose counters record claims 0
        // points and 0 bytes must still be held to max_points, and the recovered collection
        // must account its real points and bytes (exactly what the writes had counted).
        let fixture = try TemporaryStore()
        let store = fixture.store
        _ = try store.createTenant("acme")
        let acme = try session(store, "acme")
        try fill(acme)
        let real = try acme.usage()
        let snapshot = try acme.createCollectionSnapshot("docs")
        let original = try acme.collectionSnapshotPath("docs", name: snapshot.name)

        let work = fixture.directory + "/forge"
        let manifest = try SnapshotArchive.unpack(original, into: work, expecting: .collection)
        let export = work + "/" + CollectionExport.fileName
        var entries: [([UInt8], [UInt8])] = []
        try CollectionExport.forEachEntry(in: export) { key, value in
            let isCounters = key == [UInt8(ascii: "m")]
            entries.append((key, isCounters ? CollectionCounters().encoded() : value))
        }
        var bytes = CollectionExport.magic
        for (key, value) in entries {
            for field in [key, value] {
                withUnsafeBytes(of: UInt32(field.count).littleEndian) { bytes += $0 }
                bytes += field
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: export))
        let forged = fixture.directory + "/forged.snapshot"
        _ = try SnapshotArchive.write(
            to: forged, files: [(CollectionExport.fileName, export)]
        ) { archived in
            var copy = manifest
            copy.files = archived
            return copy
        }

        var limits = TenantLimits()
        limits.maxPoints = 100
        _ = try store.createTenant("small", limits: limits)
        let small = try session(store, "small")
        XCTAssertThrowsError(try small.recoverCollection("docs", fromArchive: forged)) { error in
            XCTAssertEqual(
                "\(error)", "Quota exceeded: max_points is 100, this request would make it 400")
        }
        XCTAssertEqual(try session(store, "small").collectionNames(), [])

        _ = try store.createTenant("beta")
        let beta = try session(store, "beta")
        try beta.recoverCollection("docs", fromArchive: forged)
        let usage = try beta.usage()
        XCTAssertEqual(usage.points, 400)
        XCTAssertEqual(usage.bytes, real.bytes, "the same sum the writes counted")
        XCTAssertEqual(try beta.count("docs", filter: nil, exact: true), 400)
        // New points get slots of their own: the counters' next slot follows the records.
        try beta.upsert("docs", points: [point(7777, Array(repeating: 1, count: dimension))],
            durability: .synced)
        XCTAssertEqual(try beta.count("docs", filter: nil, exact: true), 401)
        let records = try contents(beta).records.filter { $0.id != .number(7777) }
        XCTAssertEqual(records, try contents(acme).records, "no old point lost its slot")
    }

    func testCollectionSnapshotsFollowTheKeyScope() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        _ = try store.createTenant("acme")
        _ = try store.createTenant("beta")
        let acme = try session(store, "acme")
        try fill(acme)
        let snapshot = try acme.createCollectionSnapshot("docs")
        let path = try acme.collectionSnapshotPath("docs", name: snapshot.name)

        let reader = try session(store, "acme", canWrite: false)
        XCTAssertEqual(try reader.collectionSnapshots("docs").map(\.name), [snapshot.name])
        for attempt in [
            { _ = try reader.createCollectionSnapshot("docs") },
            { try reader.deleteCollectionSnapshot("docs", name: snapshot.name) },
            { try reader.recoverCollection("docs", fromArchive: path) },
        ] {
            XCTAssertThrowsError(try attempt()) {
                guard case StoreError.forbidden = $0 else { return XCTFail("\($0)") }
            }
        }
        let scoped = try store.session(
            for: AccessScope(tenant: "acme", canWrite: true, collections: ["elsewhere"])
        )
        let beta = try session(store, "beta")
        for other in [scoped, beta] {
            XCTAssertThrowsError(try other.collectionSnapshots("docs")) {
                guard case StoreError.collectionNotFound("docs") = $0 else {
                    return XCTFail("\($0)")
                }
            }
        }
        XCTAssertThrowsError(try acme.collectionSnapshotPath("docs", name: "../x.snapshot")) {
            guard case StoreError.snapshotNotFound = $0 else { return XCTFail("\($0)") }
        }
        try acme.deleteCollectionSnapshot("docs", name: snapshot.name)
        XCTAssertEqual(try acme.collectionSnapshots("docs"), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".checksum"))
    }

    /// What a crash in the middle of a snapshot leaves in staging is never listed, and is
    /// removed when the store opens again.
    func testLeftoverStagingIsNotListedAndRemovedOnOpen() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.store.createTenant("acme")
        try fill(try session(fixture.store, "acme"))
        let staging = fixture.directory + "/snapshots/.staging/tenant-crashed"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try Data(count: 100).write(to: URL(fileURLWithPath: staging + "/acme-x.snapshot"))
        XCTAssertEqual(try fixture.store.tenantSnapshots("acme"), [])
        try fixture.reopen()
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging))
    }

    // MARK: - Node backups

    func testNodeBackupRestoresRegistryKeysAndEveryTenant() throws {
        let source = try TemporaryStore()
        _ = try source.store.createTenant("acme")
        _ = try source.store.createTenant("beta")
        try fill(try session(source.store, "acme"))
        try fill(try session(source.store, "beta"), collection: "b")
        let key = KeyRecord(
            id: "k1", tenant: "acme", hash: String(repeating: "ab", count: 32),
            canWrite: true, collections: nil, createdAt: 1
        )
        try source.store.putKey(key)
        let acmeBefore = try contents(try session(source.store, "acme"))
        let backupPath = source.directory + "-node.backup"
        defer { try? FileManager.default.removeItem(atPath: backupPath) }
        let summary = try source.store.backup(to: backupPath)
        XCTAssertEqual(summary.tenants, ["acme", "beta"])

        let target = source.directory + "-restored"
        defer { try? FileManager.default.removeItem(atPath: target) }
        XCTAssertEqual(try Store.restoreBackup(from: backupPath, into: target), ["acme", "beta"])
        XCTAssertThrowsError(try Store.restoreBackup(from: backupPath, into: target)) {
            guard case StoreError.invalidArgument(field: "data-dir", _) = $0 else {
                return XCTFail("\($0)")
            }
        }
        let restored = try Store(directory: target, logger: Logger(label: "test"))
        defer { restored.close() }
        XCTAssertEqual(try restored.tenants().map(\.name), ["acme", "beta"])
        XCTAssertEqual(try restored.key(hash: key.hash), key)
        XCTAssertEqual(try contents(try session(restored, "acme")), acmeBefore)
        XCTAssertEqual(try session(restored, "beta").count("b", filter: nil, exact: true), 400)
    }
}
