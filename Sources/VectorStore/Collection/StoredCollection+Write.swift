import VectorIndex

/// Writes. Each operation is one `RocksDBWriteBatch` (atomic: all of it or none after a
/// crash), built and written under the collection's write lock. Graph node records are in the
/// same batch as the points they index, so a crash never leaves a graph naming a missing
/// point. The in-memory state is updated while the batch is built; if the write fails the
/// state is discarded and rebuilt from disk on next use.
extension StoredCollection {
    /// Deleted graph nodes tolerated before a compaction: at least this many, and at least a
    /// quarter of the live nodes, so small churn does not rewrite lists on every delete.
    static let compactionMinimumDeleted = 64

    /// Validates every point before anything is written: a request with one bad point
    /// writes nothing.
    ///
    /// - Throws: `vectorNameNotFound` for an unknown name, `dimensionMismatch` naming the
    ///   vector, `invalidArgument` for a non-finite component or a point without a vector.
    func validated(_ points: [Point]) throws -> [Point] {
        try points.map { point in
            var stored = point
            if point.vectors.isEmpty && !config.usesNamedVectors {
                throw StoreError.invalidArgument(
                    field: "vector",
                    message: "point \(point.id) has no vector"
                )
            }
            for (vectorName, vector) in point.vectors {
                let params = try params(for: vectorName)
                guard vector.count == params.size else {
                    throw StoreError.dimensionMismatch(
                        vector: vectorName,
                        expected: params.size,
                        actual: vector.count
                    )
                }
                if let index = vector.firstIndex(where: { !$0.isFinite }) {
                    throw StoreError.invalidArgument(
                        field: "vector",
                        message: "point \(point.id): component \(index) of vector `\(vectorName)` "
                            + "is \(vector[index]); only finite numbers are allowed"
                    )
                }
                stored.vectors[vectorName] = params.distance.normalizedIfNeeded(vector)
            }
            return stored
        }
    }

    /// Inserts or replaces `points` (idempotent: the same request twice leaves the same
    /// state). A replaced point keeps its slot; its graph nodes get the new vectors.
    ///
    /// - Parameter quota: checked with the points and bytes the write adds before anything
    ///   changes; its error refuses the whole write.
    func upsert(_ points: [Point], sync: Bool, quota: QuotaCheck? = nil) throws {
        let points = try validated(points)
        try write(sync: sync) { batch, counters, state, touched in
            let version = counters.nextVersion
            // Within one request the last copy of an id wins, as if applied in order.
            var latest: [PointID: Point] = [:]
            for point in points { latest[point.id] = point }
            let ordered = latest.sorted(by: { $0.key < $1.key })

            // Old records and sizes first: the quota must see the whole delta before any
            // state changes.
            var olds: [PointID: (record: PointRecord, bytes: Int)] = [:]
            var records: [PointID: PointRecord] = [:]
            var delta = QuotaDelta(points: 0, bytes: 0)
            for (point, _) in ordered {
                olds[point] = try recordWithSize(point, decodePayload: !payloadSchemas.isEmpty)
            }
            // New points take free slots first (lowest first), then slots past the end.
            let newPoints = ordered.count - olds.count
            let reused = state.reusableSlots(newPoints)
            var nextSlot = counters.nextSlot
            var newSlots = reused.makeIterator()
            for (point, value) in ordered {
                let old = olds[point]
                let slot: UInt32
                if let old {
                    slot = old.record.slot
                } else if let free = newSlots.next() {
                    slot = free
                } else {
                    slot = nextSlot
                    nextSlot += 1
                }
                let new = PointRecord(
                    version: version, slot: slot, vectorNames: Array(value.vectors.keys),
                    payload: value.payload)
                records[point] = new
                delta.points += old == nil ? 1 : 0
                delta.bytes += storedSize(point: point, recordBytes: new.encoded().count,
                                          slot: slot, vectorNames: new.vectorNames)
                if let old {
                    delta.bytes -= storedSize(point: point, recordBytes: old.bytes, slot: slot,
                                              vectorNames: old.record.vectorNames)
                }
            }
            try quota?(delta, counters)

            counters.nextVersion += 1
            counters.nextSlot = nextSlot
            state.claimFreeSlots(reused.count)
            counters.pointCount += UInt64(delta.points)
            counters.addStoredBytes(delta.bytes)
            for (point, value) in ordered {
                let old = olds[point]?.record
                let new = records[point]!
                try storeVectors(
                    value.vectors, old: old, slot: new.slot, state: state, touched: &touched,
                    batch: batch)
                if let old { state.payloadIndexes.remove(slot: new.slot, payload: old.payload) }
                state.payloadIndexes.add(slot: new.slot, payload: new.payload)
                state.setSlot(new.slot, to: point)
                batch.put(KeyLayout.point(id, point), new.encoded())
                batch.put(KeyLayout.slot(id, new.slot), point.storageKey)
            }
        }
    }

