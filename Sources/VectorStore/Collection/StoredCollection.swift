import Foundation
import VectorIndex

/// One collection of one tenant: its configuration, counters and search state, over the
/// tenant's RocksDB database.
///
/// Concurrency: reads (retrieve, scroll, count, search) take `lock` for reading and may run
/// together; every write takes it for writing, so writes are serialised and a read started
/// after a write returned sees it. In-memory search state changes only under the write lock.
final class StoredCollection: @unchecked Sendable {
    let name: String
    let id: UInt32
    private(set) var config: CollectionConfig
    private(set) var payloadSchemas: [String: PayloadFieldSchema]
    let database: RocksDBDatabase
    let lock = ReadWriteLock()
    var counters: CollectionCounters
    /// Set (under the write lock) when the collection is dropped; a writer that was waiting
    /// for the lock must then write nothing, or its keys would outlive the range delete.
    var isDropped = false

    /// Vectors by name, loaded on first search (see `vectorTable(for:)`).
    private var vectorTables: [String: VectorTable] = [:]
    private let vectorTablesLock = NSLock()

    init(name: String, id: UInt32, config: CollectionConfig,
         payloadSchemas: [String: PayloadFieldSchema], database: RocksDBDatabase) throws {
        self.name = name
        self.id = id
        self.config = config
        self.payloadSchemas = payloadSchemas
        self.database = database
        if let bytes = try database.get(KeyLayout.counters(id)) {
            counters = try CollectionCounters(decoding: bytes)
        } else {
            counters = CollectionCounters()
        }
    }

    // MARK: - Catalog record

    /// The record stored under `KeyLayout.collection(name)`.
    static func catalogRecord(
        id: UInt32, config: CollectionConfig, payloadSchemas: [String: PayloadFieldSchema]
    ) -> [UInt8] {
        let json: JSONValue = .object([
            "id": .int(Int64(id)), "config": config.storageJSON,
            "payload_schema": .object(payloadSchemas.mapValues { $0.storageJSON }),
        ])
        return json.serialized()
    }

    /// Reads the catalog record of `name`; `nil` when the collection does not exist.
    static func load(name: String, database: RocksDBDatabase) throws -> StoredCollection? {
        guard let bytes = try database.get(KeyLayout.collection(name)) else { return nil }
        guard let json = try? JSONValue.parse(bytes), let id = json["id"]?.intValue,
            let configJSON = json["config"]
        else { throw StoreError.corrupted("catalog record of collection \(name)") }
        let schemas = try (json["payload_schema"]?.objectValue ?? [:]).mapValues {
            try PayloadFieldSchema(storageJSON: $0)
        }
        return try StoredCollection(
            name: name, id: UInt32(id), config: try CollectionConfig(storageJSON: configJSON),
            payloadSchemas: schemas, database: database)
    }

    /// Rewrites the catalog record after a schema change (caller holds the write lock).
    func updatePayloadSchemas(_ schemas: [String: PayloadFieldSchema], sync: Bool) throws {
        let batch = RocksDBWriteBatch()
        batch.put(
            KeyLayout.collection(name),
            StoredCollection.catalogRecord(id: id, config: config, payloadSchemas: schemas))
        try database.write(batch, sync: sync)
        payloadSchemas = schemas
    }

    // MARK: - Helpers shared by reads and writes

    func params(for vectorName: String) throws -> VectorParams {
        guard let params = config.vectors[vectorName] else {
            throw StoreError.vectorNameNotFound(vectorName)
        }
        return params
    }

    func record(_ point: PointID, decodePayload: Bool = true) throws -> PointRecord? {
        guard let bytes = try database.get(KeyLayout.point(id, point)) else { return nil }
        return try PointRecord(decoding: bytes, decodePayload: decodePayload)
    }

    /// Calls `body` for each stored point in id order from `start` (inclusive), until it
    /// returns false.
    func forEachPoint(
        from start: PointID? = nil, decodePayload: Bool = true, fillCache: Bool = true,
        _ body: (PointID, PointRecord) throws -> Bool
    ) throws {
        let prefix = KeyLayout.pointPrefix(id)
        let iterator = database.iterator(
            from: prefix, to: KeyLayout.end(ofPrefix: prefix), fillCache: fillCache)
        if let start { iterator.seek(prefix + start.storageKey) } else { iterator.seekToFirst() }
        while iterator.isValid {
            let key = iterator.key
            guard let point = PointID(storageKey: key[prefix.count...]) else {
                throw StoreError.corrupted("point key in collection \(name)")
            }
            let record = try PointRecord(decoding: iterator.value, decodePayload: decodePayload)
            guard try body(point, record) else { return }
            iterator.next()
        }
        try iterator.checkError()
    }

    /// The ids a selection names that exist (listed ids) or that match (a filter), in id order.
    func resolve(_ selection: PointSelection) throws -> [(PointID, PointRecord)] {
        switch selection {
        case .ids(let ids):
            var seen = Set<PointID>()
            return try ids.sorted().compactMap { point in
                guard seen.insert(point).inserted, let record = try record(point) else { return nil }
                return (point, record)
            }
        case .filter(let filter):
            var matched: [(PointID, PointRecord)] = []
            try forEachPoint { point, record in
                if filter.matches(
                    id: point, payload: record.payload, vectorNames: Set(record.vectors.keys))
                {
                    matched.append((point, record))
                }
                return true
            }
            return matched
        }
    }

    // MARK: - Vector tables

    /// The in-memory vectors of `vectorName`, built from the stored points on first use.
    /// Caller holds at least the read lock, so no write runs while the table is built.
    func vectorTable(for vectorName: String) throws -> VectorTable {
        try vectorTablesLock.withLocked {
            if let table = vectorTables[vectorName] { return table }
            let params = try params(for: vectorName)
            let table = VectorTable(dimension: params.size)
            // The table now holds these vectors; caching their blocks too would double them.
            try forEachPoint(decodePayload: false, fillCache: false) { point, record in
                if let vector = record.vectors[vectorName] {
                    table.set(slot: record.slot, point: point, vector: vector)
                }
                return true
            }
            vectorTables[vectorName] = table
            return table
        }
    }

    /// Tables already loaded (writes keep only these current). Caller holds the write lock.
    var loadedVectorTables: [String: VectorTable] {
        vectorTablesLock.withLocked { vectorTables }
    }
}
