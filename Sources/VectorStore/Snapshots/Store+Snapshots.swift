import Foundation

/// One published snapshot file, as Qdrant's `SnapshotDescription` reports it.
public struct SnapshotDescription: Sendable, Equatable {
    /// The file name, `<label>-<UTC time>-<hex>.snapshot`.
    public var name: String
    /// When the file was published.
    public var creationTime: Date
    /// Bytes of the archive.
    public var size: Int
    /// SHA-256 of the archive (64 hex digits), from its `.checksum` sidecar.
    public var checksum: String?

    public init(name: String, creationTime: Date, size: Int, checksum: String?) {
        self.name = name
        self.creationTime = creationTime
        self.size = size
        self.checksum = checksum
    }
}

/// Tenant snapshots: a RocksDB checkpoint of one tenant database in one archive.
///
/// Files live in `<data>/snapshots/<tenant>/` (tenant snapshots) and
/// `<data>/snapshots/<tenant>/collections/<hash of collection name>/` (collection snapshots),
/// each with a `<name>.checksum` sidecar. A snapshot is built in `snapshots/.staging` and
/// renamed into place after an fsync, so a listing never shows a partial file.
extension Store {
    static let checksumExtension = ".checksum"

    func tenantSnapshotDirectory(_ tenant: String) -> String {
        SnapshotFiles.root(directory) + "/" + tenant
    }

    /// Collection names may hold any byte but `/` and NUL (and be `..`), so the directory is
    /// named by a hash of the name instead of the name itself.
    func collectionSnapshotDirectory(_ tenant: String, _ collection: String) -> String {
        let hasher = SHA256Hasher()
        hasher.update(Array(collection.utf8))
        return tenantSnapshotDirectory(tenant) + "/collections/" + hasher.finalizeHex().prefix(32)
    }

    /// Called when a tenant is deleted: its collection snapshots were its data and go with
    /// it. Tenant snapshots (the operator's backups, made with the admin key) stay.
    func removeCollectionSnapshots(of tenant: String) {
        let collections = tenantSnapshotDirectory(tenant) + "/collections"
        try? FileManager.default.removeItem(atPath: collections)
    }

    // MARK: - Tenant snapshots (admin plane)

    /// Checkpoints the tenant's database and publishes it as one archive.
    ///
    /// - Throws: `tenantNotFound`, or `storage` when RocksDB or the file system fails.
    public func createTenantSnapshot(_ tenant: String) throws -> SnapshotDescription {
        let record = try self.tenant(tenant)
        let session = try self.session(for: AccessScope(tenant: tenant, canWrite: false))
        let staging = try SnapshotFiles.makeStagingDirectory(in: directory, purpose: "tenant")
        defer { try? FileManager.default.removeItem(atPath: staging) }

        let checkpoint = staging + "/db"
        try session.handle.withDatabase { try $0.checkpoint(into: checkpoint) }
        let catalog = try readCatalog(ofDatabaseAt: checkpoint)
        let files = try SnapshotFiles.regularFiles(in: checkpoint)
            .filter(Store.isArchivedDatabaseFile)
            .map { (archivePath: "db/" + $0, source: checkpoint + "/" + $0) }
        return try publishArchive(
            files: files,
            label: tenant,
            staging: staging,
            into: tenantSnapshotDirectory(tenant)
        ) { archived in
            SnapshotManifest(
                kind: .tenant,
                tenant: tenant,
                collections: catalog,
                limits: record.limits,
                createdAt: Date().timeIntervalSince1970,
                files: archived
            )
        }
    }

    /// Tenant snapshots of `tenant`, oldest first; the tenant itself may be gone.
    public func tenantSnapshots(_ tenant: String) throws -> [SnapshotDescription] {
        try Names.validateTenant(tenant)
        return try Store.listSnapshots(in: tenantSnapshotDirectory(tenant))
    }

    /// The path of a tenant snapshot file, for download or restore.
    ///
    /// - Throws: `snapshotNotFound` for an unknown or malformed name.
    public func tenantSnapshotPath(_ tenant: String, name: String) throws -> String {
        try Names.validateTenant(tenant)
        return try Store.existingSnapshot(name, in: tenantSnapshotDirectory(tenant))
    }

    /// Deletes a tenant snapshot and its checksum sidecar. - Throws: `snapshotNotFound`.
    public func deleteTenantSnapshot(_ tenant: String, name: String) throws {
        try Store.removeSnapshot(try tenantSnapshotPath(tenant, name: name))
    }

