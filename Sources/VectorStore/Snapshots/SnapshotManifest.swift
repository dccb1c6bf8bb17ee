import Foundation

/// `manifest.json`, the last file of every snapshot archive: what the archive holds and the
/// SHA-256 of every other file in it, so a restore can refuse a damaged archive before it
/// writes anything.
///
/// Three kinds share the format:
/// - `tenant`: `db/<file>` is a RocksDB checkpoint of the tenant's database.
/// - `collection`: `collection.kv` holds one collection's keys (see `CollectionExport`).
/// - `node`: `registry/<file>` and `tenants/<name>-<incarnation>/<file>`, every database.
struct SnapshotManifest: Equatable {
    /// Bumped when the layout changes incompatibly; a newer archive is refused by name.
    static let formatVersion = 1
    static let fileName = "manifest.json"

    enum Kind: String {
        case tenant
        case collection
        case node
    }

    var kind: Kind
    /// The tenant the data came from (`nil` for a node backup).
    var tenant: String?
    /// Catalog records by collection name, in stored form: `{"config", "payload_schema"}`.
    var collections: [String: JSONValue]
    /// The tenant's limits (tenant snapshots), so settings come back with the data.
    var limits: TenantLimits?
    /// Seconds since 1970 (UTC).
    var createdAt: Double
    var files: [String: ArchivedFile]

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "format_version": .int(Int64(SnapshotManifest.formatVersion)),
            "kind": .string(kind.rawValue),
            "collections": .object(collections),
            "created_at": .double(createdAt),
            "files": .object(
                files.mapValues { ["size": .int(Int64($0.size)), "sha256": .string($0.sha256)] }
            ),
        ]
        if let tenant { object["tenant"] = .string(tenant) }
        if let limits { object["limits"] = limits.storageJSON }
        return .object(object)
    }

    /// Decodes and checks the version. - Throws: `invalidArgument(field: "snapshot")`.
    init(json: JSONValue) throws {
        guard let version = json["format_version"]?.intValue else {
            throw TarReader.refused("manifest has no format_version")
        }
        guard version == Int64(SnapshotManifest.formatVersion) else {
            throw TarReader.refused(
                "format_version \(version) is not supported (this node reads "
                    + "\(SnapshotManifest.formatVersion))"
            )
        }
        guard let kindName = json["kind"]?.stringValue, let kind = Kind(rawValue: kindName),
            let fileObjects = json["files"]?.objectValue
        else { throw TarReader.refused("manifest lacks kind or files") }
        var files: [String: ArchivedFile] = [:]
        for (path, entry) in fileObjects {
            guard let size = entry["size"]?.intValue, let sha = entry["sha256"]?.stringValue else {
                throw TarReader.refused("manifest entry of \(path) lacks size or sha256")
            }
            files[path] = ArchivedFile(size: Int(size), sha256: sha)
        }
        self.init(
            kind: kind,
            tenant: json["tenant"]?.stringValue,
            collections: json["collections"]?.objectValue ?? [:],
            limits: json["limits"].map { TenantLimits(storageJSON: $0) },
            createdAt: json["created_at"]?.numberValue ?? 0,
            files: files
        )
    }

    init(
        kind: Kind,
        tenant: String?,
        collections: [String: JSONValue],
        limits: TenantLimits?,
        createdAt: Double,
        files: [String: ArchivedFile]
    ) {
        self.kind = kind
        self.tenant = tenant
        self.collections = collections
        self.limits = limits
        self.createdAt = createdAt
        self.files = files
    }

    /// Checks that the extracted files are exactly the listed ones, with the listed sizes and
    /// checksums. - Throws: `invalidArgument(field: "snapshot")` naming the first mismatch.
    func verify(_ extracted: [String: ArchivedFile]) throws {
        var found = extracted
        found[SnapshotManifest.fileName] = nil
        for (path, expected) in files.sorted(by: { $0.key < $1.key }) {
            guard let actual = found.removeValue(forKey: path) else {
                throw TarReader.refused("\(path) is listed in the manifest but missing")
            }
            guard actual == expected else {
                throw TarReader.refused(
                    "\(path) does not match its checksum (expected \(expected.size) bytes, "
                        + "sha256 \(expected.sha256); got \(actual.size) bytes, "
                        + "sha256 \(actual.sha256))"
                )
            }
        }
        if let extra = found.keys.sorted().first {
            throw TarReader.refused("\(extra) is not listed in the manifest")
        }
    }
}

/// Writing and reading whole snapshot archives: files plus the manifest.
enum SnapshotArchive {
    /// Writes `files` (archive path → source path) and then the manifest built by `manifest`
    /// from their checksums, into a new archive at `path`.
    ///
    /// - Returns: the archive's size and SHA-256.
    static func write(
        to path: String,
        files: [(archivePath: String, source: String)],
        manifest: ([String: ArchivedFile]) -> SnapshotManifest
    ) throws -> ArchivedFile {
        let writer = try TarWriter(path: path)
        var archived: [String: ArchivedFile] = [:]
        for file in files {
            archived[file.archivePath] = try writer.addFile(
                named: file.archivePath,
                from: file.source
            )
        }
        let manifestBytes = manifest(archived).json.serialized()
        _ = try writer.addFile(named: SnapshotManifest.fileName, bytes: manifestBytes)
        let checksum = try writer.finish()
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)
        return ArchivedFile(size: size?.intValue ?? 0, sha256: checksum)
    }

    /// Extracts `archive` into the empty directory `staging` and verifies it completely.
    ///
    /// - Throws: `invalidArgument(field: "snapshot")` for a damaged, truncated or foreign
    ///   archive, or one of another kind than `kind`.
    static func unpack(
        _ archive: String,
        into staging: String,
        expecting kind: SnapshotManifest.Kind
    ) throws -> SnapshotManifest {
        let extracted = try TarReader.extract(archive: archive, into: staging)
        guard extracted[SnapshotManifest.fileName] != nil else {
            throw TarReader.refused("the archive has no \(SnapshotManifest.fileName)")
        }
        let bytes = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: staging + "/" + SnapshotManifest.fileName))
        )
        guard let json = try? JSONValue.parse(bytes) else {
            throw TarReader.refused("\(SnapshotManifest.fileName) is not JSON")
        }
        let manifest = try SnapshotManifest(json: json)
        guard manifest.kind == kind else {
            throw TarReader.refused(
                "this is a \(manifest.kind.rawValue) snapshot; a \(kind.rawValue) snapshot "
                    + "is needed here"
            )
        }
        try manifest.verify(extracted)
        return manifest
    }
}