    /// Inserts each vector into its graph (and queues it), and marks deleted the nodes of
    /// vector names the old version had and the new one lacks.
    private func storeVectors(
        _ vectors: [String: [Float]],
        old: PointRecord?,
        slot: UInt32,
        state: CollectionState,
        touched: inout [String: Set<UInt32>],
        batch: RocksDBWriteBatch
    ) throws {
        for (vectorName, vector) in vectors {
            guard let graph = state.graphs[vectorName] else {
                throw StoreError.vectorNameNotFound(vectorName)
            }
            if graph.isDeleted(slot) { state.deletedNodes[vectorName, default: 1] -= 1 }
            do {
                touched[vectorName, default: []].formUnion(
                    try graph.insert(slot: slot, vector: vector)
                )
            } catch {
                throw StoreError.invalidArgument(field: "vector", message: "\(error)")
            }
            // The graph's copy is what a restore must see, bit for bit.
            batch.put(
                KeyLayout.vector(id, vectorName, slot),
                PointRecord.encode(vector: graph.vector(at: slot) ?? vector)
            )
        }
        for vectorName in old?.vectorNames ?? [] where vectors[vectorName] == nil {
            markDeleted(slot, in: vectorName, state: state, touched: &touched)
        }
    }

    private func markDeleted(
        _ slot: UInt32,
        in vectorName: String,
        state: CollectionState,
        touched: inout [String: Set<UInt32>]
    ) {
        guard let graph = state.graphs[vectorName], graph.delete(slot: slot) else { return }
        state.deletedNodes[vectorName, default: 0] += 1
        touched[vectorName, default: []].insert(slot)
    }

    /// Deletes the selected points: record, slot entry, payload index entries, and graph
    /// nodes (marked deleted, reclaimed by compaction). One record per id is ever stored, so
    /// no older version can survive (case B13).
    func delete(_ selection: PointSelection, sync: Bool) throws {
        try write(sync: sync) { batch, counters, state, touched in
            let doomed = try resolve(selection)
            for (point, record) in doomed {
                batch.delete(KeyLayout.point(id, point))
                batch.delete(KeyLayout.slot(id, record.slot))
                for vectorName in record.vectorNames {
                    markDeleted(record.slot, in: vectorName, state: state, touched: &touched)
                }
                state.payloadIndexes.remove(slot: record.slot, payload: record.payload)
                state.setSlot(record.slot, to: nil)
            }
            // Free now only when the point had no graph node; else once compaction frees it.
            state.release(doomed.map(\.1.slot))
            counters.pointCount -= UInt64(doomed.count)
            let freed = doomed.reduce(0) { $0 + storedSize(point: $1.0, record: $1.1) }
            counters.addStoredBytes(-freed)
            counters.nextVersion += 1
        }
    }

    /// Rewrites the payload of each selected point with `transform`, keeping slot and vectors.
    ///
    /// - Parameter quota: checked with the bytes the new payloads add, before any change.
    /// - Throws: `pointNotFound` naming the first listed id that does not exist, before any
    ///   change, as Qdrant answers payload edits of missing points (404, nothing written).
    func updatePayloads(
        _ selection: PointSelection,
        sync: Bool,
        quota: QuotaCheck? = nil,
        _ transform: (inout [String: JSONValue]) throws -> Void
    ) throws {
        try write(sync: sync) { batch, counters, state, _ in
            let version = counters.nextVersion
            // Transform copies first, so the quota sees the size change before any state does.
            var changes: [(point: PointID, old: PointRecord, new: PointRecord)] = []
            var delta = QuotaDelta(points: 0, bytes: 0)
            let selected = try resolve(selection)
            if case .ids(let listed) = selection, selected.count < Set(listed).count {
                let found = Set(selected.map(\.0))
                if let missing = listed.first(where: { !found.contains($0) }) {
                    throw StoreError.pointNotFound(missing)
                }
            }
            for (point, record) in selected {
                var updated = record
                try transform(&updated.payload)
                updated.version = version
                delta.bytes += updated.encoded().count - record.encoded().count
                changes.append((point, record, updated))
            }
            try quota?(delta, counters)

            counters.nextVersion += 1
            counters.addStoredBytes(delta.bytes)
            for change in changes {
                state.payloadIndexes.remove(slot: change.old.slot, payload: change.old.payload)
                state.payloadIndexes.add(slot: change.new.slot, payload: change.new.payload)
                batch.put(KeyLayout.point(id, change.point), change.new.encoded())
            }
        }
    }

