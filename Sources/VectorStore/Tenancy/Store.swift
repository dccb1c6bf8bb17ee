// CONTRACT SCAFFOLD: signatures the service codes against; the storage work replaces every
// `unimplemented()` body. Nothing here may survive into a submission as a stub.

import VectorIndex

@inline(never)
func unimplemented(_ function: StaticString = #function) -> Never {
    fatalError("not implemented yet: \(function)")
}

/// The node: a tenant registry plus one physically separate RocksDB namespace per tenant,
/// opened on first use and closed when idle.
public final class Store: @unchecked Sendable {
    /// Tuning for the whole node.
    public struct Options: Sendable {
        /// Open tenant databases kept at most; the least recently used is closed past this.
        public var maxOpenTenants: Int = 256
        /// One block cache shared by every tenant database.
        public var blockCacheBytes: Int = 256 << 20
        /// Per tenant database memtable size; small so idle tenants cost little.
        public var writeBufferBytes: Int = 4 << 20
        public init() {}
    }

    /// Opens (or creates) the node's data directory. Opens no tenant database.
    public init(directory: String, options: Options = Options(), logger: Logger = Logger(label: "store")) throws {
        unimplemented()
    }

    /// Flushes and closes every open tenant database.
    public func close() { unimplemented() }

    // MARK: - Tenants (admin plane)

    public func createTenant(_ name: String, limits: TenantLimits = TenantLimits()) throws -> TenantRecord {
        unimplemented()
    }
    /// Removes the tenant, its keys and its files; constant time in the tenant's size.
    public func deleteTenant(_ name: String) throws { unimplemented() }
    public func tenant(_ name: String) throws -> TenantRecord { unimplemented() }
    public func tenants() throws -> [TenantRecord] { unimplemented() }
    public func updateTenantLimits(_ name: String, limits: TenantLimits) throws -> TenantRecord {
        unimplemented()
    }

    // MARK: - Keys (hashed by the caller)

    public func putKey(_ key: KeyRecord) throws { unimplemented() }
    public func key(hash: String) throws -> KeyRecord? { unimplemented() }
    public func keys(tenant: String) throws -> [KeyRecord] { unimplemented() }
    public func deleteKey(id: String, tenant: String) throws -> Bool { unimplemented() }

    // MARK: - Data plane

    /// The only door to a tenant's data. Throws `tenantNotFound` for an unknown tenant.
    public func session(for scope: AccessScope) throws -> TenantSession { unimplemented() }
}

/// One caller's view of one tenant. A collection outside the scope answers exactly as a
/// missing one (`StoreError.collectionNotFound`); a write through a read-only scope throws
/// `StoreError.forbidden`.
public final class TenantSession: @unchecked Sendable {
    public let scope: AccessScope

    init(scope: AccessScope) {
        self.scope = scope
    }

    public func collectionNames() throws -> [String] { unimplemented() }
    public func collectionExists(_ name: String) throws -> Bool { unimplemented() }
    public func createCollection(_ name: String, config: CollectionConfig) throws { unimplemented() }
    /// Returns false when there was no such collection.
    public func deleteCollection(_ name: String) throws -> Bool { unimplemented() }
    public func collectionInfo(_ name: String) throws -> CollectionInfo { unimplemented() }

    public func upsert(_ collection: String, points: [Point], durability: WriteDurability) throws {
        unimplemented()
    }
    public func retrieve(
        _ collection: String, ids: [PointID], payload: PayloadSelector, vectors: VectorSelector
    ) throws -> [Record] { unimplemented() }
    public func delete(_ collection: String, selection: PointSelection, durability: WriteDurability) throws {
        unimplemented()
    }
    public func scroll(_ collection: String, request: ScrollRequest) throws -> (points: [Record], nextOffset: PointID?) {
        unimplemented()
    }
    public func count(_ collection: String, filter: Filter?, exact: Bool) throws -> Int { unimplemented() }
    public func search(_ collection: String, request: SearchRequest) throws -> [ScoredPoint] { unimplemented() }

    /// Merges `payload` into each selected point's payload (at `key`, a dotted path, if given).
    public func setPayload(
        _ collection: String, payload: [String: JSONValue], selection: PointSelection, key: String?,
        durability: WriteDurability
    ) throws { unimplemented() }
    public func overwritePayload(
        _ collection: String, payload: [String: JSONValue], selection: PointSelection,
        durability: WriteDurability
    ) throws { unimplemented() }
    public func deletePayload(
        _ collection: String, keys: [String], selection: PointSelection, durability: WriteDurability
    ) throws { unimplemented() }
    public func clearPayload(_ collection: String, selection: PointSelection, durability: WriteDurability) throws {
        unimplemented()
    }

    public func createPayloadIndex(
        _ collection: String, field: String, schema: PayloadFieldSchema, durability: WriteDurability
    ) throws { unimplemented() }
    public func deletePayloadIndex(_ collection: String, field: String, durability: WriteDurability) throws {
        unimplemented()
    }
    /// Counts of each distinct value of `key` among the points `filter` matches, most first.
    public func facet(
        _ collection: String, key: String, filter: Filter?, limit: Int, exact: Bool
    ) throws -> [(value: JSONValue, count: Int)] { unimplemented() }
}
