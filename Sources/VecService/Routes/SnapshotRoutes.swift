import Dispatch
import Foundation
import VectorStore

/// Qdrant's collection snapshot routes, scoped to the caller's tenant, and the admin API's
/// tenant snapshots. A collection snapshot holds that collection only; a tenant snapshot is
/// a checkpoint of the whole tenant database (see `docs/serve.md`, "Snapshots and backups").
enum SnapshotRoutes {
    static let routes: [Route] = [
        Route("POST", "/collections/{collection}/snapshots", .write, createCollection),
        Route("GET", "/collections/{collection}/snapshots", .read, listCollection),
        Route(
            "GET", "/collections/{collection}/snapshots/{snapshot_name}", .read,
            downloadCollection),
        Route(
            "DELETE", "/collections/{collection}/snapshots/{snapshot_name}", .write,
            deleteCollection),
        // Recovering replaces (or creates) a collection: collection management, as in Qdrant.
        Route("POST", "/collections/{collection}/snapshots/upload", .manage, uploadCollection),
        Route("PUT", "/collections/{collection}/snapshots/recover", .manage, recoverCollection),
        Route("POST", "/tenants/{tenant}/snapshots", .admin, createTenant),
        Route("GET", "/tenants/{tenant}/snapshots", .admin, listTenant),
        Route("GET", "/tenants/{tenant}/snapshots/{snapshot_name}", .admin, downloadTenant),
        Route("DELETE", "/tenants/{tenant}/snapshots/{snapshot_name}", .admin, deleteTenant),
        Route("POST", "/tenants/{tenant}/snapshots/upload", .admin, uploadTenant),
        Route("PUT", "/tenants/{tenant}/snapshots/recover", .admin, recoverTenant),
        Route("POST", "/snapshots", .admin, createNode),
        Route("GET", "/snapshots", .admin, listNode),
        Route("GET", "/snapshots/{snapshot_name}", .admin, downloadNode),
        Route("DELETE", "/snapshots/{snapshot_name}", .admin, deleteNode),
    ]

    private static func snapshotName(_ context: RouteContext) -> String {
        context.parameters["snapshot_name"] ?? ""
    }

    private static func tenantName(_ context: RouteContext) -> String {
        context.parameters["tenant"] ?? ""
    }

    /// `?wait=false` answers at once with status `accepted`; the snapshot is made in the
    /// background and shows up in the listing when complete.
    private static func waits(_ context: RouteContext) -> Bool {
        context.request.query["wait"].map { $0 != "false" } ?? true
    }

    // MARK: - Collection snapshots (tenant-bound)

    static func createCollection(_ context: RouteContext) throws -> RouteResult {
        let session = try context.session()
        guard try session.collectionExists(context.collection) else {
            throw StoreError.collectionNotFound(context.collection)
        }
        guard waits(context) else {
            let collection = context.collection
            let logger = context.service.logger
            DispatchQueue.global(qos: .utility).async {
                do {
                    _ = try session.createCollectionSnapshot(collection)
                } catch {
                    logger.error("snapshot failed", metadata: ["error": "\(error)"])
                }
            }
            return accepted()
        }
        let snapshot = try session.createCollectionSnapshot(context.collection)
        return .result(SnapshotWire.description(snapshot))
    }

    static func listCollection(_ context: RouteContext) throws -> RouteResult {
        let snapshots = try context.session().collectionSnapshots(context.collection)
        return .result(.array(snapshots.map(SnapshotWire.description)))
    }

    static func downloadCollection(_ context: RouteContext) throws -> RouteResult {
        let path = try context.session().collectionSnapshotPath(
            context.collection,
            name: snapshotName(context)
        )
        return try download(path, name: snapshotName(context))
    }

    static func deleteCollection(_ context: RouteContext) throws -> RouteResult {
        try context.session().deleteCollectionSnapshot(
            context.collection,
            name: snapshotName(context)
        )
        return .result(true)
    }

    static func uploadCollection(_ context: RouteContext) throws -> RouteResult {
        let archive = try SnapshotWire.uploadedArchive(context.request)
        let session = try context.session()
        try context.service.store.withUploadedArchive(archive) { path in
            try session.recoverCollection(context.collection, fromArchive: path)
        }
        return .result(true)
    }

    /// `{"location": "file:///…"}` of a snapshot under the caller's own snapshot directory.
    static func recoverCollection(_ context: RouteContext) throws -> RouteResult {
        let (location, checksum) = try SnapshotWire.recover(context.body())
        let session = try context.session()
        let path = try Store.localSnapshotPath(location, under: session.snapshotRoot)
        try verify(path, checksum: checksum)
        try session.recoverCollection(context.collection, fromArchive: path)
        return .result(true)
    }

    // MARK: - Tenant snapshots (admin)

