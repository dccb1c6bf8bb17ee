import VectorIndex

/// Writes. Each public operation is one `RocksDBWriteBatch` (atomic: all of it or none
/// after a crash), built and written under the collection's write lock; in-memory state
/// changes only after the batch is written.
extension StoredCollection {
    /// Validates every point before anything is written: a request with one bad point
    /// writes nothing.
    ///
    /// - Throws: `vectorNameNotFound` for an unknown name, `dimensionMismatch` naming the
    ///   vector, `invalidArgument` for a non-finite component or a point without vectors.
    func validated(_ points: [Point]) throws -> [Point] {
        try points.map { point in
            var stored = point
            if point.vectors.isEmpty && config.vectors.count == 1 && !config.usesNamedVectors {
                throw StoreError.invalidArgument(
                    field: "vector", message: "point \(point.id) has no vector")
            }
            for (vectorName, vector) in point.vectors {
                let params = try params(for: vectorName)
                guard vector.count == params.size else {
                    throw StoreError.dimensionMismatch(
                        vector: vectorName, expected: params.size, actual: vector.count)
                }
                guard vector.allSatisfy({ $0.isFinite }) else {
                    throw StoreError.invalidArgument(
                        field: "vector",
                        message: "point \(point.id) has a non-finite component in vector "
                            + "`\(vectorName)`")
                }
                stored.vectors[vectorName] = Scoring.normalizedIfNeeded(
                    vector, distance: params.distance)
            }
            return stored
        }
    }

    /// Inserts or replaces `points` (idempotent: the same request twice leaves the same state).
    /// A replaced point moves to a new slot; its old slot is retired in the same batch.
    func upsert(_ points: [Point], sync: Bool) throws {
        let points = try validated(points)
        try withWriteLock(sync: sync) { batch, counters in
            let version = counters.nextVersion
            counters.nextVersion += 1
            // Within one request the last copy of an id wins, as if applied in order.
            var latest: [PointID: Point] = [:]
            for point in points { latest[point.id] = point }
            var changes: [(PointID, old: PointRecord?, new: PointRecord)] = []
            for (point, value) in latest.sorted(by: { $0.key < $1.key }) {
                let old = try record(point, decodePayload: false)
                let new = PointRecord(
                    version: version, slot: counters.nextSlot, vectors: value.vectors,
                    payload: value.payload)
                counters.nextSlot += 1
                if let old { batch.delete(KeyLayout.slot(id, old.slot)) } else { counters.pointCount += 1 }
                batch.put(KeyLayout.point(id, point), new.encoded())
                batch.put(KeyLayout.slot(id, new.slot), point.storageKey)
                changes.append((point, old, new))
            }
            return { [self] in
                for (point, old, new) in changes { applyToTables(point, old: old, new: new) }
            }
        }
    }

    /// Deletes the selected points: the record, its slot entry, and its in-memory vectors.
    /// One record per id is ever stored, so no older version can survive (case B13).
    func delete(_ selection: PointSelection, sync: Bool) throws {
        try withWriteLock(sync: sync) { batch, counters in
            let doomed = try resolve(selection)
            for (point, record) in doomed {
                batch.delete(KeyLayout.point(id, point))
                batch.delete(KeyLayout.slot(id, record.slot))
            }
            counters.pointCount -= UInt64(doomed.count)
            counters.nextVersion += 1
            return { [self] in
                for (point, record) in doomed { applyToTables(point, old: record, new: nil) }
            }
        }
    }

    /// Rewrites the payload of each selected point with `transform`, keeping slot and vectors.
    func updatePayloads(
        _ selection: PointSelection, sync: Bool,
        _ transform: (inout [String: JSONValue]) throws -> Void
    ) throws {
        try withWriteLock(sync: sync) { batch, counters in
            let version = counters.nextVersion
            counters.nextVersion += 1
            for (point, var record) in try resolve(selection) {
                try transform(&record.payload)
                record.version = version
                batch.put(KeyLayout.point(id, point), record.encoded())
            }
            return {}
        }
    }

    /// Runs one write: `body` queues operations on a batch and edits the counters, and
    /// returns what to apply in memory once the batch is durable.
    private func withWriteLock(
        sync: Bool, _ body: (RocksDBWriteBatch, inout CollectionCounters) throws -> () -> Void
    ) throws {
        try lock.withWriteLock {
            guard !isDropped else { throw StoreError.collectionNotFound(name) }
            let batch = RocksDBWriteBatch()
            var next = counters
            let apply = try body(batch, &next)
            batch.put(KeyLayout.counters(id), next.encoded())
            try database.write(batch, sync: sync)
            counters = next
            apply()
        }
    }

    private func applyToTables(_ point: PointID, old: PointRecord?, new: PointRecord?) {
        for (vectorName, table) in loadedVectorTables {
            if let old { table.remove(slot: old.slot) }
            if let new, let vector = new.vectors[vectorName] {
                table.set(slot: new.slot, point: point, vector: vector)
            }
        }
    }

    // MARK: - Payload indexes

    /// Records a payload index schema in the catalog (persisted; survives restarts).
    func createPayloadIndex(field: String, schema: PayloadFieldSchema, sync: Bool) throws {
        try lock.withWriteLock {
            guard !isDropped else { throw StoreError.collectionNotFound(name) }
            var schemas = payloadSchemas
            schemas[field] = schema
            try updatePayloadSchemas(schemas, sync: sync)
        }
    }

    func deletePayloadIndex(field: String, sync: Bool) throws {
        try lock.withWriteLock {
            guard !isDropped else { throw StoreError.collectionNotFound(name) }
            var schemas = payloadSchemas
            guard schemas.removeValue(forKey: field) != nil else { return }
            try updatePayloadSchemas(schemas, sync: sync)
        }
    }
}
