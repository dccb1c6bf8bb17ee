import Foundation

/// One caller's view of one tenant. A collection outside the scope answers exactly as a
/// missing one (`StoreError.collectionNotFound`); a write through a read-only scope throws
/// `StoreError.forbidden`.
///
/// Holds a lease on the tenant's open database until released; keep a session for one
/// request (or one batch of work), not for the life of a connection.
public final class TenantSession: @unchecked Sendable {
    public let scope: AccessScope
    let store: Store
    let handle: TenantHandle

    init(scope: AccessScope, store: Store, handle: TenantHandle) {
        self.scope = scope
        self.store = store
        self.handle = handle
    }

    deinit { store.release(handle) }

    // MARK: - Access checks

    private func isInScope(_ collection: String) -> Bool {
        scope.collections?.contains(collection) ?? true
    }

    private func requireWrite(_ action: String) throws {
        guard scope.canWrite else {
            throw StoreError.forbidden("this key is read-only and cannot \(action)")
        }
    }

    /// Runs `body` on an existing, in-scope collection.
    private func withCollection<T>(
        _ name: String,
        writing action: String? = nil,
        _ body: (StoredCollection) throws -> T
    ) throws -> T {
        if let action { try requireWrite(action) }
        guard isInScope(name), (try? Names.validateCollection(name)) != nil else {
            throw StoreError.collectionNotFound(name)
        }
        return try handle.withDatabase { database in
            guard let collection = try handle.collection(name, in: database) else {
                throw StoreError.collectionNotFound(name)
            }
            return try body(collection)
        }
    }

    /// Runs `body` on an existing, in-scope collection and the tenant's open database.
    private func withCollection<T>(
        _ name: String,
        writing action: String,
        _ body: (StoredCollection, RocksDBDatabase) throws -> T
    ) throws -> T {
        try requireWrite(action)
        guard isInScope(name), (try? Names.validateCollection(name)) != nil else {
            throw StoreError.collectionNotFound(name)
        }
        return try handle.withDatabase { database in
            guard let collection = try handle.collection(name, in: database) else {
                throw StoreError.collectionNotFound(name)
            }
            return try body(collection, database)
        }
    }

    // MARK: - Collections

    /// Names of the tenant's collections within scope, sorted.
    public func collectionNames() throws -> [String] {
        try handle.withDatabase { try TenantSession.catalogNames(in: $0).filter(isInScope) }
    }

    /// Every collection name in the tenant's catalog, sorted (one prefix scan).
    static func catalogNames(in database: RocksDBDatabase) throws -> [String] {
        let prefix = [KeyLayout.collectionTag]
        let iterator = database.iterator(from: prefix, to: KeyLayout.end(ofPrefix: prefix))
        var names: [String] = []
        iterator.seekToFirst()
        while iterator.isValid {
            names.append(String(decoding: iterator.key.dropFirst(), as: UTF8.self))
            iterator.next()
        }
        try iterator.checkError()
        return names
    }

    /// Collections, points and stored bytes of the whole tenant, whatever the scope (quota
    /// checks need the tenant's totals).
    public func usage() throws -> TenantUsage {
        try handle.withDatabase { database in
            let names = try TenantSession.catalogNames(in: database)
            var points = 0
            var bytes = 0
            var vectors = 0
            for name in names {
                guard let collection = try handle.collection(name, in: database) else { continue }
                let counters = collection.lock.withReadLock { collection.counters }
                points += Int(counters.pointCount)
                bytes += Int(counters.storedBytes)
                vectors += Int(counters.pointCount) * max(1, collection.config.vectors.count)
            }
            let diskBytes = ["rocksdb.estimate-live-data-size", "rocksdb.cur-size-all-mem-tables"]
                .compactMap { database.property($0).flatMap { Int($0) } }.reduce(0, +)
            return TenantUsage(
                collections: names.count, points: points, bytes: bytes, diskBytes: diskBytes,
                vectors: vectors)
        }
    }

    public func collectionExists(_ name: String) throws -> Bool {
        do {
            return try withCollection(name) { _ in true }
        } catch StoreError.collectionNotFound {
            return false
        }
    }

