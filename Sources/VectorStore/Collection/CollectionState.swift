import VectorIndex

/// What a collection keeps in memory once it is used for search or written: one HNSW graph
/// per vector name, the payload indexes, and the slot → id map. Built from RocksDB on first
/// use (`load`), then kept current by every write under the collection's write lock, and
/// dropped with the tenant's handle when it is closed.
final class CollectionState {
    /// One graph per vector name; its nodes are the slots of the points holding that vector.
    var graphs: [String: HNSWGraph]
    /// Nodes marked deleted per graph and not yet reclaimed by compaction.
    var deletedNodes: [String: Int]
    var payloadIndexes: PayloadIndexSet
    /// The point in each slot; `nil` for a slot whose point was deleted.
    var slotToID: [PointID?]
    /// Slots below `CollectionCounters.nextSlot` that nothing uses (see `isFree`), highest
    /// first, so new points take the lowest. Never persisted: `load` derives it from the keys
    /// on disk, which every write batch changes atomically, so after a crash it matches the
    /// last batch written and no slot can be handed out twice.
    private(set) var freeSlots: [UInt32] = []

    private init(
        graphs: [String: HNSWGraph],
        deletedNodes: [String: Int],
        payloadIndexes: PayloadIndexSet,
        slotToID: [PointID?]
    ) {
        self.graphs = graphs
        self.deletedNodes = deletedNodes
        self.payloadIndexes = payloadIndexes
        self.slotToID = slotToID
    }

    /// Graph settings for a vector space: its own `hnsw_config` or the collection's.
    /// Qdrant allows `m = 0` (no graph; always exact); the graph needs m >= 2 to store
    /// vectors, and `StoredCollection.isGraphDisabled` keeps such spaces on exact search.
    static func parameters(_ params: VectorParams, _ config: CollectionConfig) -> HNSWParameters {
        let hnsw = params.hnsw ?? config.hnsw
        return HNSWParameters(
            m: min(max(hnsw.m, 2), HNSWParameters.maxM),
            efConstruction: max(hnsw.efConstruct, 1)
        )
    }

    /// Reads everything the state holds from the collection's keys.
    ///
    /// - Throws: `StoreError.corrupted` when stored graph records do not form a valid graph.
    static func load(_ collection: StoredCollection) throws -> CollectionState {
        var graphs: [String: HNSWGraph] = [:]
        var deleted: [String: Int] = [:]
        for (name, params) in collection.config.vectors {
            let graph: HNSWGraph
            do {
                graph = try HNSWGraph(
                    dimension: params.size,
                    distance: params.distance,
                    parameters: parameters(params, collection.config)
                )
            } catch {
                throw StoreError.invalidArgument(field: "hnsw_config", message: "\(error)")
            }
            deleted[name] = try restore(graph, name: name, from: collection)
            graphs[name] = graph
        }
        let state = CollectionState(
            graphs: graphs,
            deletedNodes: deleted,
            payloadIndexes: PayloadIndexSet(),
            slotToID: try loadSlots(collection)
        )
        try state.buildPayloadIndexes(collection.payloadSchemas, from: collection)
        state.release(0..<collection.counters.nextSlot)
        return state
    }

    /// Restores `graph` from its metadata, node records and vectors (walked side by side in
    /// slot order); returns the number of deleted nodes.
    private static func restore(
        _ graph: HNSWGraph,
        name: String,
        from collection: StoredCollection
    ) throws -> Int {
        let database = collection.database
        guard let metadataBytes = try database.get(KeyLayout.graphMetadata(collection.id, name))
        else { return 0 }
        var nodes: [HNSWGraph.StoredNode] = []
        var deleted = 0
        let nodePrefix = KeyLayout.nodePrefix(collection.id, name)
        let vectorPrefix = KeyLayout.vectorPrefix(collection.id, name)
        let records = database.iterator(
            from: nodePrefix,
            to: KeyLayout.end(ofPrefix: nodePrefix),
            fillCache: false
        )
        let vectors = database.iterator(
            from: vectorPrefix,
            to: KeyLayout.end(ofPrefix: vectorPrefix),
            fillCache: false
        )
        records.seekToFirst()
        vectors.seekToFirst()
        do {
            while records.isValid {
                guard let slot = KeyLayout.readBigEndianUInt32(records.key[nodePrefix.count...])
                else {
                    throw StoreError.corrupted("node key in collection \(collection.name)")
                }
                // Skip vectors of slots without a node (none expected; tolerate them).
                while vectors.isValid,
                    let vectorSlot = KeyLayout.readBigEndianUInt32(
                        vectors.key[vectorPrefix.count...]
                    ),
                    vectorSlot < slot
                {
                    vectors.next()
                }
                guard vectors.isValid, vectors.key == KeyLayout.vector(collection.id, name, slot)
                else {
                    throw StoreError.corrupted("node \(slot) of `\(name)` has no stored vector")
                }
                let record = try HNSWNodeRecord(bytes: records.value)
                if record.isDeleted { deleted += 1 }
                nodes.append((slot, record, try PointRecord.decode(vector: vectors.value)))
                records.next()
                vectors.next()
            }
            try records.checkError()
            try vectors.checkError()
            try graph.restore(metadata: try HNSWGraphMetadata(bytes: metadataBytes), nodes: nodes)
        } catch let error as IndexError {
            throw StoreError.corrupted("graph of `\(name)` in \(collection.name): \(error)")
        }
        return deleted
    }

