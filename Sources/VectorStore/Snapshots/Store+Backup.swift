import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a node backup wrote.
public struct NodeBackupSummary: Sendable, Equatable {
    /// Tenants in the backup, by name.
    public var tenants: [String]
    /// Bytes of the archive.
    public var size: Int
    /// SHA-256 of the archive (64 hex digits).
    public var checksum: String
}

/// Whole-node backups: the registry (tenants, limits, API key hashes) and every tenant
/// database, checkpointed into one archive of kind `node`.
///
/// Offline (`vecd backup --data-dir`, no server running) nothing writes meanwhile, so every
/// checkpoint shows the same moment. Online (`POST /snapshots` on a running server, what
/// `vecd backup --url` calls) writes go on: the admin lock is held from the registry's
/// checkpoint through the last tenant's, so no tenant is created, deleted or restored in
/// between and the registry names exactly the tenant databases archived; each tenant's
/// checkpoint is one consistent moment of that tenant (RocksDB checkpoints are), though two
/// tenants may be a few milliseconds apart. Tenants are independent, so that is what a
/// restore needs. Snapshot files under `snapshots/` are not included (they are backups).
extension Store {
    /// Checkpoints the registry and every registered tenant into the archive at `path`.
    ///
    /// - Throws: `storage` when RocksDB or the file system fails.
    public func backup(to path: String) throws -> NodeBackupSummary {
        let staging = try SnapshotFiles.makeStagingDirectory(in: directory, purpose: "backup")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        // RocksDB creates each checkpoint directory itself, but not its parent.
        try FileManager.default.createDirectory(
            atPath: staging + "/tenants",
            withIntermediateDirectories: true
        )
        // Checkpoints are hard links plus a memtable flush: holding the lock through all of
        // them delays tenant creation and deletion by that long, never data-plane writes.
        let (tenants, folders) = try adminLock.withLocked {
            () throws -> ([TenantRecord], [String]) in
            let tenants = try registry.tenants()
            try registry.checkpoint(into: staging + "/registry")
            var folders = ["registry"]
            for record in tenants {
                let scope = AccessScope(tenant: record.name, canWrite: false)
                let session = try self.session(for: scope)
                let folder = "tenants/\(record.name)-\(record.incarnation)"
                try session.handle.withDatabase { try $0.checkpoint(into: staging + "/" + folder) }
                folders.append(folder)
            }
            return (tenants, folders)
        }
        var files: [(archivePath: String, source: String)] = []
        for folder in folders { files += try Store.archivedFiles(in: staging, folder: folder) }

        let temporary = staging + "/node.backup"
        let archived = try SnapshotArchive.write(to: temporary, files: files) { archived in
            SnapshotManifest(
                kind: .node,
                tenant: nil,
                collections: [:],
                limits: nil,
                createdAt: Date().timeIntervalSince1970,
                files: archived
            )
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        // A move, not a rename: the output may be on another file system.
        if FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        return NodeBackupSummary(
            tenants: tenants.map(\.name),
            size: archived.size,
            checksum: archived.sha256
        )
    }

    /// The process holding the node in `directory` (RocksDB's lock on `registry/LOCK`), or
    /// `nil` when none does. Asks with `F_GETLK` and takes no lock itself: `vecd backup`
    /// uses it to refuse copying a node that a running server writes to.
    public static func lockHolder(ofDataDirectory directory: String) -> Int32? {
        let descriptor = Glibc.open(directory + "/registry/LOCK", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = 0
        probe.l_len = 0
        guard fcntl(descriptor, F_GETLK, &probe) == 0, probe.l_type != Int16(F_UNLCK) else {
            return nil
        }
        return probe.l_pid
    }

    // MARK: - Online node snapshots (admin API)

    /// Where node snapshots live: a name no tenant can have (tenant names never start with
    /// a dot), so they never mix with a tenant's snapshots.
    var nodeSnapshotDirectory: String { SnapshotFiles.root(directory) + "/.node" }

    /// A node backup of the running store, published as a snapshot (`GET /snapshots/{name}`
    /// downloads it; `vecd restore` restores it like an offline backup).
    ///
    /// - Throws: `storage` when RocksDB or the file system fails.
    public func createNodeSnapshot() throws -> SnapshotDescription {
        let staging = try SnapshotFiles.makeStagingDirectory(in: directory, purpose: "node")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let created = Date()
        let name = SnapshotFiles.makeName(label: "node", at: created)
        let archive = staging + "/" + name
        let summary = try backup(to: archive)
        let sidecar = archive + Store.checksumExtension
        try Data(summary.checksum.utf8).write(to: URL(fileURLWithPath: sidecar))
        let target = nodeSnapshotDirectory + "/" + name
        try SnapshotFiles.publish(sidecar, as: target + Store.checksumExtension)
        try SnapshotFiles.publish(archive, as: target)
        logger.info(
            "node snapshot created",
            metadata: [
                "snapshot.name": name, "snapshot.bytes": String(summary.size),
                "snapshot.tenants": String(summary.tenants.count),
            ]
        )
        return SnapshotDescription(
            name: name, creationTime: created, size: summary.size, checksum: summary.checksum)
    }

    /// Node snapshots, oldest first.
    public func nodeSnapshots() throws -> [SnapshotDescription] {
        try Store.listSnapshots(in: nodeSnapshotDirectory)
    }

    /// The file of a node snapshot. - Throws: `snapshotNotFound`.
    public func nodeSnapshotPath(_ name: String) throws -> String {
        try Store.existingSnapshot(name, in: nodeSnapshotDirectory)
    }

    /// Deletes a node snapshot and its sidecar. - Throws: `snapshotNotFound`.
    public func deleteNodeSnapshot(_ name: String) throws {
        try Store.removeSnapshot(try nodeSnapshotPath(name))
    }

    private static func archivedFiles(
        in staging: String,
        folder: String
    ) throws -> [(archivePath: String, source: String)] {
        try SnapshotFiles.regularFiles(in: staging + "/" + folder)
            .filter(isArchivedDatabaseFile)
            .map { (archivePath: folder + "/" + $0, source: staging + "/" + folder + "/" + $0) }
    }

    /// Restores a node backup into `directory`, which must be empty or absent.
    ///
    /// Every checksum is verified in `<directory>/.restore` before the registry and tenant
    /// directories are moved into place, and the registry is written last, so a damaged
    /// archive leaves `directory` empty.
    ///
    /// - Returns: the restored tenants' names.
    /// - Throws: `invalidArgument(field: "data-dir")` for a non-empty directory,
    ///   `invalidArgument(field: "snapshot")` for a damaged or wrong-kind archive.
    public static func restoreBackup(from archive: String, into directory: String) throws
        -> [String]
    {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard try files.contentsOfDirectory(atPath: directory).isEmpty else {
            throw StoreError.invalidArgument(
                field: "data-dir",
                message: "\(directory) is not empty; restore into an empty directory"
            )
        }
        let staging = directory + "/.restore"
        defer { try? files.removeItem(atPath: staging) }
        do {
            _ = try SnapshotArchive.unpack(archive, into: staging, expecting: .node)
        } catch {
            try? files.removeItem(atPath: staging)
            throw error
        }
        let tenants = (try? files.contentsOfDirectory(atPath: staging + "/tenants")) ?? []
        try files.createDirectory(
            atPath: directory + "/tenants",
            withIntermediateDirectories: true
        )
        for entry in tenants {
            try SnapshotFiles.publish(
                staging + "/tenants/" + entry,
                as: directory + "/tenants/" + entry
            )
        }
        try SnapshotFiles.publish(staging + "/registry", as: directory + "/registry")
        return tenants.map { String($0.dropLast(17)) }.sorted()
    }
}