    static func createTenant(_ context: RouteContext) throws -> RouteResult {
        let store = context.service.store
        let tenant = tenantName(context)
        _ = try store.tenant(tenant)
        guard waits(context) else {
            let logger = context.service.logger
            DispatchQueue.global(qos: .utility).async {
                do {
                    _ = try store.createTenantSnapshot(tenant)
                } catch {
                    logger.error("snapshot failed", metadata: ["error": "\(error)"])
                }
            }
            return accepted()
        }
        return .result(SnapshotWire.description(try store.createTenantSnapshot(tenant)))
    }

    static func listTenant(_ context: RouteContext) throws -> RouteResult {
        let snapshots = try context.service.store.tenantSnapshots(tenantName(context))
        return .result(.array(snapshots.map(SnapshotWire.description)))
    }

    static func downloadTenant(_ context: RouteContext) throws -> RouteResult {
        let name = snapshotName(context)
        let path = try context.service.store.tenantSnapshotPath(tenantName(context), name: name)
        return try download(path, name: name)
    }

    static func deleteTenant(_ context: RouteContext) throws -> RouteResult {
        try context.service.store.deleteTenantSnapshot(
            tenantName(context),
            name: snapshotName(context)
        )
        return .result(true)
    }

    static func uploadTenant(_ context: RouteContext) throws -> RouteResult {
        let archive = try SnapshotWire.uploadedArchive(context.request)
        let store = context.service.store
        let record = try store.withUploadedArchive(archive) { path in
            try store.restoreTenant(tenantName(context), fromArchive: path)
        }
        return try restoredTenant(record, store: store)
    }

    /// Restores a tenant snapshot (any under the node's snapshot directory) as the tenant
    /// named in the path, which must not exist yet. A `limits` object in the body replaces
    /// the limits the snapshot recorded (unset fields unlimited); the data must fit them.
    static func recoverTenant(_ context: RouteContext) throws -> RouteResult {
        let body = try context.body()
        let (location, checksum) = try SnapshotWire.recover(body)
        let limits =
            try body.object("limits") == nil
            ? nil : try TenantWire.limits(body, onto: TenantLimits())
        let store = context.service.store
        try TenantWire.validateName(tenantName(context))
        let path = try Store.localSnapshotPath(location, under: store.snapshotsDirectory)
        try verify(path, checksum: checksum)
        let record = try store.restoreTenant(
            tenantName(context), fromArchive: path, limits: limits)
        return try restoredTenant(record, store: store)
    }

    // MARK: - Node snapshots (admin): online whole-node backups

    /// Qdrant's full-storage snapshot: the registry and every tenant, as `vecd backup` writes
    /// offline, taken while the server runs (see `Store.backup(to:)` for what is consistent).
    /// Always waits: `vecd backup --url` downloads the file as soon as it is listed.
    static func createNode(_ context: RouteContext) throws -> RouteResult {
        .result(SnapshotWire.description(try context.service.store.createNodeSnapshot()))
    }

    static func listNode(_ context: RouteContext) throws -> RouteResult {
        .result(.array(try context.service.store.nodeSnapshots().map(SnapshotWire.description)))
    }

    static func downloadNode(_ context: RouteContext) throws -> RouteResult {
        let name = snapshotName(context)
        return try download(try context.service.store.nodeSnapshotPath(name), name: name)
    }

    static func deleteNode(_ context: RouteContext) throws -> RouteResult {
        try context.service.store.deleteNodeSnapshot(snapshotName(context))
        return .result(true)
    }

    // MARK: - Helpers

    /// A restored tenant gets fresh keys, as a created one does: snapshots carry no keys.
    private static func restoredTenant(_ record: TenantRecord, store: Store) throws -> RouteResult
    {
        let writer = KeyIssuer.issue(tenant: record.name, canWrite: true, collections: nil)
        let reader = KeyIssuer.issue(tenant: record.name, canWrite: false, collections: nil)
        try store.putKey(writer.record)
        try store.putKey(reader.record)
        var result = TenantWire.tenant(record)
        result["api_key"] = .string(writer.key)
        result["api_key_id"] = .string(writer.record.id)
        result["read_only_api_key"] = .string(reader.key)
        result["read_only_api_key_id"] = .string(reader.record.id)
        return .result(.object(result))
    }

    private static func verify(_ path: String, checksum: String?) throws {
        guard let checksum else { return }
        let actual = try Store.sha256(ofFile: path)
        guard actual == checksum else {
            throw ServiceError.invalid(
                "checksum",
                "snapshot checksum is \(actual), not the expected \(checksum)"
            )
        }
    }

    /// Streams the archive from its file: a download of a multi-GB snapshot costs the server
    /// socket buffers, not the archive's size in memory (BENCHMARKS.md, "Snapshots").
    private static func download(_ path: String, name: String) throws -> RouteResult {
        .response(
            Response(
                status: 200,
                contentType: "application/octet-stream",
                file: try FileBody(path: path),
                headers: ["Content-Disposition": "attachment; filename=\"\(name)\""]
            )
        )
    }

    private static func accepted() -> RouteResult {
        .response(.json(["result": .null, "status": "accepted", "time": 0]))
    }
}