    /// Creates a collection; its config is persisted with it.
    ///
    /// - Throws: `forbidden` for a read-only scope or a name outside the scope,
    ///   `invalidArgument` for a bad name or config, `collectionExists`.
    public func createCollection(_ name: String, config: CollectionConfig) throws {
        try requireWrite("create collections")
        try Names.validateCollection(name)
        guard isInScope(name) else {
            throw StoreError.forbidden("this key may not create collection `\(name)`")
        }
        try TenantSession.validate(config)
        try handle.withDatabase { database in
            try handle.catalogLock.withLocked {
                guard try handle.collection(name, in: database) == nil else {
                    throw StoreError.collectionExists(name)
                }
                try checkCollectionQuota(database)
                let next =
                    try database.get(KeyLayout.nextCollectionID).map {
                        var reader = ByteReader($0)
                        return reader.readUInt32() ?? 0
                    } ?? UInt32(0)
                var nextID = ByteWriter()
                nextID.append(next + 1)
                let batch = RocksDBWriteBatch()
                batch.put(
                    KeyLayout.collection(name),
                    StoredCollection.catalogRecord(id: next, config: config, payloadSchemas: [:])
                )
                batch.put(KeyLayout.nextCollectionID, nextID.bytes)
                batch.put(KeyLayout.counters(next), CollectionCounters().encoded())
                try database.write(batch, sync: true)
            }
        }
    }

    static func validate(_ config: CollectionConfig) throws {
        guard !config.vectors.isEmpty else {
            throw StoreError.invalidArgument(
                field: "vectors",
                message: "at least one vector is required"
            )
        }
        for (name, params) in config.vectors {
            let label = name.isEmpty ? "vectors" : "vectors.\(name)"
            guard (1...65_536).contains(params.size) else {
                throw StoreError.invalidArgument(
                    field: "\(label).size",
                    message: "must be 1-65536, got \(params.size)"
                )
            }
            if let hnsw = params.hnsw { try validate(hnsw, field: "\(label).hnsw_config") }
        }
        try validate(config.hnsw, field: "hnsw_config")
    }

    private static func validate(_ hnsw: HNSWConfig, field: String) throws {
        guard hnsw.m >= 0, hnsw.efConstruct >= 4, hnsw.fullScanThreshold >= 0 else {
            throw StoreError.invalidArgument(
                field: field,
                message: "m must be >= 0 (got \(hnsw.m)), ef_construct >= 4 (got "
                    + "\(hnsw.efConstruct)), full_scan_threshold >= 0 "
                    + "(got \(hnsw.fullScanThreshold))"
            )
        }
    }

    /// Drops a collection and all its points (one range delete). Returns false when there
    /// was no such collection (or it is outside the scope).
    public func deleteCollection(_ name: String) throws -> Bool {
        try requireWrite("delete collections")
        guard isInScope(name), (try? Names.validateCollection(name)) != nil else { return false }
        return try handle.withDatabase { database in
            try handle.catalogLock.withLocked {
                guard let collection = try handle.collection(name, in: database) else {
                    return false
                }
                try collection.lock.withWriteLock {
                    let batch = RocksDBWriteBatch()
                    batch.delete(KeyLayout.collection(name))
                    batch.deleteRange(
                        from: KeyLayout.collectionData(collection.id),
                        to: KeyLayout.collectionDataEnd(collection.id)
                    )
                    try database.write(batch, sync: true)
                    collection.isDropped = true
                }
                handle.forgetCollection(name)
                return true
            }
        }
    }

    public func collectionInfo(_ name: String) throws -> CollectionInfo {
        try withCollection(name) { try $0.info() }
    }

    // MARK: - Points

    /// Inserts or replaces points in one atomic batch; nothing is written if any point is bad.
    public func upsert(_ collection: String, points: [Point], durability: WriteDurability) throws {
        try withCollection(collection, writing: "write points") { target, database in
            try withQuota(target, database) { quota in
                try target.upsert(points, sync: durability == .synced, quota: quota)
            }
        }
    }

    public func retrieve(
        _ collection: String,
        ids: [PointID],
        payload: PayloadSelector,
        vectors: VectorSelector
    ) throws -> [Record] {
        try withCollection(collection) { try $0.retrieve(ids, payload: payload, vectors: vectors) }
    }

    public func delete(
        _ collection: String,
        selection: PointSelection,
        durability: WriteDurability
    ) throws {
        try withCollection(collection, writing: "delete points") {
            try $0.delete(selection, sync: durability == .synced)
        }
    }

