import Foundation

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
/// The backup is consistent when nothing writes while it runs: `vecd backup` opens the
/// store itself, and RocksDB's lock on the registry refuses it while a server holds the
/// node, so the tenants' checkpoints and the registry's all show the same moment.
/// Snapshot files under `snapshots/` are not included (they are backups themselves).
extension Store {
    /// Checkpoints the registry and every registered tenant into the archive at `path`.
    ///
    /// - Throws: `storage` when RocksDB or the file system fails.
    public func backup(to path: String) throws -> NodeBackupSummary {
        let staging = try SnapshotFiles.makeStagingDirectory(in: directory, purpose: "backup")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let tenants = try adminLock.withLocked { try registry.tenants() }

        try registry.checkpoint(into: staging + "/registry")
        var files = try Store.archivedFiles(in: staging, folder: "registry")
        // RocksDB creates the checkpoint directory itself, but not its parent.
        try FileManager.default.createDirectory(
            atPath: staging + "/tenants",
            withIntermediateDirectories: true
        )
        for record in tenants {
            let session = try self.session(for: AccessScope(tenant: record.name, canWrite: false))
            let folder = "tenants/\(record.name)-\(record.incarnation)"
            try session.handle.withDatabase { try $0.checkpoint(into: staging + "/" + folder) }
            files += try Store.archivedFiles(in: staging, folder: folder)
        }

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