    /// Registers `tenant` with the data of a tenant snapshot archive: the same collections,
    /// configs, payload indexes, points, HNSW graphs and limits. API keys are not part of a
    /// tenant snapshot; the caller issues new ones.
    ///
    /// The archive is extracted and verified (every checksum, and the database must open and
    /// its catalog decode) in staging before anything is registered; the database directory
    /// is then renamed into place and the registry entry written last, so a failure or a
    /// crash at any step leaves no tenant registered (an orphan directory is swept at start).
    ///
    /// The restored tenant gets `limits` when given, else the limits the snapshot recorded;
    /// its data must fit them (`max_collections`, `max_points`, `max_bytes`), checked before
    /// anything is registered or moved, like any other write.
    ///
    /// - Throws: `tenantExists`, `invalidArgument(field: "snapshot")` for a damaged,
    ///   truncated or wrong-kind archive, `invalidArgument(field: "tenant")` for a bad name,
    ///   `quotaExceeded` naming the first quota the data would pass.
    public func restoreTenant(
        _ tenant: String,
        fromArchive archive: String,
        limits: TenantLimits? = nil
    ) throws -> TenantRecord {
        try Names.validateTenant(tenant)
        guard try registry.tenant(tenant) == nil else { throw StoreError.tenantExists(tenant) }
        let staging = try SnapshotFiles.makeStagingDirectory(in: directory, purpose: "restore")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        // The start-up sweep moves tenant directories without a registry entry to the trash;
        // it must not see ours between the rename and the registry write below.
        waitForBackgroundWork()

        let manifest = try SnapshotArchive.unpack(archive, into: staging, expecting: .tenant)
        let database = staging + "/db"
        let (catalog, usage) = try readCatalogAndUsage(ofDatabaseAt: database)
        guard Set(catalog.keys) == Set(manifest.collections.keys) else {
            throw TarReader.refused("the database's collections differ from the manifest's")
        }
        let granted = limits ?? manifest.limits ?? TenantLimits()
        try Store.checkRestoreQuota(usage, granted)
        let record = try adminLock.withLocked {
            guard try registry.tenant(tenant) == nil else { throw StoreError.tenantExists(tenant) }
            let record = TenantRecord(
                name: tenant,
                incarnation: Store.makeIncarnation(),
                createdAt: Date().timeIntervalSince1970,
                limits: granted
            )
            try SnapshotFiles.publish(database, as: tenantDirectory(record))
            try registry.putTenant(record)
            return record
        }
        logger.info(
            "tenant restored",
            metadata: ["tenant.id": tenant, "snapshot.from": manifest.tenant ?? "-"]
        )
        return record
    }

    // MARK: - Shared steps

    /// Refuses a restore whose data would pass one of the limits it is restored with.
    /// Counters are taken as the archive has them: tenant snapshots come from the admin API.
    static func checkRestoreQuota(_ usage: TenantUsage, _ limits: TenantLimits) throws {
        let checks: [(String, Int?, Int)] = [
            ("max_collections", limits.maxCollections, usage.collections),
            ("max_points", limits.maxPoints, usage.points),
            ("max_bytes", limits.maxBytes, usage.bytes),
        ]
        for (quota, limit, wouldBe) in checks {
            if let limit, wouldBe > limit {
                throw StoreError.quotaExceeded(quota: quota, limit: limit, wouldBe: wouldBe)
            }
        }
    }

    /// Opens a database copy (a checkpoint or an extracted archive) and reads every catalog
    /// record, checking that each decodes. - Returns: stored catalog JSON by collection name.
    func readCatalog(ofDatabaseAt path: String) throws -> [String: JSONValue] {
        try readCatalogAndUsage(ofDatabaseAt: path).catalog
    }

    /// `readCatalog`, and the collections, points and logical bytes the database holds
    /// (from each collection's counters).
    func readCatalogAndUsage(
        ofDatabaseAt path: String
    ) throws -> (catalog: [String: JSONValue], usage: TenantUsage) {
        let database: RocksDBDatabase
        do {
            database = try RocksDBDatabase(path: path, options: tenantOptions)
        } catch {
            throw TarReader.refused("the tenant database does not open: \(error)")
        }
        defer { database.close() }
        let prefix = [KeyLayout.collectionTag]
        let iterator = database.iterator(from: prefix, to: KeyLayout.end(ofPrefix: prefix))
        var catalog: [String: JSONValue] = [:]
        var usage = TenantUsage(collections: 0, points: 0, bytes: 0)
        iterator.seekToFirst()
        while iterator.isValid {
            let name = String(decoding: iterator.key.dropFirst(), as: UTF8.self)
            guard let stored = try StoredCollection.load(name: name, database: database) else {
                throw StoreError.corrupted("catalog record of \(name) vanished")
            }
            catalog[name] = CollectionExport.catalogJSON(stored)
            usage.collections += 1
            usage.points += Int(stored.counters.pointCount)
            usage.bytes += Int(stored.counters.storedBytes)
            iterator.next()
        }
        try iterator.checkError()
        return (catalog, usage)
    }