    private static func loadSlots(_ collection: StoredCollection) throws -> [PointID?] {
        var slots = [PointID?](repeating: nil, count: Int(collection.counters.nextSlot))
        let prefix = KeyLayout.slotPrefix(collection.id)
        let iterator = collection.database.iterator(
            from: prefix,
            to: KeyLayout.end(ofPrefix: prefix),
            fillCache: false
        )
        iterator.seekToFirst()
        while iterator.isValid {
            guard let slot = KeyLayout.readBigEndianUInt32(iterator.key[prefix.count...]),
                Int(slot) < slots.count, let point = PointID(storageKey: iterator.value)
            else { throw StoreError.corrupted("slot map of collection \(collection.name)") }
            slots[Int(slot)] = point
            iterator.next()
        }
        try iterator.checkError()
        return slots
    }

    /// Creates an index per schema and feeds it every stored point (one scan for all).
    func buildPayloadIndexes(
        _ schemas: [String: PayloadFieldSchema],
        from collection: StoredCollection
    ) throws {
        var created: [String] = []
        for (field, schema) in schemas {
            if try payloadIndexes.createIndex(field: field, schema: schema) {
                created.append(field)
            }
        }
        guard !created.isEmpty else { return }
        try collection.forEachPoint(fillCache: false) { _, record in
            for field in created {
                payloadIndexes.add(slot: record.slot, payload: record.payload, field: field)
            }
            return true
        }
    }

    // MARK: - Slot reuse

    /// True when nothing uses `slot`: no point holds it (so no payload index entry names it)
    /// and no graph has a node there, live or marked deleted (so, once compaction freed the
    /// node, no neighbour list names it and its vector key is gone). A new point may take
    /// it without any stale state reaching the graphs or the indexes.
    func isFree(_ slot: UInt32) -> Bool {
        point(at: slot) == nil && !graphs.values.contains { $0.holdsNode(slot) }
    }

    /// Adds those of `slots` that are free and not listed yet to `freeSlots`. Called with the
    /// slots of deleted points and the slots compaction freed; a slot another graph still
    /// holds is added when that graph's compaction frees it.
    func release(_ slots: some Sequence<UInt32>) {
        let listed = Set(freeSlots)
        let added = slots.filter { !listed.contains($0) && isFree($0) }
        guard !added.isEmpty else { return }
        freeSlots.append(contentsOf: added)
        freeSlots.sort(by: >)
    }

    /// The lowest `count` free slots (fewer when fewer are free), lowest first, left listed
    /// until `claimFreeSlots`: a write checks its quota before it changes any state.
    func reusableSlots(_ count: Int) -> [UInt32] {
        Array(freeSlots.suffix(count).reversed())
    }

    /// Takes the first `count` slots `reusableSlots` returned off the free list.
    func claimFreeSlots(_ count: Int) {
        freeSlots.removeLast(count)
    }

    func setSlot(_ slot: UInt32, to point: PointID?) {
        let index = Int(slot)
        if index >= slotToID.count {
            slotToID.append(contentsOf: repeatElement(nil, count: index + 1 - slotToID.count))
        }
        slotToID[index] = point
    }

    func point(at slot: UInt32) -> PointID? {
        Int(slot) < slotToID.count ? slotToID[Int(slot)] : nil
    }
}