    /// Runs one write: `body` queues operations, edits the counters and the state, and
    /// records which graph nodes changed; their records, the graph metadata and the counters
    /// join the same batch.
    private func write(
        sync: Bool,
        _ body: (
            RocksDBWriteBatch, inout CollectionCounters, CollectionState,
            inout [String: Set<UInt32>]
        )
            throws -> Void
    ) throws {
        try lock.withWriteLock {
            guard !isDropped else { throw StoreError.collectionNotFound(name) }
            let state = try loadedState()
            let batch = RocksDBWriteBatch()
            var next = counters
            var touched: [String: Set<UInt32>] = [:]
            do {
                try body(batch, &next, state, &touched)
                compactIfNeeded(state, touched: &touched, batch: batch)
                queueGraphRecords(state, touched: touched, batch: batch)
                batch.put(KeyLayout.counters(id), next.encoded())
                try database.write(batch, sync: sync)
            } catch StoreError.quotaExceeded(let quota, let limit, let wouldBe) {
                // Every body checks its quota before it changes any state: nothing to undo.
                throw StoreError.quotaExceeded(quota: quota, limit: limit, wouldBe: wouldBe)
            } catch StoreError.pointNotFound(let point) {
                // Thrown only by `updatePayloads`, before it changes any state.
                throw StoreError.pointNotFound(point)
            } catch {
                // Graph and indexes may already hold this write; rebuild them from disk.
                discardState()
                throw error
            }
            counters = next
        }
    }

    private func queueGraphRecords(
        _ state: CollectionState,
        touched: [String: Set<UInt32>],
        batch: RocksDBWriteBatch
    ) {
        for (vectorName, slots) in touched {
            guard let graph = state.graphs[vectorName] else { continue }
            for slot in slots {
                if let record = graph.nodeRecord(at: slot) {
                    batch.put(KeyLayout.node(id, vectorName, slot), record.serialized())
                }
            }
            batch.put(KeyLayout.graphMetadata(id, vectorName), graph.metadata.serialized())
        }
    }

    /// Reclaims deleted nodes of a graph once they pass `compactionMinimumDeleted` and a
    /// quarter of its live nodes: repaired lists are rewritten, freed slots lose their node
    /// record and vector.
    private func compactIfNeeded(
        _ state: CollectionState,
        touched: inout [String: Set<UInt32>],
        batch: RocksDBWriteBatch
    ) {
        for (vectorName, graph) in state.graphs {
            let deleted = state.deletedNodes[vectorName] ?? 0
            guard deleted >= max(Self.compactionMinimumDeleted, graph.count / 4) else { continue }
            let compaction = graph.compact()
            touched[vectorName, default: []].formUnion(compaction.changedSlots)
            for slot in compaction.freedSlots {
                touched[vectorName]?.remove(slot)
                batch.delete(KeyLayout.node(id, vectorName, slot))
                batch.delete(KeyLayout.vector(id, vectorName, slot))
            }
            state.deletedNodes[vectorName] = 0
            state.release(compaction.freedSlots)
            // Present even when nothing changed, so the new metadata is written.
            touched[vectorName, default: []].formUnion([])
        }
    }

    // MARK: - Payload indexes

    /// Creates (or replaces) a payload index, fills it from every point, and records its
    /// schema in the catalog (persisted; survives restarts).
    func createPayloadIndex(field: String, schema: PayloadFieldSchema, sync: Bool) throws {
        try lock.withWriteLock {
            guard !isDropped else { throw StoreError.collectionNotFound(name) }
            let state = try loadedState()
            var schemas = payloadSchemas
            schemas[field] = schema
            try state.buildPayloadIndexes([field: schema], from: self)
            let batch = RocksDBWriteBatch()
            queueCatalog(schemas, in: batch)
            do { try database.write(batch, sync: sync) } catch {
                discardState()
                throw error
            }
            setPayloadSchemas(schemas)
        }
    }

    /// Drops a payload index; a no-op when there is none.
    func deletePayloadIndex(field: String, sync: Bool) throws {
        try lock.withWriteLock {
            guard !isDropped else { throw StoreError.collectionNotFound(name) }
            var schemas = payloadSchemas
            guard schemas.removeValue(forKey: field) != nil else { return }
            let batch = RocksDBWriteBatch()
            queueCatalog(schemas, in: batch)
            try database.write(batch, sync: sync)
            currentState?.payloadIndexes.dropIndex(field: field)
            setPayloadSchemas(schemas)
        }
    }
}