    /// RocksDB files a snapshot carries: not the info logs or the lock file, which a database
    /// recreates and which say nothing about the data.
    static func isArchivedDatabaseFile(_ name: String) -> Bool {
        name != "LOCK" && !name.hasPrefix("LOG")
    }

    /// Writes the archive in `staging`, its checksum sidecar next to it, and renames both
    /// into `target` (sidecar first, so a listed snapshot always has its checksum).
    func publishArchive(
        files: [(archivePath: String, source: String)],
        label: String,
        staging: String,
        into target: String,
        manifest: ([String: ArchivedFile]) -> SnapshotManifest
    ) throws -> SnapshotDescription {
        let created = Date()
        let name = SnapshotFiles.makeName(label: label, at: created)
        let archivePath = staging + "/" + name
        let archived = try SnapshotArchive.write(to: archivePath, files: files, manifest: manifest)
        let sidecar = archivePath + Store.checksumExtension
        try Data(archived.sha256.utf8).write(to: URL(fileURLWithPath: sidecar))
        try SnapshotFiles.publish(sidecar, as: target + "/" + name + Store.checksumExtension)
        try SnapshotFiles.publish(archivePath, as: target + "/" + name)
        logger.info(
            "snapshot created",
            metadata: ["snapshot.name": name, "snapshot.bytes": String(archived.size)]
        )
        return SnapshotDescription(
            name: name,
            creationTime: created,
            size: archived.size,
            checksum: archived.sha256
        )
    }

    /// The published snapshots in `directory`, oldest first; an absent directory lists none.
    static func listSnapshots(in directory: String) throws -> [SnapshotDescription] {
        let files = FileManager.default
        let names = (try? files.contentsOfDirectory(atPath: directory)) ?? []
        let snapshots = try names.filter(SnapshotFiles.isValidName).map { name in
            let attributes = try files.attributesOfItem(atPath: directory + "/" + name)
            let checksum = try? String(
                contentsOfFile: directory + "/" + name + checksumExtension,
                encoding: .utf8
            )
            return SnapshotDescription(
                name: name,
                creationTime: attributes[.modificationDate] as? Date ?? Date(),
                size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
                checksum: checksum
            )
        }
        return snapshots.sorted { ($0.creationTime, $0.name) < ($1.creationTime, $1.name) }
    }

    /// `directory/name` if `name` is a valid snapshot name and the file exists.
    static func existingSnapshot(_ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        guard SnapshotFiles.isValidName(name), FileManager.default.fileExists(atPath: path) else {
            throw StoreError.snapshotNotFound(name)
        }
        return path
    }

    /// Removes a snapshot, then its sidecar (a crash between leaves only an unlisted sidecar).
    static func removeSnapshot(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + checksumExtension)
    }
}

// MARK: - Uploaded archives and local locations

extension Store {
    /// Writes an uploaded archive to a staging file, runs `body` with its path, and removes
    /// the file afterwards, whatever `body` does.
    public func withUploadedArchive<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let staging = try SnapshotFiles.makeStagingDirectory(in: directory, purpose: "upload")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let path = staging + "/upload" + SnapshotFiles.fileExtension
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    /// Every snapshot of the node lives under this directory.
    public var snapshotsDirectory: String { SnapshotFiles.root(directory) }

    /// Resolves a `file://` location to a local path, accepting only an existing snapshot
    /// file under `root` (after symlinks and `..` are resolved), so a caller can never make
    /// the node read another tenant's files or anything else on its disk.
    ///
    /// - Throws: `invalidArgument(field: "location")` naming the refused location.
    public static func localSnapshotPath(_ location: String, under root: String) throws -> String {
        func refuse(_ why: String) -> StoreError {
            .invalidArgument(field: "location", message: "`\(location)` \(why)")
        }
        guard let url = URL(string: location), let scheme = url.scheme?.lowercased() else {
            throw refuse("is not a URL")
        }
        if scheme == "http" || scheme == "https" {
            throw refuse(
                "is remote; this node reaches no network, so upload the file with "
                    + "POST .../snapshots/upload instead"
            )
        }
        guard scheme == "file", url.host == nil || url.host == "" || url.host == "localhost"
        else { throw refuse("must be a file:// URL") }
        let resolved = url.standardizedFileURL.resolvingSymlinksInPath().path
        let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(base + "/"), !resolved.contains("/.staging/") else {
            throw refuse("is outside this node's snapshot directory for you (\(root))")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory),
            !isDirectory.boolValue,
            SnapshotFiles.isValidName((resolved as NSString).lastPathComponent)
        else { throw StoreError.snapshotNotFound(location) }
        return resolved
    }

    /// SHA-256 of a file (64 hex digits), to check a `checksum` a caller supplied.
    public static func sha256(ofFile path: String) throws -> String {
        try SHA256Hasher.hexDigest(ofFile: path)
    }
}
