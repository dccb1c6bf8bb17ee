import VectorIndex
import VectorStore

/// `CreateCollection` and `CollectionInfo` on the wire, in Qdrant's names.
enum CollectionWire {
    /// Top-level sections accepted as given and reported back in `config` (we do not act on
    /// them: there is no WAL, optimizer or quantization to tune).
    static let reportedSections = [
        "optimizers_config", "wal_config", "quantization_config", "sparse_vectors",
        "strict_mode_config", "metadata", "shard_number", "sharding_method",
        "replication_factor", "write_consistency_factor",
    ]

    /// Collection names: what fits a path segment and a file name without escaping.
    static func validateName(_ name: String, field: String = "collection_name") throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
        guard allowed, (1...255).contains(name.utf8.count), name != ".", name != ".." else {
            throw ServiceError.invalid(
                field,
                "`\(name)` must be 1-255 characters of letters, digits, '-', '_' and '.'"
            )
        }
    }

    // MARK: - CreateCollection

    /// With `embedding_model` (our extension), `vectors` may be left out (one unnamed Cosine
    /// vector) and `size` and `distance` may be omitted (size 0 here: the route fills in the
    /// model's dimension; distance Cosine).
    static func createCollection(_ body: WireObject) throws -> CollectionConfig {
        let hnsw = try hnswConfig(body.object("hnsw_config"), base: HNSWConfig()) ?? HNSWConfig()
        var config = CollectionConfig(vectors: [:], hnsw: hnsw)
        config.embeddingModel = try body.string("embedding_model")
        let byModel = config.embeddingModel != nil
        switch body["vectors"] {
        case nil where byModel:
            config.vectors[defaultVectorName] = VectorParams(size: 0, distance: .cosine)
        case nil:
            config.usesNamedVectors = true
        case .object(let members)?
        where members["size"] != nil || members["distance"] != nil || (byModel && members.isEmpty):
            config.vectors[defaultVectorName] = try vectorParams(
                WireObject(.object(members), path: "vectors"), sizeFromModel: byModel
            )
        case .object(let members)?:
            config.usesNamedVectors = true
            for (name, value) in members {
                config.vectors[name] = try vectorParams(
                    WireObject(value, path: "vectors.\(name)"), sizeFromModel: byModel)
            }
        case let other?:
            throw ServiceError.invalid("vectors", "expected an object, got \(other.typeName)")
        }
        config.onDiskPayload = try body.bool("on_disk_payload") ?? true
        for section in reportedSections {
            if let value = body[section] { config.extra[section] = value }
        }
        return config
    }

    /// One `VectorParams`; with `sizeFromModel`, a missing size reads as 0 and a missing
    /// distance as Cosine.
    static func vectorParams(_ object: WireObject, sizeFromModel: Bool = false) throws
        -> VectorParams
    {
        let size = sizeFromModel
            ? try object.int("size", in: 1...65_536) ?? 0
            : try object.required("size") { try object.int($0, in: 1...65_536) }
        let distanceName = sizeFromModel
            ? try object.string("distance") ?? Distance.cosine.rawValue
            : try object.required("distance", object.string)
        guard let distance = Distance(rawValue: distanceName) else {
            throw ServiceError.invalid(
                object.field("distance"),
                "unknown distance `\(distanceName)`; expected Cosine, Dot, Euclid or Manhattan"
            )
        }
        var params = VectorParams(size: size, distance: distance)
        params.hnsw = try hnswConfig(object.object("hnsw_config"), base: HNSWConfig())
        for (key, value) in object.members where !["size", "distance", "hnsw_config"].contains(key)
        {
            params.extra[key] = value
        }
        return params
    }

    /// Reads a `HnswConfigDiff`: given fields override `base`, the rest is kept in `extra`.
    static func hnswConfig(_ object: WireObject?, base: HNSWConfig) throws -> HNSWConfig? {
        guard let object else { return nil }
        var config = base
        config.m = try object.int("m", in: 0...2048) ?? base.m
        config.efConstruct = try object.int("ef_construct", in: 1...1_000_000) ?? base.efConstruct
        config.fullScanThreshold = try object.int("full_scan_threshold") ?? base.fullScanThreshold
        for (key, value) in object.members
        where !["m", "ef_construct", "full_scan_threshold"].contains(key) {
            config.extra[key] = value
        }
        return config
    }

    // MARK: - CollectionInfo

    /// Every field qdrant-client's pydantic `CollectionInfo` requires, and the optional ones
    /// it reads.
    static func info(_ info: CollectionInfo) -> JSONValue {
        let payloadSchema = info.payloadSchema.mapValues { entry in
            entry.schema.indexInfoJSON(points: entry.points)
        }
        return [
            "status": "green", "optimizer_status": "ok", "segments_count": 1,
            "points_count": .int(Int64(info.pointsCount)),
            "indexed_vectors_count": .int(Int64(info.indexedVectorsCount)),
            "config": config(info.config), "payload_schema": .object(payloadSchema),
        ]
    }

    static func config(_ config: CollectionConfig) -> JSONValue {
        var params: [String: JSONValue] = [
            "vectors": vectors(config), "shard_number": config.extra["shard_number"] ?? 1,
            "replication_factor": config.extra["replication_factor"] ?? 1,
            "write_consistency_factor": config.extra["write_consistency_factor"] ?? 1,
            "on_disk_payload": .bool(config.onDiskPayload),
        ]
        if let sparse = config.extra["sparse_vectors"] { params["sparse_vectors"] = sparse }
        if let sharding = config.extra["sharding_method"] { params["sharding_method"] = sharding }
        var result: [String: JSONValue] = [
            "params": .object(params), "hnsw_config": hnsw(config.hnsw),
            "optimizer_config": merged(defaultOptimizers, config.extra["optimizers_config"]),
            "wal_config": merged(defaultWAL, config.extra["wal_config"]),
            "quantization_config": config.extra["quantization_config"] ?? .null,
        ]
        if let strict = config.extra["strict_mode_config"] { result["strict_mode_config"] = strict }
        if let metadata = config.extra["metadata"] { result["metadata"] = metadata }
        if let model = config.embeddingModel { result["embedding_model"] = .string(model) }
        return .object(result)
    }

    /// A bare `VectorParams` for a collection made with one, else the named map.
    static func vectors(_ config: CollectionConfig) -> JSONValue {
        if !config.usesNamedVectors, let single = config.vectors[defaultVectorName] {
            return vectorParams(single)
        }
        return .object(config.vectors.mapValues(vectorParams))
    }

    static func vectorParams(_ params: VectorParams) -> JSONValue {
        var object = params.extra
        object["size"] = .int(Int64(params.size))
        object["distance"] = .string(params.distance.rawValue)
        if let hnsw = params.hnsw { object["hnsw_config"] = self.hnsw(hnsw) }
        return .object(object)
    }

    static func hnsw(_ config: HNSWConfig) -> JSONValue {
        var object: [String: JSONValue] = ["max_indexing_threads": 0, "on_disk": false]
        object.merge(config.extra) { _, given in given }
        object["m"] = .int(Int64(config.m))
        object["ef_construct"] = .int(Int64(config.efConstruct))
        object["full_scan_threshold"] = .int(Int64(config.fullScanThreshold))
        return .object(object)
    }

    /// Qdrant 1.19's defaults, reported so clients that read them find values.
    static let defaultOptimizers: [String: JSONValue] = [
        "deleted_threshold": 0.2, "vacuum_min_vector_number": 1000, "default_segment_number": 0,
        "max_segment_size": nil, "memmap_threshold": nil, "indexing_threshold": 10000,
        "flush_interval_sec": 5, "max_optimization_threads": nil,
    ]
    static let defaultWAL: [String: JSONValue] = ["wal_capacity_mb": 32, "wal_segments_ahead": 0]

    private static func merged(_ defaults: [String: JSONValue], _ given: JSONValue?) -> JSONValue {
        guard let given = given?.objectValue else { return .object(defaults) }
        return .object(defaults.merging(given) { _, new in new })
    }
}