    public func scroll(
        _ collection: String,
        request: ScrollRequest
    ) throws -> (points: [Record], nextOffset: PointID?) {
        try withCollection(collection) { try $0.scroll(request) }
    }

    /// Always exact (`exact: false` is answered exactly too).
    public func count(_ collection: String, filter: Filter?, exact: Bool) throws -> Int {
        try withCollection(collection) { try $0.count(filter: filter) }
    }

    public func search(_ collection: String, request: SearchRequest) throws -> [ScoredPoint] {
        let statistics = store.searchStatistics(tenant: scope.tenant)
        return try withCollection(collection) { try $0.search(request, statistics: statistics) }
    }

    // MARK: - Payload

    /// Merges `payload` into each selected point's payload, or into the value at `key` (a
    /// Qdrant JSON path: `a.b`, `a[0]`, `a[].b`) when given.
    ///
    /// - Throws: `invalidArgument` naming `key` when it is not a valid path;
    ///   `pointNotFound` (nothing written) when a listed point does not exist.
    public func setPayload(
        _ collection: String,
        payload: [String: JSONValue],
        selection: PointSelection,
        key: String?,
        durability: WriteDurability
    ) throws {
        let path = try key.map { try PayloadEditing.setPath($0, field: "key") }
        try withCollection(collection, writing: "write payloads") { target, database in
            try updatePayloads(target, database, selection, durability) {
                PayloadEditing.merge(payload, at: path, into: &$0)
            }
        }
    }

    /// Replaces each selected point's payload with `payload`.
    ///
    /// - Throws: `pointNotFound` (nothing written) when a listed point does not exist.
    public func overwritePayload(
        _ collection: String,
        payload: [String: JSONValue],
        selection: PointSelection,
        durability: WriteDurability
    ) throws {
        try withCollection(collection, writing: "write payloads") { target, database in
            try updatePayloads(target, database, selection, durability) { $0 = payload }
        }
    }

    /// Removes what each of `keys` (Qdrant JSON paths) names from each selected point.
    ///
    /// - Throws: `invalidArgument` naming `keys[i]` when a key is not a valid path;
    ///   `pointNotFound` (nothing written) when a listed point does not exist.
    public func deletePayload(
        _ collection: String,
        keys: [String],
        selection: PointSelection,
        durability: WriteDurability
    ) throws {
        let paths = try keys.enumerated().map { index, key in
            try PayloadEditing.path(key, field: "keys[\(index)]")
        }
        try withCollection(collection, writing: "write payloads") { target, database in
            try updatePayloads(target, database, selection, durability) { payload in
                for path in paths { PayloadEditing.remove(path, from: &payload) }
            }
        }
    }

    /// Empties each selected point's payload.
    ///
    /// - Throws: `pointNotFound` (nothing written) when a listed point does not exist.
    public func clearPayload(
        _ collection: String,
        selection: PointSelection,
        durability: WriteDurability
    ) throws {
        try withCollection(collection, writing: "write payloads") { target, database in
            try updatePayloads(target, database, selection, durability) { $0 = [:] }
        }
    }

    // MARK: - Payload indexes and facets

    public func createPayloadIndex(
        _ collection: String,
        field: String,
        schema: PayloadFieldSchema,
        durability: WriteDurability
    ) throws {
        guard !field.isEmpty else {
            throw StoreError.invalidArgument(field: "field_name", message: "must not be empty")
        }
        try withCollection(collection, writing: "create payload indexes") {
            try $0.createPayloadIndex(field: field, schema: schema, sync: durability == .synced)
        }
    }

    public func deletePayloadIndex(
        _ collection: String,
        field: String,
        durability: WriteDurability
    ) throws {
        try withCollection(collection, writing: "delete payload indexes") {
            try $0.deletePayloadIndex(field: field, sync: durability == .synced)
        }
    }

    /// Counts of each distinct value of `key` among the points `filter` matches, most first.
    public func facet(
        _ collection: String,
        key: String,
        filter: Filter?,
        limit: Int,
        exact: Bool
    ) throws -> [(value: JSONValue, count: Int)] {
        try withCollection(collection) { try $0.facet(key: key, filter: filter, limit: limit) }
    }
}
