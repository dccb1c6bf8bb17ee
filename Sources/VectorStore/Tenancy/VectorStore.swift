// CONTRACT SCAFFOLD: the public API the service codes against. Bodies are filled in by the
// storage work; signatures may grow (new defaulted parameters) but should not break.

import VectorIndex

/// Who is asking: the tenant a credential is bound to, whether it may write, and, for a
/// scoped key, which collections it may touch. Every data-plane call goes through a
/// `TenantSession` made from one of these, so no route can forget the check.
public struct AccessScope: Sendable, Equatable {
    public var tenant: String
    public var canWrite: Bool
    /// `nil` means every collection of the tenant.
    public var collections: Set<String>?

    public init(tenant: String, canWrite: Bool, collections: Set<String>? = nil) {
        self.tenant = tenant
        self.canWrite = canWrite
        self.collections = collections
    }
}

/// Per-tenant limits (issue 7); `nil` means unlimited. Persisted in the tenant registry.
public struct TenantLimits: Sendable, Equatable {
    public var readRequestsPerMinute: Int?
    public var writeRequestsPerMinute: Int?
    public var embedTokensPerMinute: Int?
    public var maxPoints: Int?
    public var maxBytes: Int?
    public var maxCollections: Int?

    public init() {}
}

/// What a tenant holds right now, for quotas and the admin API.
public struct TenantUsage: Sendable, Equatable {
    public var collections: Int
    /// Points over all collections (exact: the collections' counters).
    public var points: Int
    /// Logical bytes of the tenant's points (keys, records and vectors; exact, from the
    /// collections' counters): what `max_bytes` limits.
    public var bytes: Int
    /// Bytes in the tenant's table files and memtables (RocksDB's estimate; write-ahead log
    /// and files awaiting compaction not counted): what the disk holds, compressed.
    public var diskBytes: Int
    /// Vectors over all collections: each point counts once per vector space of its
    /// collection (an upper bound when named vectors are optional).
    public var vectors: Int

    public init(
        collections: Int, points: Int, bytes: Int, diskBytes: Int = 0, vectors: Int? = nil
    ) {
        self.collections = collections
        self.points = points
        self.bytes = bytes
        self.diskBytes = diskBytes
        self.vectors = vectors ?? points
    }
}

/// A tenant as the registry records it.
public struct TenantRecord: Sendable, Equatable {
    public var name: String
    /// A fresh identifier per creation, so a tenant deleted and created again under the same
    /// name never sees the old files.
    public var incarnation: String
    public var createdAt: Double
    public var limits: TenantLimits

    public init(name: String, incarnation: String, createdAt: Double, limits: TenantLimits) {
        self.name = name
        self.incarnation = incarnation
        self.createdAt = createdAt
        self.limits = limits
    }
}

/// An API key as stored: only its hash, never the key itself.
public struct KeyRecord: Sendable, Equatable {
    public var id: String
    public var tenant: String
    /// Hex SHA-256 of the key.
    public var hash: String
    public var canWrite: Bool
    public var collections: Set<String>?
    public var createdAt: Double

    public init(
        id: String,
        tenant: String,
        hash: String,
        canWrite: Bool,
        collections: Set<String>?,
        createdAt: Double
    ) {
        self.id = id
        self.tenant = tenant
        self.hash = hash
        self.canWrite = canWrite
        self.collections = collections
        self.createdAt = createdAt
    }
}

/// A nearest-neighbour query (Qdrant's `SearchRequest` / `QueryRequest` with a vector).
public struct SearchRequest: Sendable {
    public var vector: [Float]
    /// The vector name to search; `defaultVectorName` for the unnamed vector.
    public var using: String
    public var filter: Filter?
    public var limit: Int
    public var offset: Int
    /// `hnsw_ef`; `nil` uses max(limit + offset, the collection's default).
    public var ef: Int?
    /// `exact: true` scans every point.
    public var exact: Bool
    public var scoreThreshold: Float?
    public var payload: PayloadSelector
    public var vectors: VectorSelector

    public init(
        vector: [Float],
        using: String = defaultVectorName,
        filter: Filter? = nil,
        limit: Int = 10,
        offset: Int = 0,
        ef: Int? = nil,
        exact: Bool = false,
        scoreThreshold: Float? = nil,
        payload: PayloadSelector = .none,
        vectors: VectorSelector = .none
    ) {
        self.vector = vector
        self.using = using
        self.filter = filter
        self.limit = limit
        self.offset = offset
        self.ef = ef
        self.exact = exact
        self.scoreThreshold = scoreThreshold
        self.payload = payload
        self.vectors = vectors
    }
}

/// A page of points in id order, or ordered by an indexed payload field.
public struct ScrollRequest: Sendable {
    public var filter: Filter?
    public var limit: Int
    /// The first id of the page (inclusive), as `next_page_offset` returned it.
    public var offset: PointID?
    public var payload: PayloadSelector
    public var vectors: VectorSelector
    /// `order_by`: key and whether descending.
    public var orderBy: (key: String, descending: Bool)?
    /// `order_by.start_from`: the first value (inclusive) in the chosen direction.
    public var orderStartFrom: OrderValue?

    public init(
        filter: Filter? = nil,
        limit: Int = 10,
        offset: PointID? = nil,
        payload: PayloadSelector = .all,
        vectors: VectorSelector = .none,
        orderBy: (key: String, descending: Bool)? = nil,
        orderStartFrom: OrderValue? = nil
    ) {
        self.orderStartFrom = orderStartFrom
        self.filter = filter
        self.limit = limit
        self.offset = offset
        self.payload = payload
        self.vectors = vectors
        self.orderBy = orderBy
    }
}
