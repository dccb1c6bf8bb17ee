import VectorIndex

/// The stored form of a collection's configuration: our own JSON, not the wire form (the
/// service maps that), so the storage format does not move when the REST mapping does.
extension CollectionConfig {
    var storageJSON: JSONValue {
        var object: [String: JSONValue] = [
            "vectors": .object(vectors.mapValues { $0.storageJSON }),
            "uses_named_vectors": .bool(usesNamedVectors),
            "hnsw": hnsw.storageJSON,
            "on_disk_payload": .bool(onDiskPayload),
            "extra": .object(extra),
        ]
        if let embeddingModel { object["embedding_model"] = .string(embeddingModel) }
        return .object(object)
    }

    /// - Throws: `StoreError.corrupted` naming the field that does not decode.
    init(storageJSON json: JSONValue) throws {
        guard let vectorObjects = json["vectors"]?.objectValue else {
            throw StoreError.corrupted("collection config: vectors")
        }
        self.init(
            vectors: try vectorObjects.mapValues { try VectorParams(storageJSON: $0) },
            usesNamedVectors: json["uses_named_vectors"]?.boolValue ?? false,
            hnsw: try HNSWConfig(storageJSON: json["hnsw"] ?? .object([:])),
            onDiskPayload: json["on_disk_payload"]?.boolValue ?? true,
            embeddingModel: json["embedding_model"]?.stringValue,
            extra: json["extra"]?.objectValue ?? [:]
        )
    }
}

extension VectorParams {
    var storageJSON: JSONValue {
        var object: [String: JSONValue] = [
            "size": .int(Int64(size)), "distance": .string(distance.rawValue),
            "extra": .object(extra),
        ]
        if let hnsw { object["hnsw"] = hnsw.storageJSON }
        return .object(object)
    }

    init(storageJSON json: JSONValue) throws {
        guard let size = json["size"]?.intValue,
            let distanceName = json["distance"]?.stringValue,
            let distance = Distance(rawValue: distanceName)
        else { throw StoreError.corrupted("collection config: vector params \(json.jsonString)") }
        self.init(
            size: Int(size),
            distance: distance,
            hnsw: try json["hnsw"].map { try HNSWConfig(storageJSON: $0) },
            extra: json["extra"]?.objectValue ?? [:]
        )
    }
}

extension HNSWConfig {
    var storageJSON: JSONValue {
        .object([
            "m": .int(Int64(m)), "ef_construct": .int(Int64(efConstruct)),
            "full_scan_threshold": .int(Int64(fullScanThreshold)), "extra": .object(extra),
        ])
    }

    init(storageJSON json: JSONValue) throws {
        self.init(
            m: Int(json["m"]?.intValue ?? Int64(HNSWConfig.defaultM)),
            efConstruct: Int(
                json["ef_construct"]?.intValue ?? Int64(HNSWConfig.defaultEfConstruct)
            ),
            fullScanThreshold: Int(
                json["full_scan_threshold"]?.intValue ?? Int64(HNSWConfig.defaultFullScanThreshold)
            ),
            extra: json["extra"]?.objectValue ?? [:]
        )
    }
}

extension PayloadFieldSchema {
    /// Stored as kind + parameters; independent of the wire form's `json`.
    var storageJSON: JSONValue {
        .object(["kind": .string(kind.rawValue), "parameters": .object(parameters)])
    }

    init(storageJSON json: JSONValue) throws {
        guard let name = json["kind"]?.stringValue, let kind = Kind(rawValue: name) else {
            throw StoreError.corrupted("payload index schema \(json.jsonString)")
        }
        self.init(kind: kind, parameters: json["parameters"]?.objectValue ?? [:])
    }
}
