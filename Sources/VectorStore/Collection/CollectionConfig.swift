import VectorIndex

/// One vector space of a collection (Qdrant's `VectorParams`).
public struct VectorParams: Sendable, Equatable {
    public var size: Int
    public var distance: Distance
    /// Per-vector HNSW override; `nil` uses the collection's.
    public var hnsw: HNSWConfig?
    /// Accepted and reported as given (`on_disk`, `datatype`, `multivector_config`, …).
    public var extra: [String: JSONValue]

    public init(
        size: Int,
        distance: Distance,
        hnsw: HNSWConfig? = nil,
        extra: [String: JSONValue] = [:]
    ) {
        self.size = size
        self.distance = distance
        self.hnsw = hnsw
        self.extra = extra
    }
}

/// HNSW settings as in Qdrant's `HnswConfig`.
public struct HNSWConfig: Sendable, Equatable {
    /// Neighbours per node on levels above 0 (paper: M). Qdrant's default.
    public static let defaultM = 16
    /// Candidate list size while building (paper: efConstruction). Qdrant's default.
    public static let defaultEfConstruct = 100
    /// Below this many kilobytes of vectors a filtered search scans instead (Qdrant's default).
    public static let defaultFullScanThreshold = 10_000

    public var m: Int
    public var efConstruct: Int
    public var fullScanThreshold: Int
    /// Accepted and reported as given (`max_indexing_threads`, `on_disk`, `payload_m`, …).
    public var extra: [String: JSONValue]

    public init(
        m: Int = HNSWConfig.defaultM,
        efConstruct: Int = HNSWConfig.defaultEfConstruct,
        fullScanThreshold: Int = HNSWConfig.defaultFullScanThreshold,
        extra: [String: JSONValue] = [:]
    ) {
        self.m = m
        self.efConstruct = efConstruct
        self.fullScanThreshold = fullScanThreshold
        self.extra = extra
    }
}

/// A collection's configuration (Qdrant's `CreateCollection`), persisted with the collection.
public struct CollectionConfig: Sendable, Equatable {
    /// Vector spaces by name; a collection created with a bare `VectorParams` has one space
    /// under `defaultVectorName`.
    public var vectors: [String: VectorParams]
    /// True when the collection was created with named vectors (`{"name": {...}}`), which
    /// changes how `vectors` is written back in `CollectionInfo`.
    public var usesNamedVectors: Bool
    public var hnsw: HNSWConfig
    public var onDiskPayload: Bool
    /// The embedding model that text in this collection is embedded with (our extension);
    /// `nil` means the service's default model.
    public var embeddingModel: String?
    /// Sections accepted and reported back as given: `optimizers_config`, `wal_config`,
    /// `quantization_config`, `sparse_vectors`, `strict_mode_config`, `metadata`, …
    public var extra: [String: JSONValue]

    public init(
        vectors: [String: VectorParams],
        usesNamedVectors: Bool = false,
        hnsw: HNSWConfig = HNSWConfig(),
        onDiskPayload: Bool = true,
        embeddingModel: String? = nil,
        extra: [String: JSONValue] = [:]
    ) {
        self.vectors = vectors
        self.usesNamedVectors = usesNamedVectors
        self.hnsw = hnsw
        self.onDiskPayload = onDiskPayload
        self.embeddingModel = embeddingModel
        self.extra = extra
    }
}

/// What `GET /collections/{c}` reports besides the config.
public struct CollectionInfo: Sendable {
    public var config: CollectionConfig
    public var pointsCount: Int
    public var indexedVectorsCount: Int
    /// Payload index schemas by field, with the number of points each covers.
    public var payloadSchema: [String: (schema: PayloadFieldSchema, points: Int)]

    public init(
        config: CollectionConfig,
        pointsCount: Int,
        indexedVectorsCount: Int,
        payloadSchema: [String: (schema: PayloadFieldSchema, points: Int)]
    ) {
        self.config = config
        self.pointsCount = pointsCount
        self.indexedVectorsCount = indexedVectorsCount
        self.payloadSchema = payloadSchema
    }
}
