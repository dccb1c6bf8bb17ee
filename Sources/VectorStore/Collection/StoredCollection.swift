import Foundation
import VectorIndex

/// One collection of one tenant: its configuration, counters and in-memory search state,
/// over the tenant's RocksDB database.
///
/// Concurrency: reads (retrieve, scroll, count, search) take `lock` for reading and may run
/// together; every write takes it for writing, so writes are serialised and a read started
/// after a write returned sees it. The in-memory state changes only under the write lock.
final class StoredCollection: @unchecked Sendable {
    let name: String
    let id: UInt32
    let config: CollectionConfig
    private(set) var payloadSchemas: [String: PayloadFieldSchema]
    let database: RocksDBDatabase
    let lock = ReadWriteLock()
    var counters: CollectionCounters
    /// Set (under the write lock) when the collection is dropped; a writer that was waiting
    /// for the lock must then write nothing, or its keys would outlive the range delete.
    var isDropped = false

    /// Built on first use (`loadedState()`); `nil` again after a failed write, so the next
    /// use rebuilds it from what is on disk.
    private var state: CollectionState?
    private let stateLock = NSLock()

    init(
        name: String,
        id: UInt32,
        config: CollectionConfig,
        payloadSchemas: [String: PayloadFieldSchema],
        database: RocksDBDatabase
    ) throws {
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
        id: UInt32,
        config: CollectionConfig,
        payloadSchemas: [String: PayloadFieldSchema]
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
            name: name,
            id: UInt32(id),
            config: try CollectionConfig(storageJSON: configJSON),
            payloadSchemas: schemas,
            database: database
        )
    }

    /// Queues the catalog record with new schemas (caller holds the write lock).
    func queueCatalog(_ schemas: [String: PayloadFieldSchema], in batch: RocksDBWriteBatch) {
        batch.put(
            KeyLayout.collection(name),
            StoredCollection.catalogRecord(id: id, config: config, payloadSchemas: schemas)
        )
    }

    func setPayloadSchemas(_ schemas: [String: PayloadFieldSchema]) { payloadSchemas = schemas }

    // MARK: - In-memory state

    /// The graphs, payload indexes and slot map, loaded on first call. Caller holds the read
    /// or the write lock, so no write runs while the state is built.
    func loadedState() throws -> CollectionState {
        try stateLock.withLocked {
            if let state { return state }
            let loaded = try CollectionState.load(self)
            state = loaded
            return loaded
        }
    }

    /// The state if it is loaded, without loading it.
    var currentState: CollectionState? { stateLock.withLocked { state } }

    /// Forgets the state (after a failed write left it ahead of the disk).
    func discardState() { stateLock.withLocked { state = nil } }

    // MARK: - Helpers shared by reads and writes

    func params(for vectorName: String) throws -> VectorParams {
        guard let params = config.vectors[vectorName] else {
            throw StoreError.vectorNameNotFound(vectorName)
        }
        return params
    }

    /// - Parameter payloadKeys: decode only these top-level payload members (see
    ///   `PointRecord.init(decoding:decodePayload:payloadKeys:)`).
    func record(
        _ point: PointID,
        decodePayload: Bool = true,
        payloadKeys: Set<String>? = nil
    ) throws -> PointRecord? {
        guard let bytes = try database.get(KeyLayout.point(id, point)) else { return nil }
        return try PointRecord(
            decoding: bytes,
            decodePayload: decodePayload,
            payloadKeys: payloadKeys
        )
    }

    /// The stored vectors of a point, by name.
    func vectors(of record: PointRecord, names: [String]? = nil) throws -> [String: [Float]] {
        var vectors: [String: [Float]] = [:]
        for name in record.vectorNames where names?.contains(name) ?? true {
            guard let bytes = try database.get(KeyLayout.vector(id, name, record.slot)) else {
                throw StoreError.corrupted("vector `\(name)` of slot \(record.slot) is missing")
            }
            vectors[name] = try PointRecord.decode(vector: bytes)
        }
        return vectors
    }

    /// Calls `body` for each stored point in id order from `start` (inclusive), until it
    /// returns false.
    func forEachPoint(
        from start: PointID? = nil,
        decodePayload: Bool = true,
        payloadKeys: Set<String>? = nil,
        fillCache: Bool = true,
        _ body: (PointID, PointRecord) throws -> Bool
    ) throws {
        let prefix = KeyLayout.pointPrefix(id)
        let iterator = database.iterator(
            from: prefix,
            to: KeyLayout.end(ofPrefix: prefix),
            fillCache: fillCache
        )
        if let start { iterator.seek(prefix + start.storageKey) } else { iterator.seekToFirst() }
        while iterator.isValid {
            let key = iterator.key
            guard let point = PointID(storageKey: key[prefix.count...]) else {
                throw StoreError.corrupted("point key in collection \(name)")
            }
            let record = try PointRecord(
                decoding: iterator.value,
                decodePayload: decodePayload,
                payloadKeys: payloadKeys
            )
            guard try body(point, record) else { return }
            iterator.next()
        }
        try iterator.checkError()
    }

    /// Whether a stored point matches `filter` (with the collection's text tokenizers).
    func matches(_ filter: Filter?, _ point: PointID, _ record: PointRecord) -> Bool {
        guard let filter else { return true }
        let vectorNames = Set(record.vectorNames)
        if let state = currentState {
            return state.payloadIndexes.matches(
                filter,
                id: point,
                payload: record.payload,
                vectorNames: vectorNames
            )
        }
        return filter.matches(id: point, payload: record.payload, vectorNames: vectorNames)
    }

    /// The slot of a stored point (for `has_id` in the index planner).
    func slot(of point: PointID) -> UInt32? {
        (try? record(point, decodePayload: false))??.slot
    }

    /// Points matching `filter` in id order from `start`, using the payload indexes to narrow
    /// the candidates when they can, else scanning every point. `body` returns false to stop.
    ///
    /// - Parameter matchOnly: `body` needs no payload: records carry only the members the
    ///   filter looks at.
    func forEachMatch(
        _ filter: Filter?,
        from start: PointID? = nil,
        matchOnly: Bool = false,
        _ body: (PointID, PointRecord) throws -> Bool
    ) throws {
        let planned = try filter.flatMap { try indexAnswer(for: $0) }
        try forEachMatch(filter, planned: planned, from: start, matchOnly: matchOnly, body)
    }

    /// `forEachMatch` with the index answer already made (`nil`: scan every point), for a
    /// caller that planned with it and must not ask the indexes twice.
    func forEachMatch(
        _ filter: Filter?,
        planned: (CollectionState, IndexAnswer)?,
        from start: PointID? = nil,
        matchOnly: Bool = false,
        _ body: (PointID, PointRecord) throws -> Bool
    ) throws {
        let keys = matchOnly ? filter?.payloadRoots ?? [] : nil
        if let filter, let (state, answer) = planned {
            var points = answer.slots.compactMap { state.point(at: $0) }.sorted()
            if let start { points = points.filter { !($0 < start) } }
            for point in points {
                guard let record = try record(point, payloadKeys: keys) else { continue }
                guard answer.isExact || matches(filter, point, record) else { continue }
                guard try body(point, record) else { return }
            }
            return
        }
        try forEachPoint(from: start, payloadKeys: keys) { point, record in
            guard matches(filter, point, record) else { return true }
            return try body(point, record)
        }
    }

    /// What the payload indexes know of `filter`, with the state they belong to; `nil` when
    /// the collection has no index or none narrows the filter.
    func indexAnswer(for filter: Filter) throws -> (CollectionState, IndexAnswer)? {
        guard !payloadSchemas.isEmpty else { return nil }
        let state = try loadedState()
        return indexAnswer(for: filter, in: state).map { (state, $0) }
    }

    /// What `state`'s payload indexes (and `has_id`) know of `filter`.
    func indexAnswer(for filter: Filter, in state: CollectionState) -> IndexAnswer? {
        state.payloadIndexes.indexAnswer(for: filter, slotForID: { self.slot(of: $0) })
    }

    /// The ids a selection names that exist (listed ids) or that match (a filter), in id order.
    func resolve(_ selection: PointSelection) throws -> [(PointID, PointRecord)] {
        switch selection {
        case .ids(let ids):
            var seen = Set<PointID>()
            return try ids.sorted().compactMap { point in
                guard seen.insert(point).inserted, let record = try record(point) else {
                    return nil
                }
                return (point, record)
            }
        case .filter(let filter):
            var matched: [(PointID, PointRecord)] = []
            try forEachMatch(filter) { point, record in
                matched.append((point, record))
                return true
            }
            return matched
        }
    }
}
